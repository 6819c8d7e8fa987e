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

// pwaState is the Shell's state of this file, on the UI goroutine.
type pwaState struct {
	route      string // the conversation the URL asked for, until shown or known absent
	routed     string // the conversation the URL names now
	dialFailed bool   // the server could not be reached since the connection was last up
	ready      bool   // the browser's storage was read (or cannot be): the URL may follow the view

	version     string // this page's build (go-app's GOAPP_VERSION)
	wanted      string // a newer build the server runs, being fetched
	updateReady bool   // a new build is ready: a reload runs it
	watching    bool   // listening for the worker that brings the new build

	installable bool // the browser allows installing the app now
}

// mountPWA reads the route and the page's build; it runs in the browser.
func (s *Shell) mountPWA(ctx app.Context) {
	s.pwa.version = app.Getenv("GOAPP_VERSION")
	s.pwa.route = convOfPath(app.Window().URL().Path)
	s.pwa.routed = s.pwa.route
	s.pwa.installable = ctx.IsAppInstallable()
}

// afterEventPWA follows a connection event: it keeps the store in step,
// notices a server that runs another build, and shows the conversation the
// URL asks for once it is known.
func (s *Shell) afterEventPWA(ctx app.Context, e client.Event) {
	if e.Changed {
		switch {
		case e.State == client.Online:
			s.pwa.dialFailed = false
		case e.State == client.Reconnecting && e.Err != nil && e.Close.Code == 0:
			s.pwa.dialFailed = true // a dial failed: the server is out of reach
		}
	}
	if w, ok := e.Frame.(*chat.Welcome); ok {
		s.checkVersion(ctx, w.Version)
		if !w.NeedName {
			s.followRoute(ctx)
			if s.pwa.route != "" && s.model.Convs[s.pwa.route] == nil {
				s.pwa.route = "" // not a conversation of this user
			}
		}
	}
	s.afterOutboxChange()
	s.syncRoute()
}

// followRoute shows the conversation the URL names, once the model has it.
func (s *Shell) followRoute(ctx app.Context) {
	if id := s.pwa.route; id != "" && s.model.Convs[id] != nil {
		s.pwa.route = ""
		if s.jumpFromURL(ctx, id) { // a notification's ?at=<seq> (push_shell.go)
			return
		}
		if s.model.Active != id {
			s.activate(ctx, id)
		}
	}
}

// syncRoute makes the URL name the conversation in view, so that a reload,
// a bookmark or a start from the installed app opens it again.
func (s *Shell) syncRoute() {
	id := s.model.Active
	if !app.IsClient || !s.pwa.ready || id == "" || id == s.pwa.routed || s.pwa.route != "" {
		return
	}
	s.pwa.routed = id
	app.Window().Get("history").Call("replaceState", nil, "", ConvPath(id))
}

// afterActionPWA follows a user action that may have changed the outbox or
// the conversation in view.
func (s *Shell) afterActionPWA(ctx app.Context) {
	if s.session != nil {
		s.session.Changed() // kept in the browser: the outbox, the conversation in view
	}
	s.afterOutboxChange()
	s.syncRoute()
}

// checkVersion compares the server's build with the page's. On a
// mismatch it asks go-app's service worker to fetch the new build; the
// notice shows once the worker has it (OnAppUpdate, or the worker that
// controls the page turns out to be the new build), or at once when no
// worker controls the page (a reload then gets the new build directly).
// The same build after a server restart is no news.
func (s *Shell) checkVersion(ctx app.Context, server string) {
	own := s.pwa.version
	if !app.IsClient || server == "" || own == "" || server == own || server == s.pwa.wanted {
		return
	}
	s.pwa.wanted = server
	sw := app.Window().Get("navigator").Get("serviceWorker")
	if !sw.Truthy() || !sw.Get("controller").Truthy() {
		s.updateReady()
		return
	}
	app.TryUpdate()
	ready := func(v string) {
		ctx.Dispatch(func(ctx app.Context) {
			if v != "" && v == s.pwa.wanted {
				s.updateReady()
			}
		})
	}
	askWorkerVersion(ready) // the worker may have the new build already
	if !s.pwa.watching {
		s.pwa.watching = true
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
func (s *Shell) OnAppUpdate(ctx app.Context) {
	askWorkerVersion(func(v string) {
		ctx.Dispatch(func(ctx app.Context) {
			if v != "" && v != s.pwa.version {
				s.updateReady()
			}
		})
	})
}

// updateReady shows the "new version" notice.
func (s *Shell) updateReady() {
	if !s.pwa.updateReady {
		s.pwa.updateReady = true
		s.rev++
	}
}

// OnAppInstallChange is called by go-app when the app becomes installable
// or is installed.
func (s *Shell) OnAppInstallChange(ctx app.Context) {
	s.pwa.installable = ctx.IsAppInstallable()
	s.rev++
}

func (s *Shell) onInstall(ctx app.Context, e app.Event) {
	ctx.ShowAppInstallPrompt()
}

func (s *Shell) onReloadForUpdate(ctx app.Context, e app.Event) {
	ctx.Reload()
}

// offline reports whether the page shows saved data because the server is
// out of reach.
func (s *Shell) offline() bool {
	return s.state != client.Online && s.state != client.Offline && s.pwa.dialFailed
}

// renderPWA is the slot of the offline banner and the update notice. It is
// always there, so that a notice appearing never shifts what follows.
func (s *Shell) renderPWA() app.UI {
	return app.Div().ID("pwa-slot").Body(
		app.If(s.pwa.updateReady, func() app.UI {
			return app.Div().ID("update-notice").Class("notice-bar", "info", "update-bar").Role("status").Body(
				app.Span().Text(T(s.lang, "update.ready")),
				app.Button().ID("update-reload").Type("button").Text(T(s.lang, "update.reload")).OnClick(s.onReloadForUpdate),
			)
		}),
		app.If(s.offline(), func() app.UI {
			key := "offline.saved"
			if s.model.Me == "" {
				key = "offline.empty"
			}
			return app.Div().ID("offline-banner").Class("notice-bar", "offline-bar").Role("status").Body(
				app.Strong().Text(T(s.lang, "offline.title")),
				app.Span().Text(T(s.lang, key)),
			)
		}),
	)
}

// renderInstall is the Install button, when the browser allows installing.
func (s *Shell) renderInstall() app.UI {
	return app.If(s.pwa.installable, func() app.UI {
		return app.Button().ID("install").Type("button").Title(T(s.lang, "install.hint")).
			Text(T(s.lang, "install.button")).OnClick(s.onInstall)
	})
}
