package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The user's activity, for the server's push rule (docs/push.md): while
// this tab has the focus and its user types, clicks, scrolls or touches,
// the Session says so (client.Session.Used writes chat.Active at most
// every chat.ActiveEvery), and the server pushes nothing meanwhile. The
// page's listeners are plain JavaScript (build/web/use.js: a call into
// the program on every key slowed typing enough to lose characters); they
// note the time of the last use, which the Shell reads every usePoll.

// usePoll is how often the Shell looks at the time of the last use.
const usePoll = 5 * time.Second

// watchUse tells the Session, every usePoll, when the user used the
// focused page since the last look.
func (s *Shell) watchUse(ctx app.Context) {
	if !app.IsClient {
		return
	}
	var seen float64
	var look func(ctx app.Context)
	look = func(ctx app.Context) {
		ctx.PreventUpdate() // nothing on the page changes, unless an error is shown
		if at := app.Window().Get("chatUsedAt"); at.Truthy() && at.Float() > seen {
			seen = at.Float()
			if s.onUsed(time.UnixMilli(int64(seen))) {
				ctx.Update()
			}
		}
		ctx.After(usePoll, look)
	}
	ctx.After(usePoll, look)
}

// onUsed has the Session tell the server the user is here, when it is
// time to; it reports whether the page changed (an error to show).
func (s *Shell) onUsed(at time.Time) bool {
	if s.session == nil {
		return false
	}
	if _, err := s.session.Used(at); err != nil {
		s.notice = errorText(s.lang, err)
		s.rev++
		return true
	}
	return false
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
