package ui

import (
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Retention (chat/retention.go) as the user sees it: a line in the
// conversation's header when its entries are kept a limited time, the
// policy's choice in the room's settings for its owner and admins, and the
// change in the room's history.

// retentionText holds the strings of retention; init adds them to text.
var retentionText = []phrase{
	{"retention.line", "Messages are kept %d days", "消息保留 %d 天"},
	{"retention.label", "Keep messages", "消息保留"},
	{"retention.default", "As the server does", "与服务器相同"},
	{"retention.forever", "Forever", "永久"},
	{"retention.days", "%d days", "%d 天"},
	{"entry.retention.on", "keeps the room's messages %d days", "将房间消息保留 %d 天"},
	{"entry.retention.off", "keeps the room's messages for ever", "永久保留房间消息"},
	{"entry.retention.def", "keeps the room's messages as the server does", "按服务器设置保留房间消息"},
}

func init() { addText(retentionText) }

// retentionChoices are the policies the room's settings offer.
var retentionChoices = []int{chat.RetainDefault, chat.RetainForever, 1, 7, 30, 90, 365}

// renderRetentionLine is the header's line about retention, nil when the
// conversation keeps its entries for ever.
func renderRetentionLine(l Lang, c *client.Conversation) app.UI {
	if c.Info.RetainDays <= 0 {
		return nil
	}
	return app.Span().ID("retention-line").Class("count", "retention").Text(T(l, "retention.line", c.Info.RetainDays))
}

// renderRetentionChoice is the room's policy in its settings, for its
// owner and admins.
func (p *roomPanel) renderRetentionChoice() app.UI {
	id := p.Iconv.Info.ID
	choices := retentionChoices
	if policy := p.Iconv.Info.RetainPolicy; policy > 0 && !slices.Contains(choices, policy) {
		choices = append(slices.Clone(choices), policy) // set through the API
	}
	options := make([]app.UI, 0, len(choices))
	for _, d := range choices {
		label := T(p.Ilang, "retention.days", d)
		switch d {
		case chat.RetainDefault:
			label = T(p.Ilang, "retention.default")
		case chat.RetainForever:
			label = T(p.Ilang, "retention.forever")
		}
		options = append(options, app.Option().Value(strconv.Itoa(d)).Selected(d == p.Iconv.Info.RetainPolicy).Text(label))
	}
	return app.Div().Class("retention-choice").Body(
		app.Label().For("retention").Text(T(p.Ilang, "retention.label")),
		app.Select().ID("retention").Body(options...).
			OnChange(func(ctx app.Context, e app.Event) {
				days, err := strconv.Atoi(ctx.JSSrc().Get("value").String())
				if err == nil {
					p.send(ctx, &chat.SetRetention{Conv: id, Days: days})
				}
			}, app.EventScope(id)),
	)
}

// retentionEntryText says what an EntryRetention changed.
func retentionEntryText(l Lang, e chat.Entry) string {
	switch {
	case e.Days == chat.RetainForever:
		return T(l, "entry.retention.off")
	case e.Days > 0:
		return T(l, "entry.retention.on", e.Days)
	}
	return T(l, "entry.retention.def")
}
