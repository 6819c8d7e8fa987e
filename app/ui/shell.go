// Package ui is the chat's interface, written with go-app: one component
// per thing the user sees, under a thin root.
//
//   - Shell (shell.go, view.go, ux.go) is the root: it makes the
//     client.Session (the connection, the model, the outbox and what the
//     browser keeps), hands it the connection's events on the UI
//     goroutine and posts each one to the panels (eventAction), keeps what
//     is the page's (the language, the pane, the notice, the dialog open,
//     the scroll, the route) and places the panels.
//   - topBar (topbar.go), with notifyButton (notify.go), themeButton
//     (theme.go) and installButton (pwa.go); appNotices (pwa.go) and
//     moderationNotices (moderation.go) above the panes; nameGate
//     (account.go) before a name.
//   - conversationList (convlist.go), conversationPane (conversation.go,
//     with actions.go, reactions.go, attach.go, forms.go, mention.go,
//     typing.go) and peoplePane (people.go).
//   - The dialogs: accountPanel (account.go), switcherDialog (switcher.go)
//     and searchDialog (search_dialog.go).
//
// Every panel follows docs/architecture.md ("How to add a panel"): it owns
// its state, reads the model, acts through the Session, hears events
// through eventAction, and asks the Shell only for what is the page's
// through its On callbacks. offline.go opens IndexedDB for the Session;
// offline_files.go uploads the outbox's files.
// Routes registers the pages; both the WebAssembly main and the server
// (which prerenders them) call it.
package ui

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Routes registers the pages of the app. Call it once, before serving or
// running in the browser.
func Routes() {
	app.Route("/", func() app.Composer { return NewShell() })
	app.Route(AdminPath, func() app.Composer { return NewAdminConsole() })    // the admin console (admin.go)
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

// Shell is the root of the app: it makes the Session when mounted in the
// browser, hands it the connection's events and posts them to the panels,
// keeps what is the page's (the language, the pane, the notice, the
// dialog open, the scroll), and places the panels, which own the rest.
// It changes only on the UI goroutine.
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
	info    string // the latest confirmation, shown until dismissed
	rev     uint64 // bumped on every change, so children re-render

	dialog      dialog // the dialog open, if any (ux.go)
	dialogBack  string // the id of the element to focus again when it closes
	searchWords string // what "/search words" asked the search dialog for
	threadsView bool   // the side panel lists the followed threads when no thread is open (thread_shell.go)

	jump       jump    // the message the conversation pane is to show (search.go)
	stick      bool    // keep the conversation scrolled to the newest entry
	keepScroll int     // scrollHeight before older entries were added, or 0
	opening    opening // a conversation asked for, to show when it comes (ux.go)
	prevActive string  // the conversation seen before the one in view, for the switcher
	naming     bool    // the name form is (or was just) shown: the composer takes the focus next
	welcomed   bool    // a Welcome came since the page loaded

	restoring bool           // the browser's storage is being read: the connection's events wait in held
	held      []client.Event // events that came while restoring, in order

	route route          // the conversation the URL names (pwa.go)
	ups   *outboxUploads // the outbox's files going up (offline_files.go)
}

// NewShell returns a Shell in English with an empty model.
func NewShell() *Shell {
	return &Shell{model: client.NewModel(), lang: English, pane: PaneChat, stick: true}
}

// OnMount starts the connection; it runs only in the browser.
func (s *Shell) OnMount(ctx app.Context) {
	s.root = ctx
	s.lang = browserLang(ctx)
	s.route = newRoute()
	listenKeys(ctx, s)
	followNotificationClicks(ctx, func(ctx app.Context, id string) {
		s.closeDialog(ctx, "")
		s.activate(ctx, id)
	})
	go func() { // keeps relative times fresh
		tick := time.NewTicker(30 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				ctx.Dispatch(func(app.Context) { s.rev++ })
			}
		}
	}()
	s.model.Visible = pageVisible()
	onVisibility(ctx, func(visible bool) {
		ctx.Dispatch(func(ctx app.Context) { s.setVisible(ctx, visible) })
	})
	if err := s.startSession(wsURL(), func(e client.Event) {
		ctx.Dispatch(func(ctx app.Context) { s.onEvent(ctx, e) })
	}); err != nil {
		s.notice = err.Error()
		return
	}
	s.ups = newOutboxUploads(s.session, &s.lang, ctx, s.report)
	watchUse(ctx, s.session, s.report) // the active rule of push (push_shell.go)
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
	// Restore what the browser kept while the connection is made; its
	// events wait for the storage (held), so that the first Welcome
	// resumes from what was kept.
	s.restoring = true
	openLocal(ctx, s.session, s.storeReady)
	go s.session.Run(runCtx) // long-lived: a plain goroutine, not ctx.Async (P5)
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
	if s.restoring {
		s.held = append(s.held, e) // storeReady hands them on
		return
	}
	defer post(ctx, eventAction, e) // the panels hear it once it is applied
	defer s.route.sync(s.model)
	defer s.ups.changed()
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

// afterApply follows a frame the Session applied: it says what the
// server refused, shows a conversation asked for once it comes, keeps the
// keyboard where the work is, and reads and scrolls the one in view.
func (s *Shell) afterApply(ctx app.Context, f chat.Frame) {
	switch f := f.(type) {
	case *chat.Error:
		if f.Ref == chat.TypeTyping || f.Ref == chat.TypeSearch && s.dialog == dialogSearch {
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
		if c := s.model.Convs[f.ID]; c != nil && s.opening.is(c.Info, c.Name) {
			s.opening = opening{}
			s.activate(ctx, f.ID)
		}
	case *chat.Welcome:
		if !f.NeedName {
			s.notice = ""
			s.followRoute(ctx, true)
		}
		// Keep the keyboard where the work is: in the name field while
		// one is needed, then in the composer, once (a reconnect moves
		// nothing, and a phone opens no keyboard by itself).
		target := ""
		switch {
		case f.NeedName:
			target, s.naming = "name-input", true
		case s.naming || !s.welcomed && wideScreen():
			target = "composer"
		}
		s.naming = s.naming && f.NeedName
		s.welcomed = true
		if target != "" {
			s.afterRender(ctx, func() {
				if nothingFocused() { // not a message shown (a start on ?at=), not a field

					focusID(target)
				}
			})
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
	if err := s.session.Write([]chat.Frame{f}); err != nil {
		s.report(err)
	}
}

// flush has the session write what waits in the outbox (after a refusal
// to retry); what fails is shown.
func (s *Shell) flush() {
	if s.session != nil {
		if err := s.session.Flush(); err != nil {
			s.report(err)
		}
	}
	s.ups.changed()
}

// markRead tells the server the active conversation is read, and the
// open thread if the user follows it (the server keeps only a follower's
// read position), when the user can see them.
func (s *Shell) markRead(ctx app.Context) {
	if c := s.model.Convs[s.model.Thread]; c != nil && c.Followed && s.model.Seeing(s.model.Thread) {
		if f := s.model.MarkRead(s.model.Thread); f != nil {
			s.send(ctx, f)
		}
	}
	if !s.model.Seeing(s.model.Active) {
		return
	}
	if f := s.model.MarkRead(s.model.Active); f != nil {
		s.send(ctx, f)
	}
}

// setVisible follows the page being shown or hidden: coming back, the
// conversation in view is read.
func (s *Shell) setVisible(ctx app.Context, visible bool) {
	s.model.Visible = visible
	s.rev++
	if visible {
		s.markRead(ctx)
	}
}

// activate shows conversation id.
func (s *Shell) activate(ctx app.Context, id string) {
	if s.model.Convs[id] == nil {
		return
	}
	if s.model.Active != "" && s.model.Active != id {
		s.prevActive = s.model.Active
	}
	s.model.Activate(id)
	s.pane = PaneChat
	s.stick = true
	s.rev++
	s.markRead(ctx)
	s.scroll(ctx)
	s.changed(ctx)
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

func (s *Shell) onOpenPrivate(ctx app.Context, name string) {
	for _, c := range s.model.Convs {
		if c.Info.Kind == chat.KindPrivate && c.Name == name && !chat.IsGroup(c.Info.ID) {
			s.activate(ctx, c.Info.ID)
			return
		}
	}
	s.opening = opening{kind: chat.KindPrivate, name: name}
	s.send(ctx, &chat.Open{With: name})
}

func (s *Shell) onOlder(ctx app.Context) {
	if f := s.model.Older(s.model.Active); f != nil {
		s.send(ctx, f)
		s.rev++
	}
}

// switchLang returns the language other than l, kept for the next visits
// and set on the document.
func switchLang(ctx app.Context, l Lang) Lang {
	if l == Chinese {
		l = English
	} else {
		l = Chinese
	}
	ctx.LocalStorage().Set(langKey, string(l))
	setDocumentLang(l)
	return l
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

// signedIn starts again as the user this browser signed in as: a new
// model, and a connection with the new cookie.
func (s *Shell) signedIn(ctx app.Context) {
	s.model = client.NewModel()
	s.model.Visible = pageVisible()
	if s.session != nil {
		s.session.SetModel(s.model)
	}
	if s.conn != nil {
		s.conn.Reconnect() // the new cookie makes the new user
	}
	s.rev++
}
