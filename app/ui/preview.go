package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// previewText holds the strings of the composer's preview; init adds them
// to text.
var previewText = []phrase{
	{"preview.button", "Preview", "预览"},
	{"preview.title", "Show how the message will look", "查看消息发出后的样子"},
	{"preview.label", "Preview of your message", "消息预览"},
	{"preview.waiting", "Asking the server…", "正在向服务器获取…"},
	{"preview.empty", "Nothing to preview yet.", "还没有可预览的内容。"},
	{"preview.offline", "The preview needs the connection.", "预览需要连接到服务器。"},
}

func init() { addText(previewText) }

// composerPreview is a composer's Preview toggle, the room's or (InThread)
// a thread's: it asks the server how the composer's text will show (a
// chat.Preview frame: the client never turns text into markup itself) and
// shows the answer over the composer, until the toggle is pressed again or
// a message of the user's in that kind of conversation is acknowledged.
type composerPreview struct {
	app.Compo

	Ilang     Lang
	Isession  *client.Session // nil: shown alone (tests)
	Ionline   bool
	IinThread bool // the thread panel's: ids start "thread-"

	open    bool
	n       uint64 // the number of the latest Preview asked (previewsAsked)
	waiting bool
	html    string // the server's markup of the text
	err     string
}

func newComposerPreview() *composerPreview                            { return &composerPreview{} }
func (c *composerPreview) Lang(l Lang) *composerPreview               { c.Ilang = l; return c }
func (c *composerPreview) Session(s *client.Session) *composerPreview { c.Isession = s; return c }
func (c *composerPreview) Online(v bool) *composerPreview             { c.Ionline = v; return c }
func (c *composerPreview) InThread(v bool) *composerPreview           { c.IinThread = v; return c }

// previewsAsked numbers the Preview frames of every composer, so that each
// preview takes only the answer to its own.
var previewsAsked uint64

// prefix starts the ids of the preview's elements and of the textarea it
// previews: "" for the room's composer, "thread-" for a thread's.
func (c *composerPreview) prefix() string {
	if c.IinThread {
		return "thread-"
	}
	return ""
}

// OnMount listens to the events, for the server's answer.
func (c *composerPreview) OnMount(ctx app.Context) { ctx.Handle(eventAction, c.onEvent) }

func (c *composerPreview) Render() app.UI {
	l, p := c.Ilang, c.prefix()
	return app.Div().ID(p+"preview-bar").Class("preview-bar").Body(
		app.Button().ID(p+"preview-btn").Type("button").Class("preview-btn").Aria("pressed", boolText(c.open)).
			Aria("controls", c.previewID()).Title(T(l, "preview.title")).Text(T(l, "preview.button")).
			OnClick(c.onToggle),
		app.If(c.open, func() app.UI {
			box := app.Div().ID(c.previewID()).Class("composer-preview", "entry").Role("region").Aria("label", T(l, "preview.label")).Aria("live", "polite")
			switch {
			case c.waiting:
				return box.Body(app.P().Class("hint").Text(T(l, "preview.waiting")))
			case c.err != "":
				return box.Body(app.P().Class("hint", "preview-error").Text(c.err))
			}
			return box.Body(app.Raw(c.html))
		}),
	)
}

// onToggle closes the preview, or asks the server for the composer's text.
func (c *composerPreview) onToggle(ctx app.Context, e app.Event) {
	if c.open {
		c.open, c.waiting = false, false
		return
	}
	c.open, c.waiting, c.html, c.err = true, false, "", ""
	text := ""
	if el := app.Window().GetElementByID(c.prefix() + "composer"); el.Truthy() {
		text = el.Get("value").String()
	}
	switch {
	case strings.TrimSpace(text) == "":
		c.err = T(c.Ilang, "preview.empty")
		return
	case !c.Ionline || c.Isession == nil:
		c.err = T(c.Ilang, "preview.offline")
		return
	}
	f := &chat.Preview{N: previewsAsked + 1, Text: text}
	if err := f.Validate(); err != nil {
		e := err.(*chat.Error)
		c.err = actionError(c.Ilang, e.Code, e.Message)
		return
	}
	previewsAsked++
	c.n = previewsAsked
	c.waiting = true
	if err := c.Isession.Write([]chat.Frame{f}); err != nil {
		c.waiting, c.err = false, err.Error()
	}
}

// onEvent takes the server's answer to the latest Preview; a message of
// the user's acknowledged (sent) in a thread closes a thread's preview,
// elsewhere the room's.
func (c *composerPreview) onEvent(ctx app.Context, a app.Action) {
	switch f := eventFrame(a).(type) {
	case *chat.Rendered:
		if f.N == c.n && c.waiting {
			c.waiting, c.html = false, f.HTML
		}
	case *chat.Error:
		if f.Ref == chat.TypePreview && c.waiting {
			c.waiting, c.err = false, actionError(c.Ilang, f.Code, f.Message)
		}
	case *chat.Ack:
		if chat.IsThread(f.Conv) == c.IinThread {
			c.open, c.waiting = false, false
		}
	}
}

// previewID is what the Preview button controls: the preview while it is
// shown (an ARIA reference must name an element that is there).
func (c *composerPreview) previewID() string {
	if c.open {
		return c.prefix() + "composer-preview"
	}
	return ""
}
