package server_test

// Browser end-to-end tests: the real server handler (chattest.New), the real
// WebAssembly client (build/web/app.wasm) and headless Chromium driven with
// chromedp. Every tab opened with Browser.Tab is a separate browser context,
// that is another person. Assertions read the DOM through JavaScript
// expressions; waits are polls with deadlines, never sleeps.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// wait bounds every poll of these tests. The tests wait for states (the
// page's, the service worker's, IndexedDB's), never for a time, so the
// bound costs nothing when things work: it is long enough for a loaded
// machine (two cores, every package's tests at once under -race, where a
// first start of the wasm or a service worker's install of the app has
// taken well over 15s), and a broken feature still fails, a minute late.
const wait = 60 * time.Second

// needBrowser skips browser tests under -short and fails one when the
// WebAssembly client is not built; a missing Chromium fails in
// chattest.NewBrowser.
func needBrowser(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	if !build.HasClient() {
		t.Fatal("the WebAssembly client is not built: run `make wasm` (make test does)")
	}
}

// chatSetup starts a server with quick presence and one Chromium.
func chatSetup(t *testing.T) (*chattest.Server, *chattest.Browser) {
	t.Helper()
	needBrowser(t)
	return chattest.New(t, fast()), chattest.NewBrowser(t)
}

// openChat loads the app in tab and waits until the WebAssembly client runs
// (the loader is gone and the connection is online).
func openChat(t *testing.T, tab context.Context, url string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.Navigate(url))
	waitOnline(t, tab)
}

// waitOnline waits until the WebAssembly client of the page in tab runs
// and is connected.
func waitOnline(t *testing.T, tab context.Context) {
	t.Helper()
	waitJS(t, tab, `!document.getElementById('app-wasm-loader') && document.querySelector('#status')?.dataset.state === 'online'`)
}

// pickName submits name in the name form and waits until the app shows it
// as the user's.
func pickName(t *testing.T, tab context.Context, name string) {
	t.Helper()
	submitName(t, tab, name)
	waitJS(t, tab, `document.getElementById('me')?.textContent === `+jsString(name))
}

// submitName types name into an emptied name field and submits the form.
func submitName(t *testing.T, tab context.Context, name string) {
	t.Helper()
	waitJS(t, tab, `!!document.getElementById('name-input')`)
	// chromedp.SetValue(sel, "") fails in v0.23.0 ("could not set value on
	// node"), so the field is emptied from JavaScript.
	chattest.Eval[bool](t, tab, `(document.getElementById('name-input').value = '') === ''`)
	chattest.Do(t, tab,
		chromedp.SendKeys(chromedp.ID("name-input"), name),
		chromedp.Click(chromedp.ID("name-submit")),
	)
}

// people opens one browser context per name on the chat and picks that
// name in it, in order. The pages load side by side: each navigation
// returns at the load event, before its WebAssembly starts.
func people(t *testing.T, b *chattest.Browser, url string, names ...string) []context.Context {
	t.Helper()
	tabs := make([]context.Context, len(names))
	for i := range names {
		tabs[i] = b.Tab(t)
		chattest.Do(t, tabs[i], chromedp.Navigate(url))
	}
	for i, name := range names {
		waitOnline(t, tabs[i])
		pickName(t, tabs[i], name)
	}
	return tabs
}

// say types text into the composer and clicks Send.
func say(t *testing.T, tab context.Context, text string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("composer"), text), chromedp.Click(chromedp.ID("send")))
}

// wrappedButtons is a JavaScript expression: the ids (or labels) of the
// visible buttons (and the status pill) whose label breaks over more than
// one line.
const wrappedButtons = `[...document.querySelectorAll('button, #status')].filter(b => b.offsetParent && b.textContent.trim()).filter(b => {
	const cs = getComputedStyle(b);
	const line = parseFloat(cs.lineHeight) || 1.2 * parseFloat(cs.fontSize);
	const inner = b.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
	return inner > 1.5 * line;
}).map(b => b.id || b.textContent)`

// waitJS polls the JavaScript expression until it is true.
func waitJS(t *testing.T, tab context.Context, expr string) {
	t.Helper()
	chattest.Poll[bool](t, tab, expr, wait)
}

// isJS evaluates a boolean JavaScript expression once.
func isJS(t *testing.T, tab context.Context, expr string) bool {
	t.Helper()
	return chattest.Eval[bool](t, tab, expr)
}

// jsString quotes s as a JavaScript string literal (JSON is a subset).
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// delivered is a JavaScript expression: the conversation in view holds a
// message entry from sender (any sender when "") whose body reads text,
// acknowledged by the server (not pending).
func delivered(from, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#timeline .entry.msg:not(.pending)')].some(e =>
		e.querySelector('.body')?.textContent === %s && (%s === '' || e.querySelector('.meta .from')?.textContent === %s))`,
		jsString(text), jsString(from), jsString(from))
}

// countOf is a JavaScript expression: how many delivered message bodies in
// view read text.
func countOf(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#timeline .entry.msg:not(.pending) .body')].filter(b => b.textContent === %s).length`, jsString(text))
}

// pageHas is a JavaScript expression: the whole document mentions text.
func pageHas(text string) string {
	return `document.body.textContent.includes(` + jsString(text) + `)`
}

// convItem is a JavaScript expression: the conversation-list button labelled
// label ("# lobby", "@ Ann"), or undefined.
func convItem(label string) string {
	return `[...document.querySelectorAll('.conv-item[data-conv]')].find(b => b.querySelector('.conv-name')?.textContent === ` + jsString(label) + `)`
}

// openConv clicks the conversation labelled label and waits until it is in
// view.
func openConv(t *testing.T, tab context.Context, label string) {
	t.Helper()
	id := chattest.Poll[string](t, tab, `(`+convItem(label)+`)?.dataset.conv || ''`, wait)
	chattest.Do(t, tab, chromedp.Click(chromedp.CSS(`.conv-item[data-conv=`+jsString(id)+`]`)))
	waitJS(t, tab, `document.getElementById('conv-title')?.textContent === `+jsString(label)+
		` && document.getElementById('conversation')?.dataset.conv === `+jsString(id))
}

// pressEnter sends the Enter key as a keyboard does when a page handles it
// on keydown: a rawKeyDown and a keyUp, without the char event that
// chromedp.KeyEvent adds (which would type a line break after the page
// cancelled the key; see chromedp docs/API.md, example 20).
func pressEnter(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		}); err != nil {
			return err
		}
	}
	return nil
}

func TestBrowserLobbyChat(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	say(t, ann, "hello from Ann")
	say(t, bob, "hi Ann, Bob here")
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, delivered("Ann", "hello from Ann"))
		waitJS(t, tab, delivered("Bob", "hi Ann, Bob here"))
	}

	// Each entry shows who sent it and when: a <time> with a machine-readable
	// date and a clock (or a date and a clock) for people.
	const timeOK = `[...document.querySelectorAll('#timeline .entry.msg')].length >= 2 &&
		[...document.querySelectorAll('#timeline .entry.msg')].every(e => {
			const t = e.querySelector('.meta time');
			return t && !isNaN(Date.parse(t.getAttribute('datetime'))) && /\d{1,2}:\d{2}$/.test(t.textContent);
		})`
	for name, tab := range map[string]context.Context{"Ann": ann, "Bob": bob} {
		if !isJS(t, tab, timeOK) {
			t.Errorf("%s: entries lack a time: %s", name, chattest.Eval[string](t, tab, `document.getElementById('timeline').innerHTML`))
		}
		// One's own messages are marked, the other's are not.
		mine := chattest.Eval[[]string](t, tab, `[...document.querySelectorAll('#timeline .entry.msg.mine .from')].map(e => e.textContent)`)
		for _, from := range mine {
			if from != name {
				t.Errorf("%s: a message from %s is marked as mine", name, from)
			}
		}
		if len(mine) != 1 {
			t.Errorf("%s: %d messages marked as mine, want 1", name, len(mine))
		}
		// Both see each other in the people list of the lobby.
		waitJS(t, tab, `document.querySelectorAll('#people .person[data-name="Ann"], #people .person[data-name="Bob"]').length === 2`)
	}
	chattest.Screenshot(t, ann, "ann")
	chattest.Screenshot(t, bob, "bob")
}

func TestBrowserShowsMarkupAsText(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	payloads := []string{
		`<img src=x onerror="window.__xss=1">`,
		`<script>window.__xss=2</script>`,
		`<b>not bold</b> & "quotes" <a href="javascript:window.__xss=3">link</a>`,
	}
	for _, p := range payloads {
		say(t, ann, p)
	}
	for name, tab := range map[string]context.Context{"Ann": ann, "Bob": bob} {
		for _, p := range payloads {
			waitJS(t, tab, delivered("Ann", p))
		}
		if isJS(t, tab, `window.__xss !== undefined`) {
			t.Errorf("%s: script ran: window.__xss = %v", name, chattest.Eval[any](t, tab, `window.__xss`))
		}
		if n := chattest.Eval[int](t, tab, `document.querySelectorAll('#timeline img, #timeline script, #timeline .body b, #timeline .body a').length`); n != 0 {
			t.Errorf("%s: %d elements made from user text in the timeline: %s", name, n,
				chattest.Eval[string](t, tab, `document.getElementById('timeline').innerHTML`))
		}
	}
	chattest.Screenshot(t, bob, "bob")
}

func TestBrowserRooms(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob", "Cid")
	ann, bob, cid := tabs[0], tabs[1], tabs[2]
	const room = "# group A"

	// Ann creates the room from the join form; it appears in her list.
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
	waitJS(t, ann, `!!(`+convItem(room)+`)`)
	if v := chattest.Eval[string](t, ann, `document.getElementById('join-input').value`); v != "" {
		t.Errorf("join field not cleared after joining: %q", v)
	}
	openConv(t, ann, room)

	// Bob joins it too; Ann, looking at the room, sees him join.
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
	openConv(t, bob, room)
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .entry.event')].some(e => e.querySelector('b')?.textContent === 'Bob' && e.textContent.includes('joined the room'))`)
	waitJS(t, ann, `document.querySelectorAll('#people .person[data-name="Ann"], #people .person[data-name="Bob"]').length === 2`)
	if isJS(t, ann, `!!document.querySelector('#people .person[data-name="Cid"]')`) {
		t.Error("Cid, who is not in the room, is listed among its people")
	}

	// A message in the room reaches its members only.
	say(t, bob, "only for group A")
	waitJS(t, bob, delivered("Bob", "only for group A"))
	waitJS(t, ann, delivered("Bob", "only for group A"))
	chattest.Screenshot(t, ann, "ann-in-room")
	// Barrier: a later lobby message from Bob reaches Cid, so the room's
	// would have too if it leaked.
	openConv(t, bob, "# lobby")
	say(t, bob, "lobby after the room")
	waitJS(t, cid, delivered("Bob", "lobby after the room"))
	if isJS(t, cid, pageHas("only for group A")) {
		t.Error("Cid, not a member, saw the room's message")
	}
	if isJS(t, cid, `!!(`+convItem(room)+`)`) {
		t.Error("the room is listed for Cid, who did not join")
	}

	// Ann looks at the lobby; a new room message shows as unread on the room.
	openConv(t, ann, "# lobby")
	waitJS(t, ann, delivered("Bob", "lobby after the room"))
	openConv(t, bob, room)
	say(t, bob, "are you there, Ann?")
	waitJS(t, ann, `(`+convItem(room)+`)?.querySelector('.unread')?.textContent === '1'`)
	if isJS(t, ann, `!!(`+convItem("# lobby")+`).querySelector('.unread')`) {
		t.Error("the conversation in view has an unread badge")
	}
	chattest.Screenshot(t, ann, "ann-unread")
	openConv(t, ann, room)
	waitJS(t, ann, delivered("Bob", "are you there, Ann?"))
	waitJS(t, ann, `!(`+convItem(room)+`).querySelector('.unread')`)
}

func TestBrowserPrivateMessages(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob", "Cid")
	ann, bob, cid := tabs[0], tabs[1], tabs[2]

	// Ann picks Bob in the people list: a private conversation opens.
	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Bob"] .person-btn')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#people .person[data-name="Bob"] .person-btn`)))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	say(t, ann, "psst, Bob")
	waitJS(t, ann, delivered("Ann", "psst, Bob"))

	// Bob, in the lobby, gets the conversation with an unread badge.
	waitJS(t, bob, `(`+convItem("@ Ann")+`)?.querySelector('.unread')?.textContent === '1'`)
	chattest.Screenshot(t, bob, "bob-unread-private")
	openConv(t, bob, "@ Ann")
	waitJS(t, bob, delivered("Ann", "psst, Bob"))

	// Bob answers from the lobby with the /msg command.
	openConv(t, bob, "# lobby")
	say(t, bob, "/msg Ann right back at you")
	waitJS(t, ann, delivered("Bob", "right back at you"))
	waitJS(t, bob, `document.getElementById('conv-title')?.textContent === '@ Ann'`)
	waitJS(t, bob, delivered("Bob", "right back at you"))
	openConv(t, bob, "# lobby")
	if isJS(t, bob, pageHas("/msg")) || isJS(t, bob, pageHas("right back at you")) {
		t.Error("the /msg command was posted to the lobby")
	}
	chattest.Screenshot(t, ann, "ann-private")

	// Barrier: a later lobby message from Ann reaches Cid, who never sees the
	// private pair's messages or their conversation.
	openConv(t, ann, "# lobby")
	say(t, ann, "lobby after the private talk")
	waitJS(t, cid, delivered("Ann", "lobby after the private talk"))
	for _, text := range []string{"psst, Bob", "right back at you"} {
		if isJS(t, cid, pageHas(text)) {
			t.Errorf("Cid saw the private message %q", text)
		}
	}
	if n := chattest.Eval[int](t, cid, `[...document.querySelectorAll('.conv-item .conv-name')].filter(e => e.textContent.startsWith('@')).length`); n != 0 {
		t.Errorf("Cid lists %d private conversations, want 0", n)
	}

	t.Run("a conversation started with /msg shows its first message as unread", func(t *testing.T) {
		say(t, cid, "/msg Ann first contact")
		waitJS(t, cid, delivered("Cid", "first contact"))
		waitJS(t, ann, `!!(`+convItem("@ Cid")+`)`)
		// Barrier: Ann asked for the new conversation's history when it
		// appeared; the server answers her frames in order, so once her next
		// message is acknowledged that history is in.
		say(t, ann, "barrier")
		waitJS(t, ann, delivered("Ann", "barrier"))
		if got := chattest.Eval[string](t, ann, `(`+convItem("@ Cid")+`).querySelector('.unread')?.textContent ?? 'none'`); got != "1" {
			chattest.Screenshot(t, ann, "no-unread-first-contact")
			t.Errorf("the unread badge of a private conversation opened by the other's /msg is %q, want 1", got)
		}
	})
}

func TestBrowserPresence(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	waitJS(t, ann, `[...document.querySelectorAll('#timeline .presence.joined')].some(e => e.textContent.startsWith('Bob joined'))`)
	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Bob"]')`)
	chattest.Screenshot(t, ann, "bob-joined")

	// Bob closes his tab: after the grace period Ann sees him leave.
	if err := chromedp.Cancel(bob); err != nil {
		t.Fatalf("closing Bob's tab: %v", err)
	}
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .presence.left')].some(e => e.textContent.startsWith('Bob left'))`)
	waitJS(t, ann, `!document.querySelector('#people .person[data-name="Bob"]')`)
	chattest.Screenshot(t, ann, "bob-left")
}

func TestBrowserComposerKeys(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := people(t, b, s.URL, "Ann")[0]

	chattest.Do(t, ann,
		chromedp.Focus(chromedp.ID("composer")),
		chromedp.KeyEvent("line one"),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.KeyEvent("line two"),
	)
	if v := chattest.Eval[string](t, ann, `document.getElementById('composer').value`); v != "line one\nline two" {
		t.Fatalf("after Shift+Enter the composer holds %q, want a line break and no send", v)
	}
	if n := chattest.Eval[int](t, ann, `document.querySelectorAll('#timeline .entry.msg').length`); n != 0 {
		t.Fatalf("Shift+Enter sent the message (%d entries)", n)
	}

	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .entry.msg:not(.pending) .body')].some(b =>
		b.querySelector('br') && b.innerText === 'line one\nline two')`)
	if v := chattest.Eval[string](t, ann, `document.getElementById('composer').value`); v != "" {
		t.Errorf("composer holds %q after Enter sent it", v)
	}
	chattest.Screenshot(t, ann, "multiline")

	t.Run("a notice keeps the draft", func(t *testing.T) {
		chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "my unsent draft"))
		chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), "bad/room"), chromedp.Click(chromedp.ID("join-submit")))
		waitJS(t, ann, `document.getElementById('notice')?.textContent.includes('room name may not contain')`)
		chattest.Screenshot(t, ann, "refused-room")
		if got := chattest.Eval[string](t, ann, `document.getElementById('composer').value`); got != "my unsent draft" {
			t.Errorf("the composer draft is lost when a notice appears: it holds %q, want %q "+
				"(app/ui/view.go:20 inserts #notice before the panes, so go-app replaces the panes and the textarea)", got, "my unsent draft")
		}
	})
}

func TestBrowserNameTaken(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	people(t, b, s.URL, "Ann")
	other := b.Tab(t)
	openChat(t, other, s.URL)

	submitName(t, other, "ann")
	waitJS(t, other, `document.getElementById('notice')?.textContent.includes('taken')`)
	if !isJS(t, other, `!!document.getElementById('name-form') && !document.getElementById('me')`) {
		t.Error("a refused name left the name form")
	}
	chattest.Screenshot(t, other, "taken")
	t.Run("the refused name stays in the field to edit", func(t *testing.T) {
		if got := chattest.Eval[string](t, other, `document.getElementById('name-input').value`); got != "ann" {
			t.Errorf("the refused name is wiped from #name-input (it holds %q) when the notice appears "+
				"(app/ui/view.go:20: #notice is inserted before the name form, so go-app replaces the form)", got)
		}
	})

	// Another name works and clears the message.
	pickName(t, other, "Ann2")
	waitJS(t, other, `!document.getElementById('notice')`)
}

func TestBrowserDisconnectAndResume(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, bob, "before")
	waitJS(t, ann, delivered("Bob", "before"))

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, ann, `document.getElementById('status').dataset.state === 'offline'`)
	waitJS(t, ann, `document.getElementById('conn-toggle').textContent === 'Reconnect'`)

	// Meanwhile Bob writes, and Ann writes into her outbox.
	say(t, bob, "while you were away 1")
	say(t, bob, "while you were away 2")
	waitJS(t, bob, delivered("Bob", "while you were away 2"))
	say(t, ann, "written offline")
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .entry.pending')].some(e =>
		e.querySelector('.body')?.textContent === 'written offline' && e.querySelector('.pending-status')?.textContent === 'waiting for the connection')`)
	if isJS(t, ann, pageHas("while you were away")) {
		t.Error("an offline tab received messages")
	}
	chattest.Screenshot(t, ann, "offline")

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, ann, `document.getElementById('status').dataset.state === 'online'`)
	waitJS(t, ann, `document.getElementById('conn-toggle').textContent === 'Disconnect'`)
	waitJS(t, ann, delivered("Bob", "while you were away 2"))
	waitJS(t, ann, delivered("Ann", "written offline"))
	waitJS(t, bob, delivered("Ann", "written offline"))
	got := chattest.Eval[[]string](t, ann, `[...document.querySelectorAll('#timeline .entry.msg .body')].map(b => b.textContent)`)
	want := []string{"before", "while you were away 1", "while you were away 2", "written offline"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after reconnecting Ann's timeline = %q, want %q (in order, once each)", got, want)
	}
	if n := chattest.Eval[int](t, bob, countOf("written offline")); n != 1 {
		t.Errorf("Bob sees the outbox message %d times, want 1", n)
	}
	chattest.Screenshot(t, ann, "resumed")
}

func TestBrowserLanguage(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := people(t, b, s.URL, "Ann")[0]
	if got := chattest.Eval[string](t, ann, `document.getElementById('send').textContent`); got != "Send" {
		t.Fatalf("send button = %q, want Send", got)
	}

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("lang")))
	waitJS(t, ann, `document.getElementById('send').textContent === '发送'`)
	for _, c := range []struct{ name, expr, want string }{
		{"page language", `document.documentElement.lang`, "zh"},
		{"title", `document.querySelector('.topbar h1').textContent`, "聊天"},
		{"status", `document.getElementById('status').textContent`, "在线"},
		{"language button", `document.getElementById('lang').textContent`, "English"},
		{"join button", `document.getElementById('join-submit').textContent`, "加入"},
	} {
		if got := chattest.Eval[string](t, ann, c.expr); got != c.want {
			t.Errorf("in Chinese, %s = %q, want %q", c.name, got, c.want)
		}
	}
	chattest.Screenshot(t, ann, "chinese")
	t.Run("buttons keep their label on one line", func(t *testing.T) {
		if got := chattest.Eval[[]string](t, ann, wrappedButtons); len(got) > 0 {
			t.Errorf("in Chinese these buttons break their label over two lines: %q (build/web/chat.css:117, .join-form .row: the button shrinks to one CJK character)", got)
		}
	})

	// The choice survives a reload.
	chattest.Do(t, ann, chromedp.Reload())
	waitJS(t, ann, `!document.getElementById('app-wasm-loader') && document.getElementById('send')?.textContent === '发送'`)

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("lang")))
	waitJS(t, ann, `document.getElementById('send').textContent === 'Send' && document.documentElement.lang === 'en'`)
	if got := chattest.Eval[[]string](t, ann, wrappedButtons); len(got) > 0 {
		t.Errorf("in English these buttons break their label over two lines: %q", got)
	}
	chattest.Screenshot(t, ann, "english")
}

// On a narrow screen one pane shows at a time, chosen with the tabs.
func TestBrowserNarrowScreen(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := b.Tab(t)
	chattest.Do(t, ann, chromedp.EmulateViewport(390, 760, chromedp.EmulateMobile))
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")

	shown := func() string {
		t.Helper()
		return chattest.Eval[string](t, ann, `['rooms', 'conversation', 'people'].filter(id => {
			const e = document.getElementById(id);
			return e && getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().width > 0;
		}).join(',')`)
	}
	if got := shown(); got != "conversation" {
		t.Errorf("narrow screen shows %q at first, want conversation only", got)
	}
	chattest.Screenshot(t, ann, "chat")
	t.Run("top bar labels stay on one line", func(t *testing.T) {
		if got := chattest.Eval[[]string](t, ann, wrappedButtons); len(got) > 0 {
			t.Errorf("on a 390 px screen these labels break over two lines: %q "+
				"(build/web/chat.css: buttons and .status may wrap; the top bar does not fit)", got)
		}
	})
	for _, tc := range []struct{ name, pane, want string }{
		{name: "people", pane: "people", want: "people"},
		{name: "rooms", pane: "rooms", want: "rooms"},
	} {
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.tab[data-pane=`+jsString(tc.pane)+`]`)))
		waitJS(t, ann, `document.querySelector('.tab[data-pane=`+jsString(tc.pane)+`]').getAttribute('aria-pressed') === 'true'`)
		if got := shown(); got != tc.want {
			t.Errorf("after the %s tab the screen shows %q, want %q", tc.name, got, tc.want)
		}
		chattest.Screenshot(t, ann, tc.name)
	}
	// Picking a conversation goes back to it.
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.conv-item[data-conv]`)))
	waitJS(t, ann, `document.querySelector('.tab[data-pane="chat"]').getAttribute('aria-pressed') === 'true'`)
	if got := shown(); got != "conversation" {
		t.Errorf("after picking a conversation the screen shows %q, want conversation", got)
	}
}

// TestBrowserCrowdedRoomShowsACount: above the presence limit a room shows
// how many are online instead of a notice per arrival; the count is renewed
// with the next frame the page gets.
func TestBrowserCrowdedRoomShowsACount(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	opts := fast()
	opts.PresenceLimit, opts.RosterInterval = 2, 100*time.Millisecond
	s, b := chattest.New(t, opts), chattest.NewBrowser(t)
	ann := people(t, b, s.URL, "Ann")[0]
	count := func(n int) string {
		return fmt.Sprintf(`document.querySelector('.conv-header .count')?.textContent === '%d online' &&
			document.querySelector('#people h2')?.textContent === 'Online (%d)'`, n, n)
	}
	waitJS(t, ann, count(1))

	crowd := make([]*chattest.Client, 3)
	for i, name := range []string{"Bob", "Cid", "Dan"} {
		crowd[i] = s.User(t, name)
	}
	// say has Bob write in the lobby: the page's next frame.
	n := uint64(0)
	say := func(text string) {
		n++
		crowd[0].Send(&chat.Send{ID: chat.MsgID{Device: "bob-device", N: n}, Conv: "r:lobby", Text: text})
		waitJS(t, ann, delivered("Bob", text))
	}
	// countBecomes has Bob write until the renewed roster comes with one of
	// his messages (it rides on the first frame after a RosterInterval
	// tick). Each message is awaited on the page, which paces the loop.
	countBecomes := func(n int) {
		t.Helper()
		for i := 0; ; i++ {
			say(fmt.Sprintf("message %d", i))
			if isJS(t, ann, count(n)) {
				return
			}
			if time.Duration(i)*opts.RosterInterval > wait {
				t.Fatalf("the page does not show %d online after %d messages", n, i+1)
			}
		}
	}
	countBecomes(4)
	if more := chattest.Eval[string](t, ann, `document.getElementById('people-more')?.textContent`); more != "and 2 more" {
		t.Errorf("the people pane lists 2 of 4 and says %q, want %q", more, "and 2 more")
	}
	// Bob arrived while the lobby was small; Cid and Dan into a crowd.
	joined := chattest.Eval[[]string](t, ann, `[...document.querySelectorAll('#timeline .presence.joined')].map(e => e.textContent.split(' ')[0])`)
	if fmt.Sprint(joined) != "[Bob]" {
		t.Errorf("arrival notices %v, want only Bob's", joined)
	}
	chattest.Screenshot(t, ann, "crowd")

	crowd[2].Conn.Close(websocket.StatusNormalClosure, "")
	countBecomes(3)
}

// TestBrowserIsolatesBidiText: a right-to-left name and a bidi override in
// a message cannot reorder the page around them, and a link that holds an
// override opens what it shows.
func TestBrowserIsolatesBidiText(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := people(t, b, s.URL, "Ann")[0]
	// A client of its own: a browser's keyboard would not type U+202E.
	sara := s.User(t, "שרה")
	const trick = "see http://a.example/\u202e/gpj.exe now"
	sara.Send(&chat.Send{ID: chat.MsgID{Device: "sara-device", N: 1}, Conv: hub.LobbyID, Text: trick})
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .entry.msg')].some(e => e.textContent.includes('gpj.exe'))`)
	links := chattest.Eval[[]string](t, ann, `[...document.querySelectorAll('#timeline .body a')].map(a => a.getAttribute('href') + ' ' + a.textContent)`)
	if len(links) != 1 || links[0] != "http://a.example/ http://a.example/" {
		t.Errorf("links = %q, want the link to end at the override", links)
	}
	for _, sel := range []string{"#timeline .from", "#timeline .body", ".person-name"} {
		if got := chattest.Eval[string](t, ann, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).unicodeBidi`); got != "plaintext" {
			t.Errorf("%s: unicode-bidi %q, want plaintext (isolated)", sel, got)
		}
	}
	if got := chattest.Eval[string](t, ann, `document.querySelector('#timeline .body').getAttribute('dir')`); got != "auto" {
		t.Errorf("message dir = %q, want auto", got)
	}
	chattest.Screenshot(t, ann, "bidi")
}

// TestBrowserNameFormSaysWhenANameIsReleased: where a name is picked, the
// page says that a name without a password is released after the server's
// period (-name-release, 30 days by default), in English and Chinese.
func TestBrowserNameFormSaysWhenANameIsReleased(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tab := b.Tab(t)
	openChat(t, tab, s.URL)
	waitJS(t, tab, `!!document.getElementById('name-release')`)
	if got := chattest.Eval[string](t, tab, `document.getElementById('name-release').textContent`); !strings.Contains(got, "unused for 30 days becomes free") {
		t.Errorf("the name form's release hint = %q", got)
	}
	if got := chattest.Eval[string](t, tab, `document.getElementById('name-input').getAttribute('aria-describedby')`); got != "name-hint name-release" {
		t.Errorf("the name field is described by %q", got)
	}
	chattest.Do(t, tab, chromedp.Click(chromedp.ID("lang")))
	waitJS(t, tab, `document.getElementById('name-release')?.textContent.includes('30 天未使用')`)
	chattest.Screenshot(t, tab, "name-form-release")
}

// TestBrowserListsActOnWhatTheyShow: a button reused for another item, when
// a list changes under it or the conversation shown changes, acts on what
// it shows now (go-app keeps a handler whose code is unchanged unless its
// event scope differs). Bob leaves, so Cid takes his place in Ann's people
// list: clicking Cid opens Cid. Ann views #alpha, then #beta: Leave leaves
// #beta.
func TestBrowserListsActOnWhatTheyShow(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob", "Cid")
	ann, bob := tabs[0], tabs[1]
	const cidBtn = `#people .person[data-name="Cid"] .person-btn`
	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Bob"]') && !!document.querySelector(`+jsString(cidBtn)+`)`)
	if err := chromedp.Cancel(bob); err != nil {
		t.Fatalf("closing Bob's tab: %v", err)
	}
	waitJS(t, ann, `!document.querySelector('#people .person[data-name="Bob"]')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(cidBtn)))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Cid'`)

	for _, room := range []string{"alpha", "beta"} {
		chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), room), chromedp.Click(chromedp.ID("join-submit")))
		waitJS(t, ann, `!!(`+convItem("# "+room)+`)`)
	}
	openConv(t, ann, "# alpha")
	waitJS(t, ann, `!!document.getElementById('leave')`)
	openConv(t, ann, "# beta")
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("leave")))
	waitJS(t, ann, `!(`+convItem("# beta")+`)`)
	if !isJS(t, ann, `!!(`+convItem("# alpha")+`)`) {
		t.Error("Leave in #beta left #alpha")
	}
}
