package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/client"
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

// watchUse tells session, every usePoll, when the user used the focused
// page since the last look; what fails goes to report.
func watchUse(ctx app.Context, session *client.Session, report func(error)) {
	if !app.IsClient || session == nil {
		return
	}
	var seen float64
	var look func(ctx app.Context)
	look = func(ctx app.Context) {
		ctx.PreventUpdate() // nothing on the page changes, unless an error is shown
		if at := app.Window().Get("chatUsedAt"); at.Truthy() && at.Float() > seen {
			seen = at.Float()
			if _, err := session.Used(time.UnixMilli(int64(seen))); err != nil {
				report(err)
				ctx.Update()
			}
		}
		ctx.After(usePoll, look)
	}
	ctx.After(usePoll, look)
}

// takeAt returns the message the page's URL names with ?at=<seq> (a
// notification's click opens /c/<id>?at=<seq>), or 0, and takes the query
// off the URL of conversation id.
func takeAt(id string) uint64 {
	if !app.IsClient {
		return 0
	}
	seq, err := strconv.ParseUint(app.Window().URL().Query().Get("at"), 10, 64)
	if err != nil || seq == 0 {
		return 0
	}
	app.Window().Get("history").Call("replaceState", nil, "", ConvPath(id))
	return seq
}
