package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Render draws the app: the top bar, then either the name form or the three
// panes.
func (s *Shell) Render() app.UI {
	m := s.model
	return app.Div().ID("chat").Class("shell", "pane-"+string(s.pane)).DataSet("state", s.state.String()).Body(
		s.renderTopBar(),
		s.renderNotice(),
		app.If(m.NeedName && s.signingIn, func() app.UI {
			return (&signInForm{}).Lang(s.lang).Busy(s.busy).OnSignIn(s.onSignIn).OnCancel(s.onSignInCancel)
		}).ElseIf(m.NeedName, func() app.UI {
			return (&nameForm{}).Lang(s.lang).ReleaseDays(s.model.Limits.NameReleaseDays).OnPick(s.onPickName).OnSignIn(s.onSignInMode)
		}).ElseIf(m.Me != "", func() app.UI {
			return s.renderPanes()
		}).Else(func() app.UI {
			return app.Div().Class("loading").Text(T(s.lang, "state."+s.state.String()))
		}),
		app.Div().ID("account-slot").Body(
			app.If(s.account && m.Me != "", func() app.UI {
				return (&accountPanel{}).Lang(s.lang).Me(m.Me).HasPassword(m.Password).
					OnPassword(s.onSetPassword).OnClose(s.onAccountClose).Session(s.session).OnNotice(s.showNotice)
			}),
		),
		app.Div().ID("switcher-slot").Body(
			app.If(s.ux.switcher.open && m.Me != "", s.renderSwitcher),
		),
		app.Div().ID("search-slot").Body(
			app.If(s.find.open && m.Me != "", s.renderSearch),
		),
		// The live region: announceInDOM adds its lines.
		app.Div().ID("announcer").Class("visually-hidden").Role("log").Aria("live", "polite").
			Aria("label", T(s.lang, "announcer.label")),
	)
}

func (s *Shell) renderTopBar() app.UI {
	toggle := "btn.disconnect"
	if s.state == client.Offline {
		toggle = "btn.reconnect"
	}
	named := s.model.Me != ""
	return app.Header().Class("topbar").Body(
		app.If(named, func() app.UI {
			return app.Button().ID("skip").Type("button").Class("skip-link").Text(T(s.lang, "skip.composer")).OnClick(s.onSkip)
		}),
		app.H1().Text(T(s.lang, "app.title")),
		app.Span().ID("status").Class("status", s.state.String()).Role("status").
			DataSet("state", s.state.String()).Title(s.closed).Text(s.stateText()),
		newQuietNote().Lang(s.lang).Model(s.model), // do-not-disturb (push.go)
		app.If(named, func() app.UI {
			return app.Button().ID("switcher-btn").Type("button").Class("switcher-btn").
				Aria("keyshortcuts", "Control+K Meta+K").Aria("haspopup", "dialog").OnClick(s.onSwitcherButton).Body(
				app.Raw(iconSearch),
				app.Span().Class("switcher-btn-label").Text(T(s.lang, "switcher.button")),
				app.Kbd().Aria("hidden", "true").Text("Ctrl+K"),
			)
		}),
		app.If(named, s.renderSearchButton),
		app.Div().Class("topbar-tools").Body(
			app.If(named, s.renderNotifyButton),
			s.renderThemeButton(),
			app.Button().ID("lang").Type("button").Lang(string(otherLang(s.lang))).Text(T(s.lang, "btn.lang")).OnClick(s.onSwitchLang),
			app.If(named, func() app.UI {
				return app.Span().ID("me").Class("me").Body(avatar(s.model.Me, "small"), app.Text(s.model.Me))
			}),
			app.If(named, func() app.UI {
				return app.Button().ID("account-btn").Type("button").Aria("expanded", boolText(s.account)).
					Text(T(s.lang, "account.button")).OnClick(s.onAccount)
			}),
			app.Button().ID("conn-toggle").Type("button").Text(T(s.lang, toggle)).OnClick(s.onToggleConnection),
			s.renderInstall(),
		),
	)
}

func otherLang(l Lang) Lang {
	if l == Chinese {
		return English
	}
	return Chinese
}

func (s *Shell) stateText() string {
	if s.state == client.Reconnecting && s.retry >= time.Second {
		return T(s.lang, "state.retry", int(s.retry.Round(time.Second)/time.Second))
	}
	return T(s.lang, "state."+s.state.String())
}

// renderNotice always renders a slot, empty or not, so that a notice
// appearing never shifts (and so recreates) the forms below it.
func (s *Shell) renderNotice() app.UI {
	return app.Div().ID("notice-slot").Body(
		s.renderPWA(),               // the offline banner and the update notice (pwa.go)
		s.renderModerationNotices(), // invitations, removals (moderation.go)
		app.If(s.notice != "", func() app.UI {
			return app.Div().ID("notice").Class("notice-bar").Role("alert").Body(
				app.Span().Text(T(s.lang, "error.prefix")+s.notice),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(s.onDismiss),
			)
		}).ElseIf(s.info != "", func() app.UI {
			return app.Div().ID("info").Class("notice-bar", "info").Role("status").Body(
				app.Span().Text(s.info),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(s.onDismiss),
			)
		}),
	)
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

func (s *Shell) renderPanes() app.UI {
	return app.Div().Class("panes").Body(
		app.Nav().Class("tabs").Aria("label", T(s.lang, "nav.chat")).Body(
			s.tab(PaneRooms, "nav.rooms"),
			s.tab(PaneChat, "nav.chat"),
			s.tab(PanePeople, "nav.people"),
		),
		s.conversationList(),
		s.conversationPane(),
		s.peoplePane(),
	)
}

func (s *Shell) tab(p Pane, key string) app.UI {
	// The conversations tab counts what is unread elsewhere, so that a
	// narrow screen shows it too.
	unread, forMe := 0, false
	if p == PaneRooms {
		for _, c := range s.model.Convs {
			if c.Info.ID != s.model.Active && c.Unread > 0 {
				unread += c.Unread
				forMe = forMe || c.Mentions > 0 || c.Info.Kind == chat.KindPrivate
			}
		}
	}
	return app.Button().Type("button").Class("tab", classIf("active", s.pane == p)).DataSet("pane", string(p)).
		Aria("pressed", strconv.FormatBool(s.pane == p)).OnClick(s.onPane(p)).Body(
		app.Text(T(s.lang, key)),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("unread", classIf("mention", forMe)).Text(strconv.Itoa(unread))
		}),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("visually-hidden").Text(" " + T(s.lang, "conv.unread.sr"))
		}),
	)
}

// classIf returns the CSS class name when on, and no class otherwise.
func classIf(name string, on bool) string {
	if on {
		return name
	}
	return ""
}
