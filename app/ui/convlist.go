package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// conversationList is the pane of the user's conversations: the rooms,
// then the private conversations, each with its unread count (marked when
// it mentions the user or is private), and the form to join a room.
// Choosing one opens it (OnOpen); the list holds no state of its own.
type conversationList struct {
	app.Compo

	Ilang   Lang
	Imodel  *client.Model
	Irev    uint64
	IonOpen func(app.Context, string)
	IonJoin func(app.Context, string) bool
	// IonThreads shows the followed threads (thread.go); nil: no button.
	IonThreads func(app.Context)
}

func newConversationList() *conversationList { return &conversationList{} }

func (l *conversationList) Lang(v Lang) *conversationList           { l.Ilang = v; return l }
func (l *conversationList) Model(m *client.Model) *conversationList { l.Imodel = m; return l }
func (l *conversationList) Rev(v uint64) *conversationList          { l.Irev = v; return l }
func (l *conversationList) OnOpen(h func(app.Context, string)) *conversationList {
	l.IonOpen = h
	return l
}
func (l *conversationList) OnJoin(h func(app.Context, string) bool) *conversationList {
	l.IonJoin = h
	return l
}

func (l *conversationList) Render() app.UI {
	var rooms, direct []*client.Conversation
	for _, c := range l.Imodel.Sorted() {
		if c.Info.Kind == chat.KindPrivate {
			direct = append(direct, c)
		} else {
			rooms = append(rooms, c)
		}
	}
	return app.Aside().ID("rooms").Class("pane", "rooms").Aria("label", T(l.Ilang, "rooms.title")).Body(
		app.H2().Text(T(l.Ilang, "rooms.title")),
		renderThreadsButton(l.Ilang, l.Imodel, l.IonThreads), // thread.go
		app.Ul().Class("conv-list").Aria("label", T(l.Ilang, "rooms.rooms")).Body(
			app.Range(rooms).Slice(func(i int) app.UI { return l.renderItem(rooms[i]) }),
		),
		app.H3().ID("direct-title").Class("list-title").Text(T(l.Ilang, "rooms.direct")),
		app.If(len(direct) == 0, func() app.UI {
			return app.P().Class("hint", "list-hint").Text(T(l.Ilang, "rooms.direct.none"))
		}).Else(func() app.UI {
			return app.Ul().Class("conv-list", "direct-list").Aria("labelledby", "direct-title").Body(
				app.Range(direct).Slice(func(i int) app.UI { return l.renderItem(direct[i]) }),
			)
		}),
		(&joinForm{}).Lang(l.Ilang).OnJoin(l.IonJoin),
	)
}

// renderItem is one conversation of the list: its name (with the other
// one's avatar for a private one), whether it mentions the user, and its
// unread count, said in words for screen readers.
func (l *conversationList) renderItem(c *client.Conversation) app.UI {
	id := c.Info.ID
	active := id == l.Imodel.Active
	private := c.Info.Kind == chat.KindPrivate
	// Unread private messages are for the user as much as mentions are.
	forMe := c.Unread > 0 && (c.Mentions > 0 || private)
	// What the badges say, for screen readers.
	said := "conv.unread.sr"
	if c.Mentions > 0 {
		said = "conv.unread.mention.sr"
	}
	sigil := "#"
	if private {
		sigil = "@"
	}
	return app.Li().Body(
		app.Button().Type("button").Class("conv-item", classIf("active", active), classIf("has-unread", c.Unread > 0)).
			DataSet("conv", id).Aria("current", strconv.FormatBool(active)).
			OnClick(func(ctx app.Context, e app.Event) { l.IonOpen(ctx, id) }, app.EventScope(id)).Body(
			app.If(private, func() app.UI { return avatar(c.Name, "small") }),
			app.Span().Class("conv-name").Body(
				app.Span().Class("sigil", classIf("visually-hidden", private)).Text(sigil),
				app.Text(" "+c.Name),
			),
			botTag(l.Ilang, c.Info.Bot),
			app.If(c.Mentions > 0, func() app.UI {
				return app.Span().Class("mention-mark").Aria("hidden", "true").Text("@")
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("unread", classIf("mention", forMe)).Text(strconv.Itoa(c.Unread))
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("visually-hidden").Text(" " + T(l.Ilang, said))
			}),
		),
	)
}
