// Package ui is the chat's interface, written with go-app: the Shell
// component owns the connection (package client) and the model of
// conversations, and renders the rooms, the conversation, the people online
// and the composer. Routes registers the pages; both the WebAssembly main and
// the server (which prerenders them) call it.
package ui

import (
	"context"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Routes registers the pages of the app. Call it once, before serving or
// running in the browser.
func Routes() {
	app.Route("/", func() app.Composer { return NewShell() })
	app.RouteWithRegexp(convRoute, func() app.Composer { return NewShell() }) // a conversation's own page (pwa.go)
}

// Pane is what a narrow screen shows; a wide one shows all three.
type Pane string

// Panes.
const (
	PaneRooms  Pane = "rooms"
	PaneChat   Pane = "chat"
	PanePeople Pane = "people"
)

// Shell is the whole app: it connects when mounted in the browser and keeps
// all state in one place, changed only on the UI goroutine.
type Shell struct {
	app.Compo

	model  *client.Model
	conn   *client.Conn
	stop   context.CancelFunc
	state  client.State
	retry  time.Duration
	closed string // why the last connection ended, when it matters
	lang   Lang
	pane   Pane
	notice string // the latest error, shown until dismissed
	rev    uint64 // bumped on every change, so children re-render

	info      string // the latest confirmation, shown until dismissed
	signingIn bool   // the name form is in sign-in mode
	busy      bool   // a sign-in is under way
	account   bool   // the account panel is open

	stick      bool   // keep the conversation scrolled to the newest entry
	openingDM  string // a private conversation asked for, to show when it comes
	keepScroll int    // scrollHeight before older entries were added, or 0

	ux uxState // theme, switcher, mentions, notifications, announcements (ux.go)

	off offlineState // what the browser keeps: saved conversations, the outbox (offline.go)
	pwa pwaState     // conversation routes, offline banner, updates, install (pwa.go)
}

// NewShell returns a Shell in English with an empty model.
func NewShell() *Shell {
	return &Shell{model: client.NewModel(), lang: English, pane: PaneChat, stick: true}
}

// OnMount starts the connection; it runs only in the browser.
func (s *Shell) OnMount(ctx app.Context) {
	s.lang = browserLang(ctx)
	s.mountUX(ctx)
	s.mountPWA(ctx)
	s.model.Visible = pageVisible()
	onVisibility(ctx, func(visible bool) {
		ctx.Dispatch(func(ctx app.Context) { s.setVisible(visible); s.onShownUX(ctx, visible) })
	})
	s.conn = client.New(client.Options{
		URL: wsURL(),
		OnEvent: func(e client.Event) {
			ctx.Dispatch(func(ctx app.Context) { s.onEvent(ctx, e) })
		},
	})
	onPageLifecycle(func() {
		s.conn.Disconnect() // leaving: say goodbye now, not after the heartbeat
	}, func(fromCache bool) {
		if fromCache {
			s.conn.Reconnect()
		}
	})
	onNetworkBack(func() {
		ctx.Dispatch(func(app.Context) {
			if s.state == client.Reconnecting {
				s.conn.Reconnect() // no need to wait out the backoff
			}
		})
	})
	runCtx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	// Restore what the browser kept; the connection's events wait for it,
	// so that the first Welcome resumes from it.
	s.mountOffline(ctx, func() {
		go s.conn.Run(runCtx) // long-lived: a plain goroutine, not ctx.Async
	})
}

// OnDismount stops the connection.
func (s *Shell) OnDismount() {
	if s.stop != nil {
		s.stop()
	}
}

// onEvent applies a connection event on the UI goroutine.
func (s *Shell) onEvent(ctx app.Context, e client.Event) {
	if s.holdEvent(e) {
		return // until what the browser kept is restored (offline.go)
	}
	defer s.afterEventPWA(ctx, e)
	s.rev++
	if e.Changed {
		s.state, s.retry = e.State, e.Retry
		if e.State != client.Online {
			s.model.Disconnected()
		}
		s.closed = closeText(e)
		return
	}
	if e.Err != nil && e.Frame == nil {
		s.notice = e.Err.Error()
		return
	}
	s.beforeApply(e.Frame)
	s.sendAll(ctx, s.model.Apply(e.Frame))
	s.afterApply(ctx, e.Frame)
}

func closeText(e client.Event) string {
	if e.Close.Code == 0 || e.Close.Code == chat.CloseNormal.Code || e.State == client.Online {
		return ""
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return ""
}

// beforeApply remembers the scroll height when older entries are coming, so
// the view does not jump.
func (s *Shell) beforeApply(f chat.Frame) {
	p, ok := f.(*chat.Page)
	if !ok || p.Conv != s.model.Active {
		return
	}
	c := s.model.Convs[p.Conv]
	if c != nil && c.LoadingOlder() {
		s.keepScroll = timelineScrollHeight()
	}
}

func (s *Shell) afterApply(ctx app.Context, f chat.Frame) {
	switch f := f.(type) {
	case *chat.Error:
		s.notice = f.Message
		if f.ID != nil && s.model.Retryable() {
			ctx.After(time.Second, func(ctx app.Context) { s.sendAll(ctx, s.model.Unsent()) })
		}
	case *chat.Conv:
		if f.Kind == chat.KindPrivate && s.openingDM != "" && strings.EqualFold(s.openingDM, s.model.Convs[f.ID].Name) {
			s.openingDM = ""
			s.activate(ctx, f.ID)
		}
	case *chat.Welcome:
		if !f.NeedName {
			s.notice = ""
		}
	case *chat.Account:
		s.info = T(s.lang, "password.saved", s.model.Me)
	}
	s.markRead(ctx)
	s.scroll(ctx)
	s.afterApplyUX(ctx, f)
}

// sendAll writes frames, noting the messages that went out.
func (s *Shell) sendAll(ctx app.Context, frames []chat.Frame) {
	frames = s.wireFirst(ctx, frames)
	for _, f := range frames {
		if s.conn == nil {
			return
		}
		if err := s.conn.Send(f); err != nil {
			continue
		}
		if m, ok := f.(*chat.Send); ok {
			s.model.Sent(m.ID)
		}
	}
}

func (s *Shell) send(ctx app.Context, f chat.Frame) {
	s.sendAll(ctx, []chat.Frame{f})
}

// markRead tells the server the active conversation is read, when the user
// can see it.
func (s *Shell) markRead(ctx app.Context) {
	if !s.model.Seeing(s.model.Active) {
		return
	}
	if f := s.model.MarkRead(s.model.Active); f != nil {
		s.send(ctx, f)
	}
}

func (s *Shell) setVisible(visible bool) {
	s.model.Visible = visible
	s.rev++
}

// activate shows conversation id.
func (s *Shell) activate(ctx app.Context, id string) {
	if s.model.Convs[id] == nil {
		return
	}
	s.noteActive(ctx, s.model.Active, id)
	s.model.Activate(id)
	s.pane = PaneChat
	s.stick = true
	s.rev++
	s.markRead(ctx)
	s.scroll(ctx)
	s.afterActionPWA(ctx)
}

// scroll keeps the timeline at the newest entry unless the user scrolled up,
// and in place when older entries were added above.
func (s *Shell) scroll(ctx app.Context) {
	keep := s.keepScroll
	s.keepScroll = 0
	if !s.stick && keep == 0 {
		return
	}
	ctx.Defer(func(app.Context) {
		el := app.Window().GetElementByID("timeline")
		if !el.Truthy() {
			return
		}
		height := el.Get("scrollHeight").Int()
		if keep > 0 && !s.stick {
			el.Set("scrollTop", el.Get("scrollTop").Int()+height-keep)
			return
		}
		el.Set("scrollTop", height)
	})
}

// Actions the components call.

func (s *Shell) onPickName(ctx app.Context, name string) {
	if _, err := chat.CleanName(name); err != nil {
		s.notice = err.(*chat.Error).Message
		s.rev++
		return
	}
	s.notice = ""
	s.send(ctx, &chat.Nick{Name: name})
}

// onSubmit sends what the composer holds; it reports whether the text was
// taken (and the composer may clear).
func (s *Shell) onSubmit(ctx app.Context, line string) bool {
	s.rev++
	if to, text, ok := client.ParseCommand(line); ok {
		return s.compose(ctx, "", to, text)
	}
	if room, ok := strings.CutPrefix(line, "/join "); ok {
		s.onJoin(ctx, room)
		return true
	}
	if s.model.Active == "" {
		return false
	}
	return s.compose(ctx, s.model.Active, "", line)
}

func (s *Shell) compose(ctx app.Context, conv, to, text string) bool {
	if _, err := chat.CleanText(text); err != nil {
		s.notice = err.(*chat.Error).Message
		return false
	}
	if to != "" {
		if _, err := chat.CleanName(to); err != nil {
			s.notice = err.(*chat.Error).Message
			return false
		}
	}
	s.notice = ""
	s.stick = true
	s.model.Compose(conv, to, text)
	s.sendAll(ctx, s.model.Unsent()) // oldest first: never a new message before older unsent ones
	s.afterActionPWA(ctx)            // kept in the browser's outbox, also offline
	s.scroll(ctx)
	return true
}

// onJoin joins a room; it reports whether the name was taken (a refused
// one stays in the field to be corrected).
func (s *Shell) onJoin(ctx app.Context, room string) bool {
	if _, err := chat.CleanRoom(room); err != nil {
		s.notice = err.(*chat.Error).Message
		s.rev++
		return false
	}
	s.notice = ""
	s.send(ctx, &chat.Join{Room: room})
	return true
}

func (s *Shell) onLeave(ctx app.Context, id string) {
	s.send(ctx, &chat.Leave{Conv: id})
}

func (s *Shell) onOpenPrivate(ctx app.Context, name string) {
	for _, c := range s.model.Convs {
		if c.Info.Kind == chat.KindPrivate && c.Name == name {
			s.activate(ctx, c.Info.ID)
			return
		}
	}
	s.openingDM = name
	s.send(ctx, &chat.Open{With: name})
}

func (s *Shell) onOlder(ctx app.Context) {
	if f := s.model.Older(s.model.Active); f != nil {
		s.send(ctx, f)
		s.rev++
	}
}

func (s *Shell) onToggleConnection(ctx app.Context, e app.Event) {
	if s.conn == nil {
		return
	}
	if s.state == client.Offline {
		s.conn.Reconnect()
	} else {
		s.conn.Disconnect()
	}
}

func (s *Shell) onSwitchLang(ctx app.Context, e app.Event) {
	if s.lang == Chinese {
		s.lang = English
	} else {
		s.lang = Chinese
	}
	ctx.LocalStorage().Set(langKey, string(s.lang))
	setDocumentLang(s.lang)
	s.rev++
}

func (s *Shell) onDismiss(ctx app.Context, e app.Event) {
	s.notice, s.info = "", ""
	s.rev++
}

// onSignInMode switches the name form to signing in with a password.
func (s *Shell) onSignInMode(ctx app.Context, e app.Event) {
	s.signingIn, s.notice = true, ""
	s.rev++
}

func (s *Shell) onSignInCancel(ctx app.Context) {
	s.signingIn, s.notice = false, ""
	s.rev++
}

// onSignIn asks the server for a session of name; on success this browser
// reconnects as that user.
func (s *Shell) onSignIn(ctx app.Context, name, password string) {
	s.busy, s.notice = true, ""
	s.rev++
	ctx.Async(func() {
		status, reply, err := postJSON("/api/signin", map[string]string{"name": name, "password": password})
		ctx.Dispatch(func(ctx app.Context) {
			s.busy = false
			s.rev++
			switch {
			case err != nil:
				s.notice = err.Error()
			case status != 200:
				s.notice = reply.Error
			default:
				s.signingIn = false
				s.model = client.NewModel()
				s.model.Visible = pageVisible()
				if s.conn != nil {
					s.conn.Reconnect() // the new cookie makes the new user
				}
			}
		})
	})
}

// onSetPassword checks a new password and sends it; it reports whether it
// went out (so the form may clear).
func (s *Shell) onSetPassword(ctx app.Context, old, password string) bool {
	f := &chat.SetPassword{Old: old, New: password}
	if err := f.Validate(); err != nil {
		s.notice = err.(*chat.Error).Message
		s.rev++
		return false
	}
	s.notice, s.info = "", ""
	s.send(ctx, f)
	return true
}

// onSignOut ends the session and forgets everything this browser kept, for
// the next person at a shared computer.
func (s *Shell) onSignOut(ctx app.Context) {
	forget := s.offlineForget()
	ctx.Async(func() {
		status, _, err := postJSON("/api/signout", map[string]string{})
		if err == nil && status == 204 {
			forget() // the saved conversations and the outbox
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil || status != 204 {
				s.notice = T(s.lang, "account.signout.failed")
				s.rev++
				return
			}
			forgetLocalData()
			ctx.Reload()
		})
	})
}

func (s *Shell) onAccount(ctx app.Context, e app.Event) {
	s.account = !s.account
	s.rev++
	if s.account {
		s.afterRender(ctx, func() { focusFirst("account-panel") }) // keyboard users land in the panel
	}
}

func (s *Shell) onAccountClose(ctx app.Context) {
	s.account = false
	s.rev++
}

func (s *Shell) onPane(p Pane) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		s.pane = p
		s.rev++
	}
}

// onTimelineScroll follows new entries only while the view is at the
// bottom, and asks for older entries near the top.
func (s *Shell) onTimelineScroll(ctx app.Context, e app.Event) {
	el := ctx.JSSrc()
	top, height, client := el.Get("scrollTop").Int(), el.Get("scrollHeight").Int(), el.Get("clientHeight").Int()
	s.stick = top+client >= height-48
	if top < 64 {
		s.onOlder(ctx)
	}
}
