package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
)

// openChat loads the app in tab and waits until the WebAssembly client runs
// (the loader is gone and the connection has a state).
func openChat(t *testing.T, tab context.Context, url string) {
	t.Helper()
	if !build.HasClient() {
		t.Fatal("the WebAssembly client is not built: run `make wasm` (make test does)")
	}
	chattest.Do(t, tab, chromedp.Navigate(url))
	chattest.Poll[bool](t, tab, `!document.getElementById('app-wasm-loader') && document.querySelector('#status').dataset.state === 'online'`, 30*time.Second)
}

func pickName(t *testing.T, tab context.Context, name string) {
	t.Helper()
	chattest.Poll[bool](t, tab, `!!document.getElementById('name-input')`, 10*time.Second)
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("name-input"), name), chromedp.Click(chromedp.ID("name-submit")))
	chattest.Poll[bool](t, tab, `document.getElementById('me')?.textContent === `+jsString(name), 10*time.Second)
}

func say(t *testing.T, tab context.Context, text string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("composer"), text), chromedp.Click(chromedp.ID("send")))
}

func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}

func TestBrowserLobbyChat(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	s := chattest.New(t, fast())
	b := chattest.NewBrowser(t)
	ann, bob := b.Tab(t), b.Tab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	openChat(t, bob, s.URL)
	pickName(t, bob, "Bob")

	say(t, ann, "hello from Ann")
	chattest.Poll[bool](t, bob, `[...document.querySelectorAll('#timeline .entry.msg .body')].some(e => e.textContent === 'hello from Ann')`, 10*time.Second)
	chattest.Screenshot(t, ann, "ann")
	chattest.Screenshot(t, bob, "bob")
}
