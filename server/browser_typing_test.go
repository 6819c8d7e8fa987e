package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
)

// Browser tests of typing indicators and "Seen".

// typingLine is a JavaScript expression: the text of the typing line
// under the timeline ("" when nobody types), or null when it is missing.
const typingLine = `(document.getElementById('typing')?.textContent ?? null)`

// seenUnder is a JavaScript expression: "Seen" follows the message whose
// body reads text, and it is the only one.
func seenUnder(text string) string {
	return `document.querySelectorAll('#timeline .seen').length === 1 &&
		document.querySelector('#timeline .seen').previousElementSibling?.querySelector('.body')?.textContent === ` + jsString(text)
}

// typeKeys types text into the composer, key by key, without sending it.
func typeKeys(t *testing.T, tab context.Context, text string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("composer"), text))
}

// TestBrowserTyping: Ann types; Bob sees "Ann is typing…" in a polite live
// region; it goes away by itself when Ann pauses, comes back when she types
// again, and is gone the moment her message arrives.
func TestBrowserTyping(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	waitJS(t, bob, typingLine+` === ''`)
	if !isJS(t, bob, `document.getElementById('typing').getAttribute('role') === 'status' && document.getElementById('typing').getAttribute('aria-live') === 'polite'`) {
		t.Error("the typing line is not a polite live region")
	}
	typeKeys(t, ann, "hel")
	waitJS(t, bob, typingLine+` === 'Ann is typing…'`)
	chattest.Screenshot(t, bob, "ann-is-typing")
	if got := chattest.Eval[string](t, ann, typingLine); got != "" {
		t.Errorf("Ann's own page says %q: nobody else types", got)
	}

	// Ann pauses: the line expires by itself.
	waitJS(t, bob, typingLine+` === ''`)

	typeKeys(t, ann, "lo")
	waitJS(t, bob, typingLine+` === 'Ann is typing…'`)
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("send")))
	waitJS(t, bob, delivered("Ann", "hello"))
	if got := chattest.Eval[string](t, bob, typingLine); got != "" {
		t.Errorf("with Ann's message shown, the typing line still says %q", got)
	}
}

// TestBrowserSeen: in a private conversation, "Seen" appears under Ann's
// message once Bob opens the conversation, moves under her newer message
// as Bob reads it live, and is still there after Ann reloads the page.
func TestBrowserSeen(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Bob"] .person-btn')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#people .person[data-name="Bob"] .person-btn`)))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	say(t, ann, "first")
	waitJS(t, ann, delivered("Ann", "first"))
	// Barrier: Bob has the conversation, unread; Ann has no "Seen" yet.
	waitJS(t, bob, `(`+convItem("@ Ann")+`)?.querySelector('.unread')?.textContent === '1'`)
	if isJS(t, ann, `!!document.querySelector('#timeline .seen')`) {
		t.Fatal(`"Seen" before Bob opened the conversation`)
	}

	openConv(t, bob, "@ Ann")
	waitJS(t, ann, seenUnder("first"))
	chattest.Screenshot(t, ann, "seen-first")

	say(t, ann, "second")
	waitJS(t, bob, delivered("Ann", "second"))
	waitJS(t, ann, seenUnder("second"))
	if isJS(t, bob, `!!document.querySelector('#timeline .seen')`) {
		t.Error(`Bob, who wrote nothing, sees "Seen"`)
	}

	chattest.Do(t, ann, chromedp.Reload())
	waitOnline(t, ann)
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	waitJS(t, ann, seenUnder("second"))
	chattest.Screenshot(t, ann, "seen-after-reload")

	// A room shows none.
	openConv(t, ann, "# lobby")
	say(t, ann, "in the lobby")
	waitJS(t, ann, delivered("Ann", "in the lobby"))
	waitJS(t, bob, `!!(`+convItem("# lobby")+`)`)
	openConv(t, bob, "# lobby")
	waitJS(t, bob, delivered("Ann", "in the lobby"))
	// Barrier: Bob read the lobby; a private message after it shows Ann
	// that Bob's reads reached her.
	openConv(t, bob, "@ Ann")
	say(t, bob, "back")
	waitJS(t, ann, `(`+convItem("@ Bob")+`)?.querySelector('.unread')?.textContent === '1'`)
	if isJS(t, ann, `!!document.querySelector('#timeline .seen')`) {
		t.Error(`the lobby shows "Seen"`)
	}
}

// TestBrowserSeenOffline: "Seen" is kept with the conversation in the
// browser: after a reload with the server stopped, the saved copy shows it
// where it was.
func TestBrowserSeenOffline(t *testing.T) {
	t.Parallel()
	s := pwaSetup(t, build.Version())
	ann := chattest.NewBrowserProfile(t, t.TempDir()).ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	bob := people(t, chattest.NewBrowser(t), s.URL, "Bob")[0]

	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Bob"] .person-btn')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#people .person[data-name="Bob"] .person-btn`)))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	say(t, ann, "read before the outage")
	openConv(t, bob, "@ Ann")
	waitJS(t, ann, seenUnder("read before the outage"))

	waitJS(t, ann, swReady)
	awaitJS[bool](t, ann, savedText(`"seen":`))
	s.stop()
	chattest.Do(t, ann, chromedp.Reload())
	waitJS(t, ann, appRunning)
	waitJS(t, ann, `!!document.getElementById('offline-banner')`)
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	waitJS(t, ann, seenUnder("read before the outage"))
	chattest.Screenshot(t, ann, "seen-offline")
}
