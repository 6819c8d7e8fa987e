package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// The app as an installed, offline-capable program: the conversation
// routes (/c/<id>), the offline banner, the "new version" notice and the
// Install button. The store of what the browser keeps is offline.go.

// convRoute matches the route of a conversation: /c/ and its id, escaped.
const convRoute = `^/c/[^/]+$`

// AppPaths lists, as regular expressions, the paths the app can start on:
// the service worker answers them with the app shell, also offline.
func AppPaths() []string { return []string{`^/$`, convRoute} }

// ConvPath returns the path of conversation id's own page.
func ConvPath(id string) string { return "/c/" + url.PathEscape(id) }

// convOfPath returns the conversation a path names, or "".
func convOfPath(path string) string {
	rest, ok := strings.CutPrefix(path, "/c/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return ""
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return ""
	}
	return id
}

// route is how the URL and the conversation in view follow each other:
// a conversation's page (/c/<id>) opens it once the model has it, and the
// URL then names the conversation in view, so that a reload, a bookmark or
// a start from the installed app opens it again. It changes on the UI
// goroutine only.
type route struct {
	want   string // the conversation the URL asked for, until shown or known absent
	routed string // the conversation the URL names now
	ready  bool   // the browser's storage was read (or cannot be): the URL may follow the view
}

// newRoute reads the conversation the page's URL names.
func newRoute() route {
	r := route{}
	if app.IsClient {
		r.want = convOfPath(app.Window().URL().Path)
		r.routed = r.want
	}
	return r
}

// next returns the conversation the URL asks for, once model has it, to
// be shown; "" when there is none to show now. welcomed says the model
// has every conversation of the user: one it lacks is not theirs.
func (r *route) next(m *client.Model, welcomed bool) string {
	id := r.want
	switch {
	case id == "":
		return ""
	case m.Convs[id] != nil:
		r.want = ""
		return id
	case welcomed:
		r.want = "" // not a conversation of this user
	}
	return ""
}

// followRoute shows the conversation the URL names, once the model has it
// (welcomed: the model has all the user's), at the message its ?at=<seq>
// names if any (a notification's click).
func (s *Shell) followRoute(ctx app.Context, welcomed bool) {
	id := s.route.next(s.model, welcomed)
	if id == "" {
		return
	}
	if seq := takeAt(id); seq != 0 {
		s.openAt(ctx, id, seq)
		return
	}
	s.activate(ctx, id)
}

// sync makes the URL name the conversation in view.
func (r *route) sync(m *client.Model) {
	id := m.Active
	if !app.IsClient || !r.ready || id == "" || id == r.routed || r.want != "" {
		return
	}
	r.routed = id
	app.Window().Get("history").Call("replaceState", nil, "", ConvPath(id))
}

// appNotices is the slot of the offline banner and the "new version"
// notice; it is always there, so that a notice appearing never shifts
// what follows. It hears the connection's events (eventAction): a dial
// that failed means the page shows what it saved; a server that runs
// another build than the page means an update, which go-app's service
// worker fetches and the notice offers once it is ready.
type appNotices struct {
	app.Compo

	Ilang  Lang
	Inamed bool // the page shows a user's saved conversations

	state       client.State
	dialFailed  bool   // the server could not be reached since the connection was last up
	version     string // this page's build (go-app's GOAPP_VERSION)
	wanted      string // a newer build the server runs, being fetched
	updateReady bool   // a new build is ready: a reload runs it
	watching    bool   // listening for the worker that brings the new build
}

func newAppNotices() *appNotices { return &appNotices{} }

func (n *appNotices) Lang(v Lang) *appNotices  { n.Ilang = v; return n }
func (n *appNotices) Named(v bool) *appNotices { n.Inamed = v; return n }

// OnMount reads the page's build and listens to the events.
func (n *appNotices) OnMount(ctx app.Context) {
	n.version = app.Getenv("GOAPP_VERSION")
	ctx.Handle(eventAction, n.onEvent)
}

// onEvent follows the connection and the server's build.
func (n *appNotices) onEvent(ctx app.Context, a app.Action) {
	e, _ := a.Value.(client.Event)
	if e.Changed {
		n.state = e.State
		switch {
		case e.State == client.Online:
			n.dialFailed = false
		case e.State == client.Reconnecting && e.Err != nil && e.Close.Code == 0:
			n.dialFailed = true // a dial failed: the server is out of reach
		}
	}
	if w, ok := eventFrame(a).(*chat.Welcome); ok {
		n.checkVersion(ctx, w.Version)
	}
}

// offline reports whether the page shows saved data because the server is
// out of reach.
func (n *appNotices) offline() bool {
	return n.state != client.Online && n.state != client.Offline && n.dialFailed
}

// checkVersion compares the server's build with the page's. On a
// mismatch it asks go-app's service worker to fetch the new build; the
// notice shows once the worker has it (OnAppUpdate, or the worker that
// controls the page turns out to be the new build), or at once when no
// worker controls the page (a reload then gets the new build directly).
// The same build after a server restart is no news.
func (n *appNotices) checkVersion(ctx app.Context, server string) {
	own := n.version
	if !app.IsClient || server == "" || own == "" || server == own || server == n.wanted {
		return
	}
	n.wanted = server
	sw := app.Window().Get("navigator").Get("serviceWorker")
	if !sw.Truthy() || !sw.Get("controller").Truthy() {
		n.updateReady = true
		return
	}
	app.TryUpdate()
	ready := func(v string) {
		ctx.Dispatch(func(ctx app.Context) {
			if v != "" && v == n.wanted {
				n.updateReady = true
			}
		})
	}
	askWorkerVersion(ready) // the worker may have the new build already
	if !n.watching {
		n.watching = true
		sw.Call("addEventListener", "controllerchange", app.FuncOf(func(app.Value, []app.Value) any {
			askWorkerVersion(ready)
			return nil
		}))
	}
}

// askWorkerVersion asks the service worker that controls the page which
// build it serves (the worker answers "chat:version" messages) and calls
// f with the answer, from a JavaScript event.
func askWorkerVersion(f func(string)) {
	controller := app.Window().Get("navigator").Get("serviceWorker").Get("controller")
	mc := app.Window().Get("MessageChannel")
	if !controller.Truthy() || !mc.Truthy() {
		return
	}
	ch := mc.New()
	var onMessage app.Func
	onMessage = app.FuncOf(func(_ app.Value, args []app.Value) any {
		defer onMessage.Release()
		v := ""
		if len(args) > 0 {
			if d := args[0].Get("data"); d.Truthy() && d.Get("version").Type() == app.TypeString {
				v = d.Get("version").String()
			}
		}
		f(v)
		return nil
	})
	ch.Get("port1").Set("onmessage", onMessage)
	controller.Call("postMessage", map[string]any{"type": "chat:version"}, []any{ch.Get("port2")})
}

// OnAppUpdate is called by go-app when a service worker activates while
// the page has one. That is news only when the worker serves another build
// than the page runs (it is not on the first visit, when the first worker
// takes over the page): then the page offers to reload into it.
func (n *appNotices) OnAppUpdate(ctx app.Context) {
	askWorkerVersion(func(v string) {
		ctx.Dispatch(func(ctx app.Context) {
			if v != "" && v != n.version {
				n.updateReady = true
			}
		})
	})
}

func (n *appNotices) onReload(ctx app.Context, e app.Event) { ctx.Reload() }

func (n *appNotices) Render() app.UI {
	return app.Div().ID("pwa-slot").Body(
		app.If(n.updateReady, func() app.UI {
			return app.Div().ID("update-notice").Class("notice-bar", "info", "update-bar").Role("status").Body(
				app.Span().Text(T(n.Ilang, "update.ready")),
				app.Button().ID("update-reload").Type("button").Text(T(n.Ilang, "update.reload")).OnClick(n.onReload),
			)
		}),
		app.If(n.offline(), func() app.UI {
			key := "offline.saved"
			if !n.Inamed {
				key = "offline.empty"
			}
			return app.Div().ID("offline-banner").Class("notice-bar", "offline-bar").Role("status").Body(
				app.Strong().Text(T(n.Ilang, "offline.title")),
				app.Span().Text(T(n.Ilang, key)),
			)
		}),
	)
}

// installButton is the Install button, shown while the browser allows
// installing the app.
type installButton struct {
	app.Compo

	Ilang Lang

	installable bool
}

func newInstallButton() *installButton { return &installButton{} }

func (b *installButton) Lang(v Lang) *installButton { b.Ilang = v; return b }

// OnMount asks the browser whether the app may be installed.
func (b *installButton) OnMount(ctx app.Context) {
	if app.IsClient {
		b.installable = ctx.IsAppInstallable()
	}
}

// OnAppInstallChange is called by go-app when the app becomes installable
// or is installed.
func (b *installButton) OnAppInstallChange(ctx app.Context) { b.installable = ctx.IsAppInstallable() }

func (b *installButton) onClick(ctx app.Context, e app.Event) { ctx.ShowAppInstallPrompt() }

func (b *installButton) Render() app.UI {
	if !b.installable {
		return app.Span().Class("install-slot")
	}
	return app.Button().ID("install").Type("button").Title(T(b.Ilang, "install.hint")).
		Text(T(b.Ilang, "install.button")).OnClick(b.onClick)
}
