package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// peoplePane is the pane of who is there: in a room, those online (a
// crowded room lists some and counts all), each a button that opens a
// private conversation with them (OnOpenPrivate); in a private
// conversation, the two of them, the other one marked online when a room
// lists them so, each with Mute or Unmute (moderation.go). It holds no
// state of its own.
type peoplePane struct {
	app.Compo

	Ilang          Lang
	Imodel         *client.Model
	Irev           uint64
	IonOpenPrivate func(app.Context, string)
	IonOpen        func(app.Context, string) // a group started here (group.go)
	// Isession sends Mute and Unmute; IonNotice shows what failed
	// (moderation.go).
	Isession  *client.Session
	IonNotice func(app.Context, string)
}

func newPeoplePane() *peoplePane { return &peoplePane{} }

func (p *peoplePane) Lang(v Lang) *peoplePane           { p.Ilang = v; return p }
func (p *peoplePane) Model(m *client.Model) *peoplePane { p.Imodel = m; return p }
func (p *peoplePane) Rev(v uint64) *peoplePane          { p.Irev = v; return p }
func (p *peoplePane) OnOpenPrivate(h func(app.Context, string)) *peoplePane {
	p.IonOpenPrivate = h
	return p
}

func (p *peoplePane) Session(v *client.Session) *peoplePane { p.Isession = v; return p }
func (p *peoplePane) OnOpen(h func(app.Context, string)) *peoplePane {
	p.IonOpen = h
	return p
}
func (p *peoplePane) OnNotice(h func(app.Context, string)) *peoplePane {
	p.IonNotice = h
	return p
}

func (p *peoplePane) Render() app.UI {
	m := p.Imodel
	c := m.Convs[m.Active]
	if c != nil && m.IsGroup(c.Info.ID) {
		return p.renderGroup(c) // group.go
	}
	if c != nil && c.Info.Kind == chat.KindPrivate {
		return p.renderPrivate(c)
	}
	var online []string
	total := 0
	if c != nil && c.Info.Kind == chat.KindRoom {
		online, total = c.Online, c.OnlineTotal() // a crowded room lists some, counts all
	}
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(p.Ilang, "people.title")).Body(
		app.H2().Text(T(p.Ilang, "people.title")+" ("+strconv.Itoa(total)+")"),
		app.P().Class("hint").Text(T(p.Ilang, "people.hint")),
		app.Ul().Class("person-list").Body(
			app.Range(online).Slice(func(i int) app.UI { return p.renderPerson(online[i]) }),
		),
		app.If(total > len(online), func() app.UI {
			return app.P().ID("people-more").Class("hint").Text(T(p.Ilang, "people.more", total-len(online)))
		}),
		newNewGroupForm().Lang(p.Ilang).Model(m).Rev(p.Irev).Session(p.Isession).OnOpen(p.IonOpen).OnNotice(p.IonNotice), // group.go
	)
}

// renderPerson is someone online: the user, or a button to talk privately.
func (p *peoplePane) renderPerson(name string) app.UI {
	if name == p.Imodel.Me {
		return app.Li().Class("person", "me").DataSet("name", name).Body(
			app.Span().Class("person-row").Body(avatar(name, "small", "online"), app.Bdi().Text(name), app.Text(" "+T(p.Ilang, "people.you"))),
		)
	}
	return app.Li().Class("person").DataSet("name", name).Body(
		app.Button().Type("button").Class("person-btn").Title(T(p.Ilang, "people.private")).
			OnClick(func(ctx app.Context, e app.Event) { p.IonOpenPrivate(ctx, name) }, app.EventScope(name)).Body(
			avatar(name, "small", "online"), app.Span().Class("person-name").Text(name), botTag(p.Ilang, p.Imodel.IsBot(name)),
		),
		p.renderMuteButton(name), // moderation.go
	)
}

// renderPrivate is the pane of a private conversation: the two of them.
func (p *peoplePane) renderPrivate(c *client.Conversation) app.UI {
	me := p.Imodel.Me
	online := isOnline(p.Imodel, c.Name)
	state := "online"
	if !online {
		state = "offline"
	}
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(p.Ilang, "people.private.with")).Body(
		app.H2().Text(T(p.Ilang, "people.private.with")),
		app.Ul().Class("person-list").Body(
			app.Li().Class("person").DataSet("name", c.Name).DataSet("presence", state).Body(
				app.Span().Class("person-row").Body(
					avatar(c.Name, "small", classIf("online", online)),
					app.Span().Class("person-name").Text(c.Name), botTag(p.Ilang, c.Info.Bot),
					app.Span().Class("hint", "presence-state").Text(T(p.Ilang, "state."+state)),
				),
			),
			app.Li().Class("person", "me").DataSet("name", me).Body(
				app.Span().Class("person-row").Body(avatar(me, "small", "online"), app.Bdi().Text(me), app.Text(" "+T(p.Ilang, "people.you"))),
			),
		),
	)
}

// isOnline reports whether a room the user is in lists name as online.
func isOnline(m *client.Model, name string) bool {
	for _, c := range m.Convs {
		for _, n := range c.Online {
			if n == name {
				return true
			}
		}
	}
	return false
}
