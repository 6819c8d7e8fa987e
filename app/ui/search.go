package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// Opening a message of a conversation (a search hit, a notification's
// ?at=): the Shell shows the conversation and hands the conversation pane
// the message as its Jump input; the pane shows it (jumpTo, the same way
// as a quote's), loading older pages until it is there. An input, not an
// action: the pane may be mounted only by the render that shows the
// conversation, and it reads its inputs once mounted.

// jump is a message to show: the conversation and the entry's sequence;
// n tells one jump from the next to the same message.
type jump struct {
	conv string
	seq  uint64
	n    int
}

// follow starts the jump the Shell handed the pane, once.
func (p *conversationPane) follow(ctx app.Context) {
	j := p.Ijump
	if j.n == 0 || j.n == p.jumped {
		return
	}
	p.jumped = j.n
	if j.conv == p.Imodel.Active {
		p.jumpTo(ctx, j.seq, "search.unavailable") // actions.go
	}
}

// showMessage scrolls the timeline's message of sequence seq into view
// and moves the focus to it.
func showMessage(seq uint64) {
	if !app.IsClient {
		return
	}
	el := app.Window().Get("document").Call("querySelector", `#timeline .entry.msg[data-seq="`+strconv.FormatUint(seq, 10)+`"]`)
	if !el.Truthy() {
		return
	}
	el.Call("scrollIntoView", map[string]any{"block": "center"})
	el.Call("setAttribute", "tabindex", "-1")
	el.Call("focus", map[string]any{"preventScroll": true})
}

// openHit shows the message of search hit h in its conversation.
func (s *Shell) openHit(ctx app.Context, h chat.Hit) {
	s.closeDialog(ctx, "composer")
	if parent, root, ok := chat.ThreadOf(h.Conv); ok && s.model.Convs[parent] != nil {
		s.openAt(ctx, parent, root) // a reply in a thread: its root, and the thread beside it
		s.openThread(ctx, parent, root)
		return
	}
	if s.model.Convs[h.Conv] == nil {
		s.notice = T(s.lang, "search.unavailable")
		return
	}
	s.openAt(ctx, h.Conv, h.Seq)
}

// openAt shows message seq of conversation conv (a search hit, a
// notification's ?at=): the conversation comes into view, and the pane
// hears which message to show.
func (s *Shell) openAt(ctx app.Context, conv string, seq uint64) {
	s.activate(ctx, conv)
	s.stick = false
	s.jump = jump{conv: conv, seq: seq, n: s.jump.n + 1}
}

// iconFindText is the search button's icon: lines of text and a
// magnifier (the switcher has the plain magnifier).
const iconFindText = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M3 5h11M3 10h6M3 15h4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><circle cx="15" cy="14" r="4.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M18.5 17.5L22 21" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`
