package server_test

// Browser test of the message search: online, the server's index across
// the conversations, a hit opened lands on the message (older pages
// loaded until it is there); offline, the same box searches what the
// browser saved and says so.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// searchFor types words into the open search box, emptied first, and
// submits it.
func searchFor(t *testing.T, tab context.Context, words string) {
	t.Helper()
	chattest.Eval[bool](t, tab, `(el => { el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); return true })(document.getElementById('search-input'))`)
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("search-input"), words), chromedp.Click(chromedp.ID("search-go")))
}

// searchScope is a JavaScript expression: where the hits on screen come
// from ("server", "device", "waiting", ...).
const searchScope = `(document.getElementById('search-scope')?.dataset.scope || '')`

// hitFor is a JavaScript expression: the search hit of message seq of
// conv, or undefined.
func hitFor(conv string, seq uint64) string {
	return fmt.Sprintf(`document.querySelector('#search-results .search-hit[data-conv=%s][data-seq="%d"]')`, jsString(conv), seq)
}

func TestBrowserSearch(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	o := fast()
	o.MessageRate, o.MessageBurst = 1000, 1000
	s, b := chattest.New(t, o), chattest.NewBrowser(t)

	// Carl wrote the message long ago: more than a page of history since.
	carl := s.User(t, "Carl")
	payload := `<b>bold</b> & <img src=x onerror=alert(1)>`
	needle := sent(t, carl, actID("carl", 1), &chat.Send{ID: actID("carl", 1), Conv: hub.LobbyID, Text: "the haystack report " + payload})
	const fillers = 80
	for i := range fillers {
		id := actID("carl", uint64(i+2))
		carl.Send(&chat.Send{ID: id, Conv: hub.LobbyID, Text: "filler " + strconv.Itoa(i)})
	}
	sent(t, carl, actID("carl", fillers+2), &chat.Send{ID: actID("carl", fillers+2), Conv: hub.LobbyID, Text: "the latest"})

	ann := people(t, b, s.URL, "Ann")[0]
	waitJS(t, ann, delivered("Carl", "the latest"))
	if isJS(t, ann, `!!document.querySelector('#timeline [data-seq="`+strconv.FormatUint(needle.Seq, 10)+`"]')`) {
		t.Fatal("the old message is loaded already: the test would not show that opening a hit loads older pages")
	}

	// Online: the header's button, the server's hits.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("search-btn")))
	waitFocus(t, ann, "search-input")
	searchFor(t, ann, "haystacks")
	waitJS(t, ann, `!!`+hitFor(hub.LobbyID, needle.Seq)+` && `+searchScope+` === 'server'`)
	hit := hitFor(hub.LobbyID, needle.Seq)
	if got := chattest.Eval[string](t, ann, hit+`.querySelector('.hit-text mark')?.textContent || ''`); got != "haystack" {
		t.Errorf("the marked word is %q, want haystack (stemmed: haystacks found it)", got)
	}
	if got := chattest.Eval[string](t, ann, hit+`.querySelector('.hit-text').textContent`); got != "the haystack report "+payload {
		t.Errorf("the hit reads %q, want the message's text as it was typed", got)
	}
	if isJS(t, ann, hit+`.querySelector('.hit-text b, .hit-text img')`+` !== null`) {
		t.Error("markup of the message became elements in the hit")
	}
	if got := chattest.Eval[string](t, ann, hit+`.querySelector('.hit-from').textContent`); got != "Carl" {
		t.Errorf("the hit's sender is %q, want Carl", got)
	}
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		chattest.Screenshot(t, ann, "search-online-"+scheme)
	}
	colorScheme(t, ann, "light")

	// Opening it lands on the message, older pages loaded.
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#search-results .search-hit[data-seq="`+strconv.FormatUint(needle.Seq, 10)+`"]`)))
	// The same way as a quote's: highlighted and focused.
	waitJS(t, ann, `!document.getElementById('search') && document.activeElement === document.querySelector('#timeline .entry.msg[data-seq="`+strconv.FormatUint(needle.Seq, 10)+`"]')`)
	waitJS(t, ann, `(el => { const r = el.getBoundingClientRect(), tl = document.getElementById('timeline').getBoundingClientRect();
		return r.bottom > tl.top && r.top < tl.bottom })(document.querySelector('#timeline [data-seq="`+strconv.FormatUint(needle.Seq, 10)+`"]'))`)
	chattest.Screenshot(t, ann, "search-opened")

	// /search in the composer opens the box with the words.
	say(t, ann, "/search filler")
	waitJS(t, ann, `document.getElementById('search-input')?.value === 'filler' && `+searchScope+` === 'server'`)
	waitJS(t, ann, `document.querySelectorAll('#search-results .search-hit').length === 20 && !!document.getElementById('search-more')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("search-more")))
	waitJS(t, ann, `document.querySelectorAll('#search-results .search-hit').length === 40`)
	keys(t, ann, kb.Escape)
	waitJS(t, ann, `!document.getElementById('search')`)

	// Offline: the same box searches what the browser saved, and says so.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, ann, `document.getElementById('status').dataset.state === 'offline'`)
	sent(t, carl, actID("carl", fillers+3), &chat.Send{ID: actID("carl", fillers+3), Conv: hub.LobbyID, Text: "a haystack only the server has"})
	chattest.Do(t, ann, chromedp.Focus(chromedp.ID("composer")))
	keys(t, ann, "f", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFocus(t, ann, "search-input")
	searchFor(t, ann, "haystack")
	waitJS(t, ann, searchScope+` === 'device' && !!`+hit)
	if n := chattest.Eval[int](t, ann, `document.querySelectorAll('#search-results .search-hit').length`); n != 1 {
		t.Errorf("offline, %d hits; want 1: only the message this browser holds", n)
	}
	if got := chattest.Eval[string](t, ann, `document.getElementById('search-scope').textContent`); !strings.Contains(got, "Offline") || !strings.Contains(got, "this device") {
		t.Errorf("offline, the search says %q; want it to say it searched only this device", got)
	}
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		chattest.Screenshot(t, ann, "search-offline-"+scheme)
	}
}
