package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Render places the panels: the top bar, the notices, then the name form
// or the three panes, and the dialog open.
func (s *Shell) Render() app.UI {
	m := s.model
	named := m.Me != ""
	return app.Div().ID("chat").Class("shell", "pane-"+string(s.pane), classIf("with-thread", s.model.Thread != "" || s.threadsView)).DataSet("state", s.state.String()).Body(
		newTopBar().Lang(s.lang).Model(m).Rev(s.rev).State(s.state, s.retry, s.closed).Conn(s.conn).
			Dialog(s.dialog).OnOpen(s.openDialog).OnLang(func(ctx app.Context) {
			s.lang = switchLang(ctx, s.lang)
			s.rev++
		}).OnNotice(s.showNotice).OnInfo(s.showInfo).
			OnSkip(func(ctx app.Context) {
				s.pane = PaneChat
				s.rev++
				s.afterRender(ctx, func() { focusID("composer") })
			}),
		s.renderNotice(),
		app.If(m.NeedName, func() app.UI {
			return newNameGate().Lang(s.lang).ReleaseDays(m.Limits.NameReleaseDays).SSO(m.Limits.SSO, m.Limits.NoPasswords).Session(s.session).
				OnNotice(s.showNotice).OnSignedIn(s.signedIn)
		}).ElseIf(named, s.renderPanes).Else(func() app.UI {
			return app.Div().Class("loading").Text(T(s.lang, "state."+s.state.String()))
		}),
		app.Div().ID("account-slot").Body(
			app.If(s.dialog == dialogAccount && named, func() app.UI {
				return (&accountPanel{}).Lang(s.lang).Me(m.Me).HasPassword(m.Password).SSO(m.Limits.SSO, m.SSO, m.Limits.NoPasswords).
					OnClose(func(ctx app.Context) { s.closeDialog(ctx, "account-btn") }).Session(s.session).OnNotice(s.showNotice)
			}),
		),
		app.Div().ID("switcher-slot").Body(
			app.If(s.dialog == dialogSwitcher && named, func() app.UI {
				return newSwitcherDialog().Lang(s.lang).Model(m).Prev(s.prevActive).OnClose(s.closeDialog).
					OnOpen(s.activate).OnTalk(s.onOpenPrivate).OnJoin(func(ctx app.Context, name string) bool {
					if !s.onJoin(ctx, name) {
						return false
					}
					s.opening = opening{kind: chat.KindRoom, name: name}
					return true
				}).OnGroup(s.startGroup)
			}),
		),
		app.Div().ID("search-slot").Body(
			app.If(s.dialog == dialogSearch && named, func() app.UI {
				return newSearchDialog(s.searchWords).Lang(s.lang).Model(m).Session(s.session).
					Online(s.state == client.Online).OnClose(s.closeDialog).OnOpenHit(s.openHit)
			}),
		),
		// The live region: announceInDOM adds its lines.
		app.Div().ID("announcer").Class("visually-hidden").Role("log").Aria("live", "polite").
			Aria("label", T(s.lang, "announcer.label")),
	)
}

// renderNotice always renders a slot, empty or not, so that a notice
// appearing never shifts (and so recreates) the forms below it.
func (s *Shell) renderNotice() app.UI {
	return app.Div().ID("notice-slot").Body(
		newAppNotices().Lang(s.lang).Named(s.model.Me != ""), // the offline banner and the update notice (pwa.go)
		app.If(s.model.Me != "", func() app.UI {
			return newModerationNotices().Lang(s.lang).Model(s.model).Rev(s.rev).Session(s.session).
				OnNotice(s.showNotice).OnJoin(s.onJoin) // invitations, removals (moderation.go)
		}),
		app.If(s.notice != "", func() app.UI {
			return app.Div().ID("notice").Class("notice-bar").Role("alert").Body(
				app.Span().Text(T(s.lang, "error.prefix")+s.notice),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(func(ctx app.Context, e app.Event) { s.showNotice(ctx, "") }),
			)
		}).ElseIf(s.info != "", func() app.UI {
			return app.Div().ID("info").Class("notice-bar", "info").Role("status").Body(
				app.Span().Text(s.info),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(func(ctx app.Context, e app.Event) { s.showNotice(ctx, "") }),
			)
		}),
	)
}

// renderPanes lays out the conversation list, the conversation in view
// and the people, with the tabs that choose one on a narrow screen.
func (s *Shell) renderPanes() app.UI {
	m := s.model
	return app.Div().Class("panes").Body(
		app.Nav().Class("tabs").Aria("label", T(s.lang, "nav.chat")).Body(
			paneTab(s.lang, m, s.pane, PaneRooms, "nav.rooms", s.onPane(PaneRooms)),
			paneTab(s.lang, m, s.pane, PaneChat, "nav.chat", s.onPane(PaneChat)),
			paneTab(s.lang, m, s.pane, PanePeople, "nav.people", s.onPane(PanePeople)),
		),
		newConversationList().Lang(s.lang).Model(m).Rev(s.rev).OnOpen(s.activate).OnJoin(s.onJoin).OnThreads(s.setThreadsView(true)),
		s.conversationPane(),
		newPeoplePane().Lang(s.lang).Model(m).Rev(s.rev).OnOpenPrivate(s.onOpenPrivate).
			Session(s.session).OnNotice(s.showNotice).OnOpen(s.activate),
		app.If(m.Thread != "" || s.threadsView, func() app.UI { // the threads' side panel (thread.go)
			return newThreadPanel().Lang(s.lang).Model(m).Rev(s.rev).Session(s.session).Online(s.state == client.Online).
				Names(mentionNames(m)).Uploads(s.ups).
				OnOpen(func(ctx app.Context, id string) {
					if parent, root, ok := chat.ThreadOf(id); ok {
						s.openThread(ctx, parent, root)
					}
				}).OnList(s.setThreadsView(true)).OnClose(s.setThreadsView(false)).
				OnNotice(s.showNotice).OnOutbox(s.changed)
		}),
	)
}

// conversationPane places the conversation in view.
func (s *Shell) conversationPane() app.UI {
	return newConversationPane().Lang(s.lang).Model(s.model).Rev(s.rev).Online(s.state == client.Online).
		Names(mentionNames(s.model)).Session(s.session).Uploads(s.ups).Jump(s.jump).
		OnOlder(s.onOlder).OnScroll(s.onTimelineScroll).OnSent(s.onSent).OnOutbox(s.changed).
		OnUnstick(func(app.Context) { s.stick = false }).OnNotice(s.showNotice).
		OnSearch(func(ctx app.Context, words string) { s.openDialog(ctx, dialogSearch, words) }).OnJoin(s.onJoin).
		OnThread(s.openThread)
}

// paneTab is the tab of pane p. The conversations tab counts what is
// unread elsewhere, so that a narrow screen shows it too.
func paneTab(l Lang, m *client.Model, current, p Pane, key string, onClick app.EventHandler) app.UI {
	unread, forMe := 0, false
	if p == PaneRooms {
		for _, c := range m.Convs {
			if c.Info.ID != m.Active && c.Unread > 0 {
				unread += c.Unread
				forMe = forMe || c.Mentions > 0 || c.Info.Kind == chat.KindPrivate
			}
		}
	}
	return app.Button().Type("button").Class("tab", classIf("active", current == p)).DataSet("pane", string(p)).
		Aria("pressed", strconv.FormatBool(current == p)).OnClick(onClick).Body(
		app.Text(T(l, key)),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("unread", classIf("mention", forMe)).Text(strconv.Itoa(unread))
		}),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("visually-hidden").Text(" " + T(l, "conv.unread.sr"))
		}),
	)
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// classIf returns the CSS class name when on, and no class otherwise.
func classIf(name string, on bool) string {
	if on {
		return name
	}
	return ""
}
