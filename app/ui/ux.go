package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// uxState is the state of what makes the chat pleasant to use: the theme,
// the conversation switcher, notifications and announcements. The Shell
// owns it, on the UI goroutine.
type uxState struct {
	theme       Theme
	notify      notifyState
	switcher    switcherState
	prevActive  string            // the conversation seen before the one in view
	openingRoom string            // a room joined from the switcher, to show when it comes
	seen        map[string]uint64 // per conversation, the last entry announced or notified
	title       string            // the document title last set

	naming   bool // the name form is (or was just) shown
	welcomed bool // a Welcome came since the page loaded

	ctx     app.Context // the Shell's own, from OnMount: it outlives any element
	mounted bool
}

// mountUX starts, in the browser, what these features need: the saved
// theme, the keyboard shortcuts, the notification permission (read, never
// asked here), and a clock that keeps relative times fresh.
func (s *Shell) mountUX(ctx app.Context) {
	s.ux.ctx, s.ux.mounted = ctx, true
	s.ux.theme = savedTheme()
	applyTheme(s.ux.theme)
	s.ux.notify = loadNotify()
	listenKeys(ctx, s)
	s.openFromNotification(ctx)
	go func() {
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
}

// openFromNotification makes a click on a notification show its
// conversation in this page. go-app's service worker focuses the page and
// hands the notification's path (ConvPath) to window.goappNav, which would
// load the page's component anew; conversation paths are taken here
// instead, without leaving the page. Other paths go on to go-app.
func (s *Shell) openFromNotification(ctx app.Context) {
	w := app.Window()
	next := w.Get("goappNav")
	if !next.Truthy() {
		return
	}
	w.Set("goappNav", app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) == 0 {
			return nil
		}
		path := args[0].String()
		id := convOfPath(path)
		if id == "" {
			return next.Invoke(path)
		}
		ctx.Dispatch(func(ctx app.Context) {
			s.closeSwitcher(ctx, "")
			s.account = false
			if s.model.Convs[id] != nil {
				s.activate(ctx, id)
			}
		})
		return nil
	}))
}

// onEventUX reacts to a frame the model has taken (eventAction): it
// announces and notifies live messages, shows a conversation that was
// asked for once it arrives, and keeps the focus and the page title
// useful.
func (s *Shell) onEventUX(ctx app.Context, a app.Action) {
	f := eventFrame(a)
	if f == nil {
		return
	}
	switch f := f.(type) {
	case *chat.Entry:
		s.onLiveEntry(f)
	case *chat.Conv:
		if f.Kind == chat.KindRoom && s.ux.openingRoom != "" && strings.EqualFold(s.ux.openingRoom, s.model.Convs[f.ID].Name) {
			s.ux.openingRoom = ""
			s.activate(ctx, f.ID)
		}
	case *chat.Welcome:
		// Keep the keyboard where the work is: in the name field while
		// one is needed, then in the composer, once (a reconnect moves
		// nothing, and a phone opens no keyboard by itself).
		target := ""
		switch {
		case f.NeedName:
			target, s.ux.naming = "name-input", true
		case s.ux.naming || !s.ux.welcomed && wideScreen():
			target = "composer"
		}
		s.ux.naming = s.ux.naming && f.NeedName
		s.ux.welcomed = true
		if target != "" {
			s.afterRender(ctx, func() {
				if activeElementID() == "" {
					focusID(target)
				}
			})
		}
	}
	s.updateTitle()
}

// onLiveEntry announces a new message to screen readers and raises a
// notification for it when it deserves one; each entry at most once.
func (s *Shell) onLiveEntry(e *chat.Entry) {
	if s.ux.seen == nil {
		s.ux.seen = make(map[string]uint64)
	}
	if e.Seq <= s.ux.seen[e.Conv] {
		return
	}
	s.ux.seen[e.Conv] = e.Seq
	if s.model.HiddenFromMuted(*e) {
		return // muted: neither announced nor notified (moderation.go)
	}
	if text, ok := s.announcementFor(e); ok {
		announce(text)
	}
	if n, ok := s.notificationFor(e); ok {
		showNotification(n)
	}
}

// afterRender runs f once the page shows the current state. It uses the
// Shell's own context: go-app drops what is deferred with the context of
// an element that the update removes (the switcher's field, say).
func (s *Shell) afterRender(ctx app.Context, f func()) {
	if s.ux.mounted {
		ctx = s.ux.ctx
	}
	ctx.Defer(func(app.Context) { f() })
}

// wideScreen reports whether the page has the three-pane layout.
func wideScreen() bool {
	if !app.IsClient {
		return false
	}
	return app.Window().Call("matchMedia", "(min-width: 761px)").Get("matches").Bool()
}

// onShownUX follows the page being shown or hidden: coming back, the
// conversation in view is read, and the title says so.
func (s *Shell) onShownUX(ctx app.Context, visible bool) {
	if visible {
		s.markRead(ctx)
	}
	s.updateTitle()
}

// noteActive remembers the conversation being left, for the switcher, and
// updates the title once the one coming is read.
func (s *Shell) noteActive(ctx app.Context, leaving, coming string) {
	if leaving != "" && leaving != coming {
		s.ux.prevActive = leaving
	}
	s.afterRender(ctx, s.updateTitle)
}

// updateTitle puts the number of unread messages in the page title, so
// that a background tab shows it.
func (s *Shell) updateTitle() {
	n := 0
	for _, c := range s.model.Convs {
		n += c.Unread
	}
	title := T(s.lang, "app.title")
	if n > 0 {
		title = "(" + strconv.Itoa(n) + ") " + title
	}
	if title == s.ux.title || !app.IsClient {
		return
	}
	s.ux.title = title
	app.Window().Get("document").Set("title", title)
}

// onEscape closes what is open, the innermost first: the switcher, the
// account panel, a notice, then (on a narrow screen) another pane.
func (s *Shell) onEscape(ctx app.Context) {
	switch {
	case s.ux.switcher.open:
		s.closeSwitcher(ctx, "")
	case s.find.open:
		s.closeSearch(ctx, "")
	case s.account:
		s.account = false
		s.rev++
		s.afterRender(ctx, func() { focusID("account-btn") })
	case s.notice != "" || s.info != "":
		s.notice, s.info = "", ""
		s.rev++
	case s.pane != PaneChat:
		s.pane = PaneChat
		s.rev++
	}
}

// stepConversation shows the next (+1) or previous (-1) conversation of
// the list.
func (s *Shell) stepConversation(ctx app.Context, step int) {
	list := s.model.Sorted()
	if len(list) == 0 {
		return
	}
	i := 0
	for j, c := range list {
		if c.Info.ID == s.model.Active {
			i = j
		}
	}
	s.activate(ctx, list[(i+step+len(list))%len(list)].Info.ID)
}

// onSkip moves the focus to the composer (the skip link).
func (s *Shell) onSkip(ctx app.Context, e app.Event) {
	s.pane = PaneChat
	s.rev++
	s.afterRender(ctx, func() { focusID("composer") })
}

// listenKeys handles the shortcuts that work anywhere in the page:
// Ctrl/Cmd+K opens the switcher, Escape closes panels, Alt+↑/↓ goes
// through the conversations.
func listenKeys(ctx app.Context, s *Shell) {
	app.Window().Call("addEventListener", "keydown", app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) == 0 {
			return nil
		}
		e := args[0]
		key := e.Get("key").String()
		ctrl, meta, alt := e.Get("ctrlKey").Bool(), e.Get("metaKey").Bool(), e.Get("altKey").Bool()
		switch {
		case (ctrl || meta) && !alt && (key == "k" || key == "K"):
			e.Call("preventDefault")
			ctx.Dispatch(func(ctx app.Context) {
				if s.ux.switcher.open {
					s.closeSwitcher(ctx, "")
				} else {
					s.openSwitcher(ctx)
				}
			})
		case (ctrl || meta) && !alt && (key == "f" || key == "F"):
			e.Call("preventDefault") // the app's search, not the page's: the timeline holds only some messages
			ctx.Dispatch(func(ctx app.Context) {
				if s.find.open {
					focusID("search-input")
				} else {
					s.openSearch(ctx, "")
				}
			})
		case key == "Escape" && !e.Get("defaultPrevented").Bool():
			ctx.Dispatch(func(ctx app.Context) { s.onEscape(ctx) })
		case alt && !ctrl && !meta && (key == "ArrowUp" || key == "ArrowDown"):
			e.Call("preventDefault")
			step := 1
			if key == "ArrowUp" {
				step = -1
			}
			ctx.Dispatch(func(ctx app.Context) { s.stepConversation(ctx, step) })
		}
		return nil
	}))
}
