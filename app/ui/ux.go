package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// The Shell's dialogs and keyboard: one dialog at a time (the switcher,
// the search, the account panel), opened by the top bar's buttons and the
// shortcuts, each giving the focus back where it was when it closes;
// Escape closes the innermost thing open; Alt+↑/↓ goes through the
// conversations. The dialogs themselves are components of their own
// (switcher.go, search_dialog.go, account.go).

// dialog is which dialog the Shell shows.
type dialog int

// Dialogs.
const (
	noDialog dialog = iota
	dialogSwitcher
	dialogSearch
	dialogAccount
)

// focusOf is the element that takes the focus when dialog d opens.
func (d dialog) focusOf() string {
	switch d {
	case dialogSwitcher:
		return "switcher-input"
	case dialogSearch:
		return "search-input"
	}
	return ""
}

// openDialog shows dialog d with the focus in it (the search with words
// already searched, when "/search words" opened it); asked again, it
// only moves the focus there. The account panel's button closes it again.
func (s *Shell) openDialog(ctx app.Context, d dialog, words string) {
	if s.model.Me == "" {
		return
	}
	switch {
	case s.dialog == d && d == dialogAccount:
		s.closeDialog(ctx, "account-btn")
		return
	case s.dialog == noDialog:
		s.dialogBack = activeElementID()
	}
	if s.dialog != d {
		s.dialog, s.searchWords = d, strings.TrimSpace(words)
		s.rev++
	}
	s.afterRender(ctx, func() {
		if id := d.focusOf(); id != "" {
			focusID(id)
		} else {
			focusFirst("account-panel") // keyboard users land in the panel
		}
	})
}

// closeDialog hides the dialog open and gives the focus to focus, or back
// where it was, or to the composer.
func (s *Shell) closeDialog(ctx app.Context, focus string) {
	if s.dialog == noDialog {
		return
	}
	if focus == "" {
		focus = s.dialogBack
	}
	if focus == "" {
		focus = "composer"
	}
	s.dialog, s.dialogBack, s.searchWords = noDialog, "", ""
	s.rev++
	s.afterRender(ctx, func() { focusID(focus) })
}

// afterRender runs f once the page shows the current state. It uses the
// Shell's own context: go-app drops what is deferred with the context of
// an element that the update removes (the switcher's field, say).
func (s *Shell) afterRender(ctx app.Context, f func()) {
	if s.root.Context != nil {
		ctx = s.root
	}
	if ctx.Context != nil {
		ctx.Defer(func(app.Context) { f() })
	}
}

// wideScreen reports whether the page has the three-pane layout.
func wideScreen() bool {
	if !app.IsClient {
		return false
	}
	return app.Window().Call("matchMedia", "(min-width: 761px)").Get("matches").Bool()
}

// onEscape closes what is open, the innermost first: a dialog, a notice,
// then (on a narrow screen) another pane.
func (s *Shell) onEscape(ctx app.Context) {
	switch {
	case s.dialog != noDialog:
		s.closeDialog(ctx, "")
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

// opening is a conversation asked for (a private one opened, a room
// joined from the switcher), to show once the server sends it.
type opening struct {
	kind chat.ConvKind
	name string
}

// is reports whether conversation info is the one asked for.
func (o opening) is(info chat.ConvInfo, name string) bool {
	return o.name != "" && info.Kind == o.kind && strings.EqualFold(o.name, name)
}

// listenKeys handles the shortcuts that work anywhere in the page:
// Ctrl/Cmd+K opens the switcher, Ctrl/Cmd+F the search, Escape closes
// what is open, Alt+↑/↓ goes through the conversations.
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
				if s.dialog == dialogSwitcher {
					s.closeDialog(ctx, "")
				} else {
					s.openDialog(ctx, dialogSwitcher, "")
				}
			})
		case (ctrl || meta) && !alt && (key == "f" || key == "F"):
			e.Call("preventDefault") // the app's search, not the page's: the timeline holds only some messages
			ctx.Dispatch(func(ctx app.Context) { s.openDialog(ctx, dialogSearch, "") })
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

// followNotificationClicks makes a click on a notification show its
// conversation in this page, through open. go-app's service worker
// focuses the page and hands the notification's path (ConvPath) to
// window.goappNav, which would load the page's component anew;
// conversation paths are taken here instead, without leaving the page.
// Other paths go on to go-app.
func followNotificationClicks(ctx app.Context, open func(ctx app.Context, id string)) {
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
		ctx.Dispatch(func(ctx app.Context) { open(ctx, id) })
		return nil
	}))
}
