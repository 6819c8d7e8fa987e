package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/client"
)

// renderPrivatePeople is the people pane of a private conversation: the
// two of them, the other one marked online when a room lists them so.
func (s *Shell) renderPrivatePeople(c *client.Conversation) app.UI {
	online := s.isOnline(c.Name)
	state := "online"
	if !online {
		state = "offline"
	}
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(s.lang, "people.private.with")).Body(
		app.H2().Text(T(s.lang, "people.private.with")),
		app.Ul().Class("person-list").Body(
			app.Li().Class("person").DataSet("name", c.Name).DataSet("presence", state).Body(
				app.Span().Class("person-row").Body(
					avatar(c.Name, "small", classIf("online", online)),
					app.Span().Class("person-name").Text(c.Name),
					app.Span().Class("hint", "presence-state").Text(T(s.lang, "state."+state)),
				),
			),
			app.Li().Class("person", "me").DataSet("name", s.model.Me).Body(
				app.Span().Class("person-row").Body(avatar(s.model.Me, "small", "online"), app.Text(s.model.Me+" "+T(s.lang, "people.you"))),
			),
		),
	)
}

// isOnline reports whether a room the user is in lists name as online.
func (s *Shell) isOnline(name string) bool {
	for _, c := range s.model.Convs {
		for _, n := range c.Online {
			if n == name {
				return true
			}
		}
	}
	return false
}
