package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/founding/chat/app/ui"
	"github.com/founding/chat/build"
)

// What makes the client a progressive web app, beyond go-app's defaults:
//
//   - The wasm has a URL of its own per build, /web/app-<version>.wasm:
//     the service worker caches it under that URL, an HTTP cache may keep
//     it forever, and a page of one build can never be given the wasm of
//     another (a stale or mismatched client after an update). Another
//     build's URL is 404. /web/app.wasm stays, uncached, for old pages.
//   - It is sent precompressed, brotli or gzip by the request's
//     Accept-Encoding (`make wasm` writes the copies), with
//     X-Wasm-Content-Length giving go-app's loader the real size.
//   - The service worker (serviceWorkerJS) is go-app's, with three changes:
//     its cache is complete before it takes over (or it does not), every
//     navigation to a route of the app is answered with the cached app
//     shell, so that any page a person can start on loads offline, and it
//     tells the page which build it serves.

// wasmCacheControl lets any cache keep a build's wasm: its URL names it.
const wasmCacheControl = "public, max-age=31536000, immutable"

// wasmAsset serves the client's wasm of one build.
type wasmAsset struct {
	version string
	size    int64             // bytes of the wasm itself
	encoded map[string]string // Content-Encoding -> file in build.FS
	order   []string          // encodings by preference
}

// newWasmAsset finds the wasm and its compressed copies in build.FS; it
// returns nil when the client is not built.
func newWasmAsset(version string) *wasmAsset {
	st, err := fs.Stat(build.FS, "web/app.wasm")
	if err != nil {
		return nil
	}
	a := &wasmAsset{version: version, size: st.Size(), encoded: make(map[string]string)}
	for _, e := range []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		name := "web/app.wasm" + e.ext
		if _, err := fs.Stat(build.FS, name); err == nil {
			a.encoded[e.coding] = name
			a.order = append(a.order, e.coding)
		}
	}
	return a
}

// Path is the wasm's URL for this build.
func (a *wasmAsset) Path() string { return "/web/app-" + a.version + ".wasm" }

// isWasmPath reports whether path names the wasm of some build.
func isWasmPath(path string) bool {
	return strings.HasPrefix(path, "/web/app-") && strings.HasSuffix(path, ".wasm")
}

// ServeHTTP sends the wasm in the best encoding the request accepts.
func (a *wasmAsset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	versioned := r.URL.Path == a.Path()
	if isWasmPath(r.URL.Path) && !versioned {
		http.Error(w, "this build of the client is gone: reload the page", http.StatusNotFound)
		return
	}
	coding, name := "", "web/app.wasm"
	accepted := acceptedEncodings(r.Header.Get("Accept-Encoding"))
	for _, c := range a.order {
		if accepted[c] {
			coding, name = c, a.encoded[c]
			break
		}
	}
	f, err := build.FS.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	})
	if !ok {
		http.Error(w, "wasm unreadable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Wasm-Content-Length", strconv.FormatInt(a.size, 10))
	etag := a.version
	if coding != "" {
		h.Set("Content-Encoding", coding)
		etag += "-" + coding
		// ServeContent leaves out Content-Length for an encoded body and
		// would serve a range of it; the body is whole, and its length known.
		r.Header.Del("Range")
		if st, err := f.Stat(); err == nil {
			h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		}
	}
	h.Set("ETag", `"`+etag+`"`)
	if versioned {
		h.Set("Cache-Control", wasmCacheControl)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, rs)
}

// acceptedEncodings parses an Accept-Encoding header into the codings it
// accepts (q > 0); "*" accepts any coding not named.
func acceptedEncodings(header string) map[string]bool {
	out := make(map[string]bool)
	star, named := false, make(map[string]bool)
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if coding == "*" {
			star = q > 0
			continue
		}
		named[coding] = true
		out[coding] = q > 0
	}
	if star {
		for _, c := range []string{"br", "gzip"} {
			if !named[c] {
				out[c] = true
			}
		}
	}
	return out
}

// wasmPreload starts fetching the wasm while the page is parsed, before
// go-app's loader asks for it (crossorigin makes the request match the
// loader's fetch).
func wasmPreload(path string) string {
	return `<link rel="preload" href="` + path + `" as="fetch" type="application/wasm" crossorigin="anonymous">`
}

// loaderJS returns go-app's app.js (the loader) with one change: the wasm
// is fetched and compiled as it comes, without go-app's progress counting,
// which rebuilds the response as a stream in JavaScript. On a first visit
// over loopback that cost 0.1-0.2 s of a busy main thread (the loading
// label says "Loading…" instead of a percentage); on later visits it kept
// the browser from reusing the machine code it compiled the last time.
func loaderJS(h http.Handler) []byte {
	var w bufferWriter
	r, _ := http.NewRequest(http.MethodGet, "/app.js", nil)
	h.ServeHTTP(&w, r)
	js := w.body.Bytes()
	const call = `fetchWithProgress("`
	if !bytes.Contains(js, []byte(call)) {
		return js // another go-app: serve its loader as it is
	}
	js = bytes.Replace(js, []byte(call), []byte(`goappFetchWasm("`), 1)
	return append(js, loaderFetch...)
}

const loaderFetch = `
// goappFetchWasm fetches the wasm, to be compiled as it comes (the chat's
// server/web/pwa.go adds this to go-app's loader, in place of
// fetchWithProgress).
function goappFetchWasm(url) {
  return fetch(url);
}
`

// bufferWriter is an http.ResponseWriter that keeps the body.
type bufferWriter struct {
	header http.Header
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

func (w *bufferWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *bufferWriter) WriteHeader(int)             {}

// serveLoader serves the loader; like go-app's handler, it names the build
// in its ETag and has it revalidated.
func serveLoader(w http.ResponseWriter, r *http.Request, js []byte, version string) {
	etag := `"` + version + `"`
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/javascript")
	w.Header().Set("Content-Length", strconv.Itoa(len(js)))
	w.Write(js)
}

// serviceWorkerJS returns the worker template for app.Handler: it fills in
// {{.AppRoutes}}, and go-app {{.Version}} and {{.ResourcesToCache}}.
func serviceWorkerJS() string {
	routes, _ := json.Marshal(ui.AppPaths())
	return strings.Replace(serviceWorkerTemplate, "{{.AppRoutes}}", string(routes), 1)
}

// serviceWorkerTemplate is app-worker.js: go-app's service worker with the
// changes described at the top of this file, as a template.
//
//go:embed app-worker.js
var serviceWorkerTemplate string
