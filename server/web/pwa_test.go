package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/web"
)

// serve starts the web handler of this build on a loopback port, as
// package server mounts it, with a token function that gives every page a
// session cookie, and returns its URL.
func serve(t *testing.T) string {
	t.Helper()
	h := web.New(build.Version(), func(w http.ResponseWriter, r *http.Request) string {
		http.SetCookie(w, &http.Cookie{Name: "chat_session", Value: "test", Path: "/"})
		return "test"
	})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.SetSecurityHeaders(w.Header())
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// get fetches path from s with the request headers given as pairs, without
// Go's transparent gzip, and returns the response and its raw body.
func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// wasmURL returns the wasm's URL that the page's loader uses.
func wasmURL(t *testing.T, base string) string {
	t.Helper()
	_, js := get(t, base+"/app.js")
	m := regexp.MustCompile(`"(/web/app-[^"]+\.wasm)"`).FindSubmatch(js)
	if m == nil {
		t.Fatalf("app.js names no versioned wasm:\n%s", js)
	}
	return string(m[1])
}

func TestWasmServedPrecompressed(t *testing.T) {
	t.Parallel()
	if !build.HasClient() {
		t.Fatal("the WebAssembly client is not built: run `make wasm` (make test does)")
	}
	raw, err := fs.ReadFile(build.FS, "web/app.wasm")
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t)
	path := wasmURL(t, base)
	if want := "/web/app-" + build.Version() + ".wasm"; path != want {
		t.Fatalf("the loader fetches %s, want %s (the build's own URL)", path, want)
	}
	decode := map[string]func([]byte) ([]byte, error){
		"br": func(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) },
		"gzip": func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"": func(b []byte) ([]byte, error) { return b, nil },
	}
	for _, tc := range []struct {
		name, accept, want string
	}{
		{name: "chromium", accept: "gzip, deflate, br, zstd", want: "br"},
		{name: "gzip only", accept: "gzip", want: "gzip"},
		{name: "brotli refused", accept: "br;q=0, gzip;q=0.8", want: "gzip"},
		{name: "any", accept: "*", want: "br"},
		{name: "nothing", accept: "", want: ""},
		{name: "identity", accept: "identity", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, base+path, "Accept-Encoding", tc.accept)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			h := resp.Header
			if got := h.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Content-Encoding = %q, want %q", got, tc.want)
			}
			for k, want := range map[string]string{
				"Content-Type":          "application/wasm",
				"Vary":                  "Accept-Encoding",
				"X-Wasm-Content-Length": strconv.Itoa(len(raw)),
				"Content-Length":        strconv.Itoa(len(body)),
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if cc := h.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("Cache-Control = %q: a build's own URL may be cached for good", cc)
			}
			got, err := decode[tc.want](body)
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("the body does not decode to the wasm (%d bytes, %v)", len(got), err)
			}
			if tc.want != "" && len(body) > len(raw)/3 {
				t.Errorf("%s body is %d bytes of %d: not compressed", tc.want, len(body), len(raw))
			}
			// The same again is 304 by its ETag.
			again, _ := get(t, base+path, "Accept-Encoding", tc.accept, "If-None-Match", h.Get("ETag"))
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("conditional request: status %d, want 304", again.StatusCode)
			}
		})
	}

	t.Run("another build's wasm is gone", func(t *testing.T) {
		resp, _ := get(t, base+"/web/app-0123456789abcdef.wasm", "Accept-Encoding", "br")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404: a page of another build must not run this wasm", resp.StatusCode)
		}
	})
	t.Run("the unversioned URL is never cached", func(t *testing.T) {
		resp, body := get(t, base+"/web/app.wasm", "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || len(body) == 0 {
			t.Fatalf("status %d, encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control = %q, want no-cache", cc)
		}
	})
}

func TestServiceWorkerServesTheAppShell(t *testing.T) {
	t.Parallel()
	base := serve(t)
	resp, body := get(t, base+"/app-worker.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	js := string(body)
	for _, want := range []string{
		`"/web/app-` + build.Version() + `.wasm"`,  // the build's wasm is cached
		`"/web/icon.svg"`, `"/web/pwa.css"`, `"/"`, // and all that the page loads
		`event.waitUntil(installWorker())`,     // complete before it takes over
		`request.mode === "navigate"`,          // navigations get the app shell
		`["^/$","^/c/[^/]+$"]`,                 // on the app's routes
		`msg.type === "chat:version"`,          // it says its build
		`addEventListener("notificationclick"`, // go-app's notifications stay
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app-worker.js lacks %s", want)
		}
	}
	if strings.Contains(js, "{{") {
		t.Error("app-worker.js has an unfilled placeholder")
	}

	// The loader instantiates the wasm from the response as it comes,
	// never through go-app's progress counting, which pumps it through a
	// JavaScript stream.
	_, loader := get(t, base+"/app.js")
	if !strings.Contains(string(loader), `goappFetchWasm("/web/app-`+build.Version()+`.wasm"`) ||
		!strings.Contains(string(loader), "function goappFetchWasm(url) {\n  return fetch(url);\n}") {
		t.Error("app.js does not fetch the wasm through goappFetchWasm")
	}
	if strings.Contains(string(loader), `fetchWithProgress("`) || strings.Contains(string(loader), `return fetchWithProgress(`) {
		t.Error("app.js still counts the wasm through fetchWithProgress")
	}

	// A conversation's own page is a page of the app.
	resp, body = get(t, base+"/c/r%3Alobby")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="app-wasm-loader"`) {
		t.Errorf("/c/r%%3Alobby: status %d, want the app", resp.StatusCode)
	}
	if resp.Header.Get("Set-Cookie") == "" {
		t.Error("/c/…: no session cookie for a new browser")
	}
	// The page starts loading the wasm early, with the loader's request.
	if !strings.Contains(string(body), `<link rel="preload" href="/web/app-`+build.Version()+`.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`) {
		t.Error("the page does not preload the wasm")
	}
}
