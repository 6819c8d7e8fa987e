package server_test

// Browser tests of the client as a progressive web app: installable,
// working offline on every route it can start on, with the history and
// the outbox it keeps in IndexedDB, delivering what was written offline
// exactly once, and updating safely. The server here is a site: one
// address that a test stops, starts again and swaps for another build.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/founding/chat/app/ui"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// site is the chat at one address, on one storage, across restarts and
// upgrades of the server.
type site struct {
	t       testing.TB
	addr    string
	URL     string
	storage *server.Storage
	served  atomic.Int64 // bytes of response bodies sent, websockets aside
	plain   atomic.Bool  // serve as to a browser that accepts no compression

	mu  sync.Mutex
	hs  *http.Server
	cur *server.Server
}

// newSite starts the chat, build version, on a loopback port; it stops
// when the test ends.
func newSite(t testing.TB, version string) *site {
	t.Helper()
	s := &site{t: t, storage: chattest.Durable(t, t.TempDir())}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.serve(ln, version)
	t.Cleanup(s.stop)
	return s
}

// newServer makes a server of build version on the site's storage.
func (s *site) newServer(version string) *server.Server {
	s.t.Helper()
	opts := fast()
	opts.Version = version
	opts.Storage = s.storage
	srv, err := server.New(opts)
	if err != nil {
		s.t.Fatal(err)
	}
	return srv
}

func (s *site) serve(ln net.Listener, version string) {
	srv := s.newServer(version)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			cur := s.cur
			s.mu.Unlock()
			if s.plain.Load() {
				r.Header.Del("Accept-Encoding")
			}
			cur.ServeHTTP(countingWriter{w, &s.served}, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.mu.Lock()
	s.hs, s.cur = hs, srv
	s.mu.Unlock()
	go hs.Serve(ln)
}

// countingWriter counts the body bytes of a response.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// Hijack lets websockets through, uncounted.
func (c countingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(c.ResponseWriter).Hijack()
}

func (c countingWriter) Flush() { http.NewResponseController(c.ResponseWriter).Flush() }

// stop stops the server: connections close, new ones are refused.
func (s *site) stop() {
	s.mu.Lock()
	hs, cur := s.hs, s.cur
	s.hs = nil
	s.mu.Unlock()
	if hs == nil {
		return
	}
	hs.Close()
	cur.Close()
}

// start starts the server of build version again on the same address.
func (s *site) start(version string) {
	s.t.Helper()
	// Poll until the address is free again (the old listener's close may
	// still be under way).
	var ln net.Listener
	var err error
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for deadline := time.Now().Add(wait); ; <-poll.C {
		if ln, err = net.Listen("tcp", s.addr); err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		s.t.Fatalf("listening on %s again: %v", s.addr, err)
	}
	s.serve(ln, version)
}

// swap puts a server of build version behind the same listener, as a
// rolling upgrade (or a restart) would, and closes the old one: its pages
// reconnect to the new one.
func (s *site) swap(version string) {
	s.t.Helper()
	srv := s.newServer(version)
	s.mu.Lock()
	old := s.cur
	s.cur = srv
	s.mu.Unlock()
	old.Close()
}

// pwaSetup checks that the client is built and starts a site.
func pwaSetup(t *testing.T, version string) *site {
	t.Helper()
	needBrowser(t)
	return newSite(t, version)
}

// swReady is a JavaScript expression: a service worker controls the page
// and its cache for this build is complete (it takes over only then).
const swReady = `!!navigator.serviceWorker.controller && navigator.serviceWorker.controller.state === 'activated'`

// appRunning is a JavaScript expression: the WebAssembly client runs.
const appRunning = `!document.getElementById('app-wasm-loader') && !!document.getElementById('chat')`

// awaitJS evaluates a JavaScript expression that yields a promise, until
// its value is truthy, and returns it.
func awaitJS[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, wait)
	defer cancel()
	var zero T
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
		if err == nil && fmt.Sprint(v) != fmt.Sprint(zero) {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last error %v)", expr, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// savedText is a JavaScript expression: a promise that the saved
// conversations hold text.
func savedText(text string) string {
	return `new Promise((ok, fail) => {
	const open = indexedDB.open('chat');
	open.onerror = () => fail(open.error);
	open.onsuccess = () => {
		const db = open.result;
		if (!db.objectStoreNames.contains('convs')) { db.close(); ok(false); return; }
		const req = db.transaction('convs').objectStore('convs').getAll();
		req.onsuccess = () => { db.close(); ok(req.result.some(c => c.includes(` + jsString(text) + `))); };
		req.onerror = () => { db.close(); fail(req.error); };
	};
})`
}

// pendingIs is a JavaScript expression: a pending message (in the outbox)
// reads text, with a status containing status.
func pendingIs(text, status string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#timeline .entry.pending')].some(e =>
		e.querySelector('.body')?.textContent === %s && (e.querySelector('.pending-status')?.textContent || '').includes(%s))`,
		jsString(text), jsString(status))
}

// bodies is a JavaScript expression: the message bodies in view, in order,
// delivered ones and pending ones.
const bodies = `[...document.querySelectorAll('#timeline .entry.msg')].map(e =>
	(e.classList.contains('pending') ? 'pending:' : '') + e.querySelector('.body')?.textContent)`

// networkBack tells the page the network is back (the browser's online
// event), so that it reconnects at once instead of waiting out its backoff.
const networkBack = `window.dispatchEvent(new Event('online')), true`

func TestBrowserPWAInstallable(t *testing.T) {
	t.Parallel()
	s := pwaSetup(t, build.Version())
	b := chattest.NewBrowser(t)
	tab := b.ProfileTab(t)
	openChat(t, tab, s.URL)
	waitJS(t, tab, swReady)

	errs, err := chromedp.Call(tab, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatalf("Page.getInstallabilityErrors: %v", err)
	}
	for _, e := range errs.InstallabilityErrors {
		t.Errorf("Chromium: not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}
	manifest, err := chromedp.Call(tab, page.GetAppManifest, page.GetAppManifestParams{})
	if err != nil {
		t.Fatalf("Page.getAppManifest: %v", err)
	}
	for _, e := range manifest.Errors {
		t.Errorf("manifest: %s (line %d)", e.Message, e.Line)
	}
	// The manifest names the app and brings local icons in the sizes
	// browsers want, a maskable one and an SVG among them.
	icons := awaitJS[string](t, tab, `fetch('/manifest.webmanifest').then(r => r.json()).then(m =>
		[m.name, m.short_name, m.display, m.start_url, m.theme_color, m.background_color, !!m.description,
		 m.icons.map(i => i.src + ' ' + i.sizes + ' ' + (i.purpose || 'any')).sort().join(', ')].join(' | '))`)
	want := "Chat | Chat | standalone | / | #2f6feb | #f4f5f7 | true | " +
		"/web/icon-192.png 192x192 any, /web/icon-512.png 512x512 any, /web/icon-maskable.png 512x512 maskable, /web/icon.svg any any"
	if icons != want {
		t.Errorf("manifest = %s\nwant       %s", icons, want)
	}
	// The browser lets the page offer installing: the app's own button.
	waitJS(t, tab, `document.getElementById('install')?.textContent === 'Install'`)
	chattest.Screenshot(t, tab, "installable")
}

func TestBrowserPWAOffline(t *testing.T) {
	t.Parallel()
	version := build.Version()
	s := pwaSetup(t, version)
	profile := t.TempDir()
	b := chattest.NewBrowserProfile(t, profile)
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")

	// Ann talks in the lobby and in a room of her own, whose page is
	// /c/<id>.
	say(t, ann, "hello lobby")
	waitJS(t, ann, delivered("Ann", "hello lobby"))
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
	openConv(t, ann, "# group A")
	room := chattest.Eval[string](t, ann, `document.getElementById('conversation').dataset.conv`)
	roomPath := ui.ConvPath(room)
	waitJS(t, ann, `location.pathname === `+jsString(roomPath))
	for i := 1; i <= 3; i++ {
		say(t, ann, fmt.Sprintf("room message %d", i))
	}
	waitJS(t, ann, delivered("Ann", "room message 3"))

	// Once the service worker has the app and the page has saved the
	// conversations, the server goes away.
	waitJS(t, ann, swReady)
	awaitJS[bool](t, ann, savedText("room message 3"))
	awaitJS[bool](t, ann, savedText("hello lobby"))
	s.stop()

	t.Run("reload with the server stopped", func(t *testing.T) {
		chattest.Do(t, ann, chromedp.Reload())
		waitJS(t, ann, appRunning)
		waitJS(t, ann, `location.pathname === `+jsString(roomPath))
		waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '# group A'`)
		waitJS(t, ann, delivered("Ann", "room message 3"))
		waitJS(t, ann, `!!document.getElementById('offline-banner')`)
		if got := chattest.Eval[string](t, ann, `document.getElementById('offline-banner').textContent`); !strings.Contains(got, "offline") {
			t.Errorf("offline banner = %q, want it to say offline", got)
		}
		chattest.Screenshot(t, ann, "reloaded-offline")
	})

	t.Run("writing offline, and cancelling", func(t *testing.T) {
		say(t, ann, "written offline 1")
		waitJS(t, ann, pendingIs("written offline 1", "waiting for the connection"))
		say(t, ann, "changed my mind")
		waitJS(t, ann, pendingIs("changed my mind", "waiting"))
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .entry.pending:last-of-type .cancel-pending`)))
		waitJS(t, ann, `!document.body.textContent.includes('changed my mind')`)
		// The outbox outlives the page.
		chattest.Do(t, ann, chromedp.Reload())
		waitJS(t, ann, appRunning)
		waitJS(t, ann, pendingIs("written offline 1", "waiting for the connection"))
		if isJS(t, ann, pageHas("changed my mind")) {
			t.Error("a cancelled message came back after a reload")
		}
		say(t, ann, "written offline 2")
		waitJS(t, ann, pendingIs("written offline 2", "waiting"))
		chattest.Screenshot(t, ann, "outbox-offline")
	})

	t.Run("a new tab with the server stopped", func(t *testing.T) {
		for _, path := range []string{"/", roomPath} {
			tab := b.ProfileTab(t)
			chattest.Do(t, tab, chromedp.Navigate(s.URL+path))
			waitJS(t, tab, appRunning)
			waitJS(t, tab, `!!document.getElementById('offline-banner')`)
			if path == "/" {
				openConv(t, tab, "# lobby")
				waitJS(t, tab, delivered("Ann", "hello lobby"))
				openConv(t, tab, "# group A")
			}
			waitJS(t, tab, `document.getElementById('conv-title')?.textContent === '# group A'`)
			waitJS(t, tab, delivered("Ann", "room message 3"))
			// The other tab's outbox shows here too, as waiting there.
			waitJS(t, tab, pendingIs("written offline 2", "another tab"))
			chattest.Screenshot(t, tab, "new-tab"+map[bool]string{true: "-root", false: "-room"}[path == "/"])
			if err := chromedp.Cancel(tab); err != nil {
				t.Fatal(err)
			}
		}
	})

	parent := t // the restarted browser outlives the subtest
	t.Run("the browser restarted with the server stopped", func(t *testing.T) {
		b.Close()
		b = chattest.NewBrowserProfile(parent, profile)
		ann = b.ProfileTab(parent)
		chattest.Do(t, ann, chromedp.Navigate(s.URL+roomPath))
		waitJS(t, ann, appRunning)
		waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '# group A'`)
		waitJS(t, ann, delivered("Ann", "room message 3"))
		// The closed tab's messages are this tab's now.
		waitJS(t, ann, pendingIs("written offline 1", "waiting for the connection"))
		waitJS(t, ann, pendingIs("written offline 2", "waiting for the connection"))
		chattest.Screenshot(t, ann, "restarted-offline")
	})

	t.Run("the server returns: delivered once, in order", func(t *testing.T) {
		s.start(version)
		chattest.Eval[bool](t, ann, networkBack)
		waitOnline(t, ann)
		waitJS(t, ann, `!document.getElementById('offline-banner')`)
		waitJS(t, ann, delivered("Ann", "written offline 2"))
		waitJS(t, ann, `!document.querySelector('#timeline .entry.pending')`)
		want := `[room message 1 room message 2 room message 3 written offline 1 written offline 2]`
		if got := fmt.Sprint(chattest.Eval[[]string](t, ann, bodies)); got != want {
			t.Errorf("timeline = %s, want %s", got, want)
		}
		// What the server holds, seen by a page that saved nothing.
		other := b.Tab(t)
		openChat(t, other, s.URL+roomPath)
		pickName(t, other, "Bob")
		chattest.Do(t, other, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
		openConv(t, other, "# group A")
		waitJS(t, other, delivered("Ann", "written offline 2"))
		if got := fmt.Sprint(chattest.Eval[[]string](t, other, bodies)); got != want {
			t.Errorf("Bob sees %s, want %s", got, want)
		}
		chattest.Screenshot(t, ann, "delivered")
	})
}

// sessions reports how many websockets the site's current server holds.
func (s *site) sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Stats().Sessions
}

// reconnected waits until the page in tab is connected to the site's
// current server (after a swap).
func reconnected(t *testing.T, s *site, tab context.Context) {
	t.Helper()
	chattest.Eventually(t, wait, func() bool { return s.sessions() > 0 }, "the page reconnects to the new server")
	waitOnline(t, tab)
}

// noUpdateFound is a JavaScript expression: a promise that the browser,
// asked to look for a new service worker, found none.
const noUpdateFound = `navigator.serviceWorker.getRegistration().then(r => r.update().then(() =>
	!r.installing && !r.waiting ? 'none' : 'found'))`

func TestBrowserPWAUpdate(t *testing.T) {
	t.Parallel()
	s := pwaSetup(t, "build-one")
	b := chattest.NewBrowser(t)
	tab := b.ProfileTab(t)
	openChat(t, tab, s.URL)
	pickName(t, tab, "Ann")
	waitJS(t, tab, swReady)

	t.Run("a restart of the same build is no news", func(t *testing.T) {
		s.swap("build-one")
		reconnected(t, s, tab)
		if got := awaitJS[string](t, tab, noUpdateFound); got != "none" {
			t.Fatalf("the browser found a new service worker after a restart of the same build (%s)", got)
		}
		if isJS(t, tab, `!!document.getElementById('update-notice')`) {
			t.Error("an update notice after a restart of the same build")
		}
	})

	t.Run("a new build is announced", func(t *testing.T) {
		s.swap("build-two")
		reconnected(t, s, tab)
		waitJS(t, tab, `!!document.getElementById('update-notice')`)
		if got := chattest.Eval[string](t, tab, `document.getElementById('update-notice').textContent`); !strings.Contains(got, "new version") {
			t.Errorf("update notice = %q", got)
		}
		chattest.Screenshot(t, tab, "update-notice")
	})

	t.Run("the reload runs the new build, never the old wasm", func(t *testing.T) {
		chattest.Eval[bool](t, tab, `window.oldPage = true`)
		chattest.Do(t, tab, chromedp.Click(chromedp.ID("update-reload")))
		// The page reloads: wait for the new document, whatever the
		// evaluations meet on the way.
		awaitJS[bool](t, tab, `!window.oldPage && goappGetenv('GOAPP_VERSION') === 'build-two'`)
		waitOnline(t, tab)
		wasm := chattest.Eval[[]string](t, tab, `performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(p => p.endsWith('.wasm'))`)
		if fmt.Sprint(wasm) != "[/web/app-build-two.wasm]" {
			t.Errorf("the page loaded the wasm from %v, want [/web/app-build-two.wasm]", wasm)
		}
		if got := awaitJS[string](t, tab, `caches.keys().then(k => k.join(' '))`); got != "app-build-two" {
			t.Errorf("caches after the update: %q, want the new build's only", got)
		}
		if isJS(t, tab, `!!document.getElementById('update-notice')`) {
			t.Error("the update notice shows on the new build")
		}
		waitJS(t, tab, `document.getElementById('me')?.textContent.includes('Ann')`)
	})
}

// TestBrowserRouteToAConversationNotOnes: a /c/ URL of a conversation the
// user is not in, or of hostile text, opens the lobby and runs nothing.
func TestBrowserRouteToAConversationNotOnes(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tab := people(t, b, s.URL, "Ann")[0]
	for _, id := range []string{"p:eve:mallory", `r:<img src=x onerror="window.pwned=1">`, "r:no such room"} {
		chattest.Do(t, tab, chromedp.Navigate(s.URL+ui.ConvPath(id)))
		waitOnline(t, tab)
		waitJS(t, tab, `document.getElementById('conv-title')?.textContent === '# lobby'`)
		waitJS(t, tab, `location.pathname === `+jsString(ui.ConvPath("r:lobby")))
		if isJS(t, tab, `!!window.pwned`) {
			t.Fatalf("the route %q ran script", id)
		}
	}
}

// failOutboxWrites is a JavaScript expression: from now on the page's
// IndexedDB refuses to store outbox messages, as a full disk or a storage
// quota does (the conversations still save).
const failOutboxWrites = `(() => {
	const put = IDBObjectStore.prototype.put;
	window.__restoreOutboxWrites = () => { IDBObjectStore.prototype.put = put; };
	IDBObjectStore.prototype.put = function (...args) {
		if (this.name === 'outbox') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		return put.apply(this, args);
	};
	return true;
})()`

// TestBrowserMessageNotSavedStaysInTheComposer: when the browser cannot
// keep a message, the user is told so, the text is back in the composer,
// and the message is neither shown as waiting nor sent.
func TestBrowserMessageNotSavedStaysInTheComposer(t *testing.T) {
	t.Parallel()
	s := pwaSetup(t, build.Version())
	b := chattest.NewBrowser(t)
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	say(t, ann, "saved before")
	waitJS(t, ann, delivered("Ann", "saved before"))

	chattest.Eval[bool](t, ann, failOutboxWrites)
	say(t, ann, "not kept here")
	waitJS(t, ann, `(document.getElementById('notice')?.textContent || '').includes('could not save this message on this device')`)
	waitJS(t, ann, `document.getElementById('composer').value === 'not kept here'`)
	if isJS(t, ann, `!!document.querySelector('#timeline .entry.pending')`) {
		t.Error("a message that was not saved is shown as waiting")
	}
	chattest.Screenshot(t, ann, "not-saved")

	// Once the browser keeps messages again, the next one goes; the one
	// refused never did (entries arrive in order, so it would be before).
	chattest.Eval[bool](t, ann, `(window.__restoreOutboxWrites(), document.getElementById('composer').value = '') === ''`)
	say(t, ann, "saved after")
	waitJS(t, ann, delivered("Ann", "saved after"))
	// The entry can arrive a frame before its ack, which takes the waiting
	// copy away: wait for that state, then look.
	waitJS(t, ann, `!document.querySelector('#timeline .entry.pending')`)
	if got := fmt.Sprint(chattest.Eval[[]string](t, ann, bodies)); got != "[saved before saved after]" {
		t.Errorf("timeline = %s, want only the saved messages", got)
	}
}
