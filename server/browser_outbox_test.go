package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
)

// TestBrowserSessionOutboxCancelThenReload is the browser's half of a pair
// with app/client's TestModelClientOutboxCancelThenNewTab: both drive the
// same client.Session outbox (store before send, cancel in the store, take
// over at start), so a fault there fails both. Offline, Ann writes two
// messages and cancels the second; the page reloads and reconnects: the
// first is delivered once, the cancelled one never.
func TestBrowserSessionOutboxCancelThenReload(t *testing.T) {
	s := pwaSetup(t, build.Version())
	b := chattest.NewBrowser(t)
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	say(t, ann, "said online")
	waitJS(t, ann, delivered("Ann", "said online"))

	click(t, ann, "conn-toggle") // the connection goes down
	waitJS(t, ann, `document.getElementById('status').dataset.state !== 'online'`)
	say(t, ann, "kept offline")
	waitJS(t, ann, pendingIs("kept offline", "waiting"))
	say(t, ann, "cancelled offline")
	waitJS(t, ann, pendingIs("cancelled offline", "waiting"))
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .entry.pending:last-of-type .cancel-pending`)))
	waitJS(t, ann, `!`+pageHas("cancelled offline"))

	// The page goes away and comes back: what it kept is what is sent.
	chattest.Do(t, ann, chromedp.Reload())
	waitOnline(t, ann)
	waitJS(t, ann, delivered("Ann", "kept offline"))
	waitJS(t, ann, `!document.querySelector('#timeline .entry.pending')`)
	if got, want := fmt.Sprint(chattest.Eval[[]string](t, ann, bodies)), "[said online kept offline]"; got != want {
		t.Errorf("timeline = %s, want %s", got, want)
	}

	// What the server stored: the kept message once, the cancelled one never.
	page := storedLobby(t, s.URL)
	kept, cancelled := 0, 0
	for _, e := range page.Entries {
		switch {
		case strings.Contains(e.HTML, "kept offline"):
			kept++
		case strings.Contains(e.HTML, "cancelled offline"):
			cancelled++
		}
	}
	if kept != 1 || cancelled != 0 {
		t.Errorf("the server stored the kept message %d times and the cancelled one %d times, want 1 and 0", kept, cancelled)
	}
}
