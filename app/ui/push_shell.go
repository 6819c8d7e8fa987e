package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The user's activity, for the server's push rule (docs/push.md): while
// this tab has the focus and its user types, clicks, scrolls or touches,
// the Session says so (client.Session.Used writes chat.Active at most
// every chat.ActiveEvery), and the server pushes nothing meanwhile.

// useEvents are the events that count as using the page.
var useEvents = []string{"keydown", "pointerdown", "input", "wheel", "scroll", "touchstart"}

// watchUse tells the Session whenever the user uses the focused page. The
// listeners hand at most one use a second to the UI goroutine; the Session
// paces the frames.
func (s *Shell) watchUse(ctx app.Context) {
	if !app.IsClient {
		return
	}
	doc := app.Window().Get("document")
	var last time.Time // on the page's event loop only
	used := app.FuncOf(func(app.Value, []app.Value) any {
		now := time.Now()
		if now.Sub(last) < time.Second || !doc.Call("hasFocus").Bool() || !pageVisible() {
			return nil
		}
		last = now
		ctx.Dispatch(func(ctx app.Context) { s.onUsed(now) })
		return nil
	})
	for _, ev := range useEvents {
		doc.Call("addEventListener", ev, used, map[string]any{"capture": true, "passive": true})
	}
}

// onUsed has the Session tell the server the user is here, when it is
// time to.
func (s *Shell) onUsed(now time.Time) {
	if s.session == nil {
		return
	}
	if _, err := s.session.Used(now); err != nil {
		s.notice = errorText(s.lang, err)
		s.rev++
	}
}

// jumpFromURL shows the message the page's URL names with ?at=<seq> (a
// notification's click opens /c/<id>?at=<seq>) in conversation id, the
// way a search hit opens, and takes the query off the URL; it reports
// whether the URL named one.
func (s *Shell) jumpFromURL(ctx app.Context, id string) bool {
	if !app.IsClient {
		return false
	}
	seq, err := strconv.ParseUint(app.Window().URL().Query().Get("at"), 10, 64)
	if err != nil || seq == 0 {
		return false
	}
	app.Window().Get("history").Call("replaceState", nil, "", ConvPath(id))
	s.jumpTo(ctx, id, seq)
	return true
}
