package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// searchState is what the Shell knows of the message search (the
// header's Search button, Ctrl/Cmd+F, or "/search words" in the composer):
// whether its dialog (searchDialog, which owns the rest) is open, and the
// hit being opened. Opening a hit jumps to the message in its
// conversation, loading older pages until it is there.
type searchState struct {
	open  bool
	words string // what "/search words" asked for, for the dialog to search at once
	back  string // the id of the element to focus again when it closes

	jump *searchJump // a hit being opened
}

// searchJump is a hit being opened: the message to show once its
// conversation's window holds it.
type searchJump struct {
	conv string
	seq  uint64
}

// openSearch shows the search dialog with the focus in its field, with
// words already typed if any.
func (s *Shell) openSearch(ctx app.Context, words string) {
	if s.model.Me == "" {
		return
	}
	if !s.find.open {
		s.closeSwitcher(ctx, "")
		s.account = false
		s.find.open, s.find.back = true, activeElementID()
		s.find.words = strings.TrimSpace(words)
	}
	s.rev++
	s.afterRender(ctx, func() { focusID("search-input") })
}

// closeSearch hides the dialog and gives the focus back (to focus, or
// where it was, or the composer).
func (s *Shell) closeSearch(ctx app.Context, focus string) {
	if !s.find.open {
		return
	}
	if focus == "" {
		focus = s.find.back
	}
	if focus == "" {
		focus = "composer"
	}
	s.find.open = false
	s.rev++
	s.afterRender(ctx, func() { focusID(focus) })
}

// onEventJump goes on opening a hit as its conversation's pages come
// (eventAction).
func (s *Shell) onEventJump(ctx app.Context, a app.Action) {
	conv := ""
	switch f := eventFrame(a).(type) {
	case *chat.Page:
		conv = f.Conv
	case *chat.Entry: // a message newer than the window, arriving
		conv = f.Conv
	}
	if j := s.find.jump; j != nil && conv != "" && conv == j.conv {
		s.continueJump(ctx)
	}
}

// openHit shows the message of hit h in its conversation.
func (s *Shell) openHit(ctx app.Context, h chat.Hit) {
	s.closeSearch(ctx, "composer")
	if s.model.Convs[h.Conv] == nil {
		s.notice = T(s.lang, "search.unavailable")
		return
	}
	s.jumpTo(ctx, h.Conv, h.Seq)
}

// jumpTo shows message seq of conversation conv (a hit, a notification's
// ?at=), loading older pages until it is there.
func (s *Shell) jumpTo(ctx app.Context, conv string, seq uint64) {
	s.activate(ctx, conv)
	s.stick = false
	s.find.jump = &searchJump{conv: conv, seq: seq}
	s.continueJump(ctx)
}

// continueJump scrolls to the message being opened when its
// conversation's window holds it, else asks for older entries, until the
// conversation's start.
func (s *Shell) continueJump(ctx app.Context) {
	j := s.find.jump
	c := s.model.Convs[j.conv]
	switch {
	case c == nil:
		s.find.jump = nil
	case c.Holds(j.seq):
		s.find.jump = nil
		seq := strconv.FormatUint(j.seq, 10)
		s.afterRender(ctx, func() { showEntry(seq) })
	case !c.Ready || c.LoadingOlder():
		// its pages are on their way
	case len(c.Entries) > 0 && j.seq > c.Entries[len(c.Entries)-1].Seq:
		// newer than the window: on its way (a notification's message)
	case c.Start || len(c.Entries) > 0 && c.Entries[0].Seq < j.seq:
		s.find.jump = nil
		s.notice = T(s.lang, "search.unavailable")
	default:
		if f := s.model.Older(j.conv); f != nil {
			s.send(ctx, f)
		} else {
			s.find.jump = nil
			s.notice = T(s.lang, "search.unavailable")
		}
	}
	s.rev++
}

// showEntry scrolls the timeline's entry of sequence seq into view, marks
// it for a moment and moves the focus to it.
func showEntry(seq string) {
	if !app.IsClient {
		return
	}
	el := app.Window().Get("document").Call("querySelector", `#timeline [data-seq="`+seq+`"]`)
	if !el.Truthy() {
		return
	}
	el.Call("scrollIntoView", map[string]any{"block": "center"})
	el.Get("classList").Call("add", "found")
	el.Call("setAttribute", "tabindex", "-1")
	el.Call("focus", map[string]any{"preventScroll": true})
}

// Event handlers of the dialog.

func (s *Shell) onSearchButton(ctx app.Context, e app.Event) { s.openSearch(ctx, "") }

// iconFindText is the search button's icon: lines of text and a
// magnifier (the switcher has the plain magnifier).
const iconFindText = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M3 5h11M3 10h6M3 15h4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><circle cx="15" cy="14" r="4.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M18.5 17.5L22 21" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`

// renderSearchButton is the header's button that opens the search.
func (s *Shell) renderSearchButton() app.UI {
	return app.Button().ID("search-btn").Type("button").Class("switcher-btn", "search-btn").
		Aria("keyshortcuts", "Control+F Meta+F").Aria("haspopup", "dialog").OnClick(s.onSearchButton).Body(
		app.Raw(iconFindText),
		app.Span().Class("switcher-btn-label").Text(T(s.lang, "search.button")),
		app.Kbd().Aria("hidden", "true").Text("Ctrl+F"),
	)
}

// renderSearch is the Shell's search dialog.
func (s *Shell) renderSearch() app.UI {
	return newSearchDialog(s.find.words).Lang(s.lang).Model(s.model).Session(s.session).
		Online(s.state == client.Online).OnClose(s.closeSearch).OnOpenHit(s.openHit)
}
