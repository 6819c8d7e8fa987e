// Package ui is the chat's interface, written with go-app: one component
// per thing the user sees, under a thin root.
//
//   - Shell (shell.go, view.go) is the root: it makes the client.Session
//     (the connection, the model, the outbox and what the browser keeps),
//     hands it the connection's events on the UI goroutine, acts through its
//     methods, and lays out the top bar, the notices and the panes.
//     offline.go opens IndexedDB for the Session; routes, the offline
//     banner and updates are pwa.go.
//   - conversationList (convlist.go): the rooms and private conversations,
//     with unread counts, and the join form.
//   - conversationPane (conversation.go): the conversation in view, its
//     header, the timeline and the outbox's messages, the message actions
//     (actions.go, reactions.go), and the composer (forms.go, with mention
//     completion in mention.go).
//   - peoplePane (people.go): who is online, or the two of a private
//     conversation.
//   - signInForm and accountPanel (account.go): the account.
//   - switcherDialog (switcher.go): Ctrl/Cmd+K, jump to a conversation.
//
// A panel that follows docs/architecture.md ("How to add a panel": the
// search dialog, the switcher, the conversation pane) owns its state, reads
// the model, acts through the Session and hears events through
// eventAction; the others still render the model the Shell hands them and
// report what the user does through On handlers, which change the Shell's
// state on the UI goroutine (ctx.Dispatch brings network and storage work
// back to it).
// Routes registers the pages; both the WebAssembly main and the server
// (which prerenders them) call it.
package ui

import (
	"context"
	"errors"
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

// Shell is the root of the app: it connects when mounted in the browser and
// keeps the app's state in one place, changed only on the UI goroutine; its
// components render it.
type Shell struct {
	app.Compo

	// root is the Shell's own context, from OnMount: work started by a
	// control that may be gone when the work ends (a Cancel button) comes
	// back through it, since a context dispatches only while its source is
	// mounted.
	root    app.Context
	model   *client.Model
	session *client.Session // applies the connection's events to model; nil until mounted
	conn    *client.Conn    // the session's
	stop    context.CancelFunc
	state   client.State
	retry   time.Duration
	closed  string // why the last connection ended, when it matters
	lang    Lang
	pane    Pane
	notice  string // the latest error, shown until dismissed
	rev     uint64 // bumped on every change, so children re-render

	info      string // the latest confirmation, shown until dismissed
	signingIn bool   // the name form is in sign-in mode
	busy      bool   // a sign-in is under way
	account   bool   // the account panel is open

	stick      bool   // keep the conversation scrolled to the newest entry
	openingDM  string // a private conversation asked for, to show when it comes
	keepScroll int    // scrollHeight before older entries were added, or 0

	ux uxState // theme, switcher, mentions, notifications, announcements (ux.go)

	find searchState // message search, online and on the device (search.go)

	pwa pwaState      // conversation routes, offline banner, updates, install (pwa.go)
	ups outboxUploads // the outbox's files going up (offline_files.go)
}

// NewShell returns a Shell in English with an empty model.
func NewShell() *Shell {
	return &Shell{model: client.NewModel(), lang: English, pane: PaneChat, stick: true}
}

// OnMount starts the connection; it runs only in the browser.
func (s *Shell) OnMount(ctx app.Context) {
	s.root = ctx
	s.lang = browserLang(ctx)
	s.mountUX(ctx)
	s.mountPWA(ctx)
	// The Shell's own parts hear the events as the panels do.
	ctx.Handle(eventAction, s.onEventUX)   // ux.go
	ctx.Handle(eventAction, s.onEventJump) // search.go
	s.model.Visible = pageVisible()
	onVisibility(ctx, func(visible bool) {
		ctx.Dispatch(func(ctx app.Context) { s.setVisible(visible); s.onShownUX(ctx, visible) })
	})
	if err := s.startSession(wsURL(), func(e client.Event) {
		ctx.Dispatch(func(ctx app.Context) { s.onEvent(ctx, e) })
	}); err != nil {
		s.notice = err.Error()
		return
	}
	s.watchUse(ctx) // the active rule of push (push_shell.go)
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
		go s.session.Run(runCtx) // long-lived: a plain goroutine, not ctx.Async (P5)
	})
}

// startSession makes the Session that runs the chat for the page: the
// connection to url and the model; its events go to deliver.
func (s *Shell) startSession(url string, deliver func(client.Event)) error {
	session, err := client.NewSession(client.SessionOptions{
		Conn:      client.Options{URL: url},
		Model:     s.model,
		Deliver:   deliver,
		SaveDelay: saveDelay, // offline.go
	})
	if err != nil {
		return err
	}
	s.session, s.conn = session, session.Conn()
	return nil
}

// OnDismount stops the connection.
func (s *Shell) OnDismount() {
	if s.stop != nil {
		s.stop()
	}
}

// eventAction is how the panels hear what happened: after the Session has
// handled an event (a frame from the server, a change of the connection,
// the Local's answer), the Shell posts it as this go-app action, with the
// client.Event as its value. A panel that cares listens in its OnMount
// (ctx.Handle(eventAction, ...)); go-app calls it on the UI goroutine
// while the panel is mounted.
const eventAction = "chat.event"

// post posts action a with value v, unless ctx is none (a Shell that a
// test drives without an engine).
func post(ctx app.Context, a string, v any) {
	if ctx.Context != nil {
		ctx.NewActionWithValue(a, v)
	}
}

// onEvent applies a connection event on the UI goroutine.
func (s *Shell) onEvent(ctx app.Context, e client.Event) {
	defer post(ctx, eventAction, e) // the panels hear it once it is applied
	defer s.afterEventPWA(ctx, e)
	if e.Later != nil {
		s.handle(e) // the Session's own: a delayed save, another tab's change
		return
	}
	s.rev++
	if e.Changed {
		s.state, s.retry = e.State, e.Retry
		s.closed = closeText(e)
		if why := signedOutText(s.lang, e.Close); why != "" {
			s.notice = why // the page says why the name is gone
		}
		s.handle(e)
		return
	}
	if e.Err != nil && e.Frame == nil {
		s.notice = e.Err.Error()
		return
	}
	s.beforeApply(e.Frame)
	s.handle(e)
	s.afterApply(ctx, e.Frame)
}

// handle has the session apply e to the model and write its answers; what
// fails is shown.
func (s *Shell) handle(e client.Event) {
	err := s.session.Handle(e)
	if err == nil {
		return
	}
	s.notice = errorText(s.lang, err)
	var notSaved *client.NotSavedError
	if errors.As(err, &notSaved) {
		giveBackToComposer(notSaved.Text) // the message was not kept: its text is the person's
	}
}

// signedOutText says why this browser was signed out from elsewhere, or
// "" for any other close.
func signedOutText(l Lang, c chat.Close) string {
	if c.Code != chat.CloseSignedOut.Code {
		return ""
	}
	switch c.Reason {
	case chat.ReasonPasswordChanged:
		return T(l, "signedout.password")
	case chat.ReasonSignedOutRemote:
		return T(l, "signedout.remote")
	}
	return ""
}

func closeText(e client.Event) string {
	switch {
	case e.Close.Code == 0, e.Close.Code == chat.CloseNormal.Code, e.State == client.Online:
		return ""
	case e.Close.Code == chat.CloseRestart.Code:
		return "" // a node drained: the reconnect is routine, not an error
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return ""
}

// beforeApply remembers the scroll height when older entries are coming, so
// the view does not jump.
func (s *Shell) beforeApply(f chat.Frame) {
	beforeApplyActions(s.model, f) // actions.go
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
		if f.Ref == chat.TypeTyping || f.Ref == chat.TypeSearch && s.find.open {
			break // a typing signal dropped: nothing for the user to do; the search dialog says its own
		}
		s.notice = f.Message
		if text := moderationErrorText(s.lang, f.Code); text != "" {
			s.notice = text // moderation.go
		}
		if failedAction(s.model, f) {
			s.notice = "" // the timeline says why, in the user's language, by the action (actions.go)
		} else if f.Code == chat.CodeSignedOut {
			if why := signedOutText(s.lang, chat.CloseSignedOut.WithReason(f.Message)); why != "" {
				s.notice = why // the page says why the name is gone
			}
		}
		if f.ID != nil && s.model.Retryable() {
			ctx.After(time.Second, func(ctx app.Context) { s.flush() })
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
}

// eventFrame is the frame an eventAction carries, or nil for the other
// events (a change of the connection, the Local's answer).
func eventFrame(a app.Action) chat.Frame {
	e, _ := a.Value.(client.Event)
	if e.Later != nil || e.Changed {
		return nil
	}
	return e.Frame
}

// send has the session write f; what fails is shown.
func (s *Shell) send(ctx app.Context, f chat.Frame) {
	if s.session == nil {
		return // not mounted: nothing to write to
	}
	s.report(s.session.Write([]chat.Frame{f}))
}

// flush has the session write what waits in the outbox (after a refusal
// to retry); what fails is shown.
func (s *Shell) flush() {
	if s.session != nil {
		s.report(s.session.Flush())
	}
	s.afterOutboxChange()
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
