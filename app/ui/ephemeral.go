package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// ephemeralNotes shows, at the bottom of the conversation's timeline, the
// notices "only visible to you" (a slash command's ephemeral answer), each
// with who sent it and a button to dismiss it. They live in the Model,
// which never saves them: a reload forgets them. It hears the frames
// (eventAction) to show a new one.
type ephemeralNotes struct {
	app.Compo

	Ilang  Lang
	Imodel *client.Model
	Iconv  string
}

func newEphemeralNotes() *ephemeralNotes { return &ephemeralNotes{} }

func (n *ephemeralNotes) Lang(v Lang) *ephemeralNotes           { n.Ilang = v; return n }
func (n *ephemeralNotes) Model(v *client.Model) *ephemeralNotes { n.Imodel = v; return n }
func (n *ephemeralNotes) Conv(v string) *ephemeralNotes         { n.Iconv = v; return n }

// OnMount listens to the frames.
func (n *ephemeralNotes) OnMount(ctx app.Context) { ctx.Handle(eventAction, n.onEvent) }

// onEvent renders again when a notice of this conversation arrived.
func (n *ephemeralNotes) onEvent(ctx app.Context, a app.Action) {
	if f, ok := eventFrame(a).(*chat.Notice); ok && f.Conv == n.Iconv {
		ctx.Update()
	}
}

func (n *ephemeralNotes) Render() app.UI {
	var notes []client.Ephemeral
	if n.Imodel != nil {
		notes = n.Imodel.Ephemerals(n.Iconv)
	}
	items := make([]app.UI, 0, len(notes))
	for _, e := range notes {
		id := e.ID
		items = append(items, app.Div().Class("entry", "msg", "ephemeral").Role("note").Body(
			app.Div().Class("bubble").Body(
				app.Div().Class("meta").Body(
					app.Span().Class("from").Text(e.From), app.Text(" · "),
					app.Span().Class("only-you").Text(T(n.Ilang, "ephemeral.only")),
					app.Button().Type("button").Class("link", "dismiss").Text(T(n.Ilang, "ephemeral.dismiss")).
						OnClick(func(ctx app.Context, _ app.Event) { n.Imodel.DismissEphemeral(n.Iconv, id) }, app.EventScope(id)),
				),
				app.Raw(e.HTML),
			),
		))
	}
	return app.Div().Class("ephemerals").Body(items...)
}
