package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Typing and "Seen" on screen. Under the timeline, a polite live region
// says who is typing ("Ann is typing…", "Ann and Bob are typing…",
// "Several people are typing…"); it is always in the page, empty when
// nobody types, so that screen readers announce what comes into it. The
// model expires each name (client.Model.Typists); the Shell renders again
// when the first one is due. In a private conversation, "Seen" follows the
// last of the user's messages the other member has read. Names are text
// nodes, never markup.

// typingText holds the strings of typing and seen; init adds them to text.
var typingText = []phrase{
	{"typing.one", "%s is typing…", "%s 正在输入…"},
	{"typing.two", "%s and %s are typing…", "%s 和 %s 正在输入…"},
	{"typing.several", "Several people are typing…", "多人正在输入…"},
	{"seen", "Seen", "已读"},
	{"seen.sr", "Seen by %s", "%s 已读"},
}

func init() { addText(typingText) }

// OnTyped sets what the composer calls with its text after each change the
// user made to it.
func (c *composer) OnTyped(f func(app.Context, string)) *composer { c.IonTyped = f; return c }

// typed tells the composer's owner of the text after a change.
func (c *composer) typed(ctx app.Context, text string) {
	if c.IonTyped != nil {
		c.IonTyped(ctx, text)
	}
}

// onTyped has the session tell the others, now and then, that the user is
// typing in the conversation in view, or stopped.
func (p *conversationPane) onTyped(ctx app.Context, text string) {
	if p.Isession == nil || p.Imodel.Active == "" {
		return
	}
	if err := p.Isession.Typed(p.Imodel.Active, text); err != nil {
		p.notify(ctx, err.Error())
	}
}

// onTypist renders the pane again when typist f is due to expire, in any
// conversation: the user may switch to it meanwhile.
func (p *conversationPane) onTypist(ctx app.Context, f chat.Frame) {
	t, ok := f.(*chat.Typist)
	if !ok || !t.On {
		return
	}
	// A little after the line is due, so that it is past due when looked at.
	ctx.After(chat.TypingShown+100*time.Millisecond, func(app.Context) {})
}

// renderTyping is the live region under the timeline.
func (p *conversationPane) renderTyping(c *client.Conversation) app.UI {
	names, _ := p.Imodel.Typists(c.Info.ID)
	var body []app.UI
	switch len(names) {
	case 0:
	case 1:
		body = tNames(p.Ilang, "typing.one", names...)
	case 2:
		body = tNames(p.Ilang, "typing.two", names...)
	default:
		body = []app.UI{app.Text(T(p.Ilang, "typing.several"))}
	}
	return app.Div().ID("typing").Class("typing").Role("status").Aria("live", "polite").Body(body...)
}

// renderSeen is "Seen" under the user's message the other member of a
// private conversation has read up to.
func (p *conversationPane) renderSeen(c *client.Conversation) app.UI {
	if p.Imodel.IsGroup(c.Info.ID) {
		return p.renderGroupSeen(c) // group.go
	}
	return app.Div().ID("seen").Class("seen").Body(
		app.Span().Aria("hidden", "true").Text(T(p.Ilang, "seen")),
		app.Span().Class("visually-hidden").Text(T(p.Ilang, "seen.sr", c.Name)),
	)
}

// tNames is T for a text of several user strings (its "%s"), each a bdi
// element of text, in order.
func tNames(l Lang, key string, names ...string) []app.UI {
	parts := strings.Split(T(l, key), "%s")
	out := make([]app.UI, 0, 2*len(parts))
	for i, part := range parts {
		if part != "" {
			out = append(out, app.Text(part))
		}
		if i < len(names) && i < len(parts)-1 {
			out = append(out, app.Bdi().Text(names[i]))
		}
	}
	return out
}
