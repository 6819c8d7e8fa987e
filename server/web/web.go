// Package web is the browser's side of the chat's HTTP: the go-app handler
// that prerenders the client's pages (web.go), the progressive web app
// around it (pwa.go: the wasm under a URL per build, precompressed; the
// loader; the service worker, app-worker.js, embedded as a template) and
// the security headers every answer carries (SetSecurityHeaders). Package
// server mounts New at "/" and calls SetSecurityHeaders for every request.
package web

import (
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/ui"
	"github.com/founding/chat/build"
)

var registerRoutes sync.Once

// New returns the handler of everything but /ws and /api/: go-app's
// handler with the routes of package ui, serving the embedded assets under
// /web/ and only local resources, so the service worker can cache the whole
// app. version names the build. A GET of a page calls token, which gives
// the browser a session cookie when it has none (its result is not used).
func New(version string, token func(http.ResponseWriter, *http.Request) string) http.Handler {
	registerRoutes.Do(ui.Routes)
	wasm := newWasmAsset(version) // nil when the client is not built (pwa.go)
	resources := embeddedResources{Handler: assetHandler()}
	var preload []string
	if wasm != nil {
		resources.wasm = wasm.Path()
		preload = append(preload, wasmPreload(wasm.Path()))
	}
	// The chosen theme, before the first paint; when the page was last used
	// (app/ui/push_shell.go).
	scripts := []string{"/web/theme.js", "/web/use.js"}
	h := &app.Handler{
		Name:            "Chat",
		ShortName:       "Chat",
		Title:           "Chat",
		Description:     "Real-time chat: rooms, private messages, presence.",
		Lang:            "en",
		BackgroundColor: "#f4f5f7",
		ThemeColor:      "#2f6feb",
		LoadingLabel:    "Loading…", // no percentage: the wasm is not counted (pwa.go)
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-maskable.png",
			SVG:      "/web/icon.svg",
		},
		Styles:                  []string{"/web/chat.css", "/web/pwa.css", "/web/moderation.css", "/web/files.css", "/web/push.css", "/web/admin.css", "/web/groups.css", "/web/threads.css"},
		Scripts:                 scripts,
		RawHeaders:              preload,
		CacheableResources:      []string{"/web/icon.svg"},
		Resources:               resources,
		Version:                 version,
		WasmContentLengthHeader: "X-Wasm-Content-Length",
		ServiceWorkerTemplate:   serviceWorkerJS(),
	}
	loader := sync.OnceValue(func() []byte { return loaderJS(h) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case wasm != nil && (isWasmPath(p) || p == "/web/app.wasm" || p == "/app.wasm" || p == "/goapp.wasm"):
			wasm.ServeHTTP(w, r)
			return
		case p == "/app.js" || p == "/goapp.js":
			serveLoader(w, r, loader(), version)
			return
		}
		if r.Method == http.MethodGet && isPage(r.URL.Path) {
			token(w, r)
		}
		h.ServeHTTP(w, r)
	})
}

// isPage reports whether path is a page rather than a resource.
func isPage(path string) bool {
	return strings.HasPrefix(path, "/c/") ||
		!strings.HasPrefix(path, "/web/") && !strings.Contains(path[strings.LastIndex(path, "/")+1:], ".")
}

// embeddedResources serves /web/ from build.FS; it resolves paths the way
// app.LocalDir("") does, but for the wasm, named by build (pwa.go).
type embeddedResources struct {
	http.Handler
	wasm string // the wasm's path for this build, or "" to keep /web/app.wasm
}

// Resolve returns the URL of a resource: /web/ paths stay as they are, but
// for the wasm.
func (e embeddedResources) Resolve(location string) string {
	if e.wasm != "" && (location == "/web/app.wasm" || location == "web/app.wasm") {
		return e.wasm
	}
	return app.LocalDir("").Resolve(location)
}

// assetHandler serves the files of build.FS, never a directory listing.
func assetHandler() http.Handler {
	files := http.FileServerFS(build.FS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if st, err := fs.Stat(build.FS, name); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		if name == "web/app.wasm" {
			if st, err := fs.Stat(build.FS, name); err == nil {
				w.Header().Set("X-Wasm-Content-Length", strconv.FormatInt(st.Size(), 10))
			}
		}
		files.ServeHTTP(w, r)
	})
}

// SetSecurityHeaders forbids what the page never needs: scripts from
// elsewhere, inline scripts, framing, sniffing. Images may be blob: URLs,
// which only the page itself makes (the preview of a file waiting to be
// uploaded, app/ui/offline_files.go).
func SetSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
		"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "+
		"object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}
