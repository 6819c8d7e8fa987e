package server_test

// Browser tests of what makes the chat pleasant and accessible: layouts and
// themes (with screenshots), the keyboard, mentions, notifications, the live
// region and an automated accessibility check with axe-core.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/server/chattest"
)

// colorScheme makes tab's system prefer the light or the dark theme.
func colorScheme(t *testing.T, tab context.Context, scheme string) {
	t.Helper()
	_, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		t.Fatalf("emulating prefers-color-scheme: %s: %v", scheme, err)
	}
}

// viewport sizes tab's window; narrow ones are phones.
func viewport(t *testing.T, tab context.Context, width, height int64) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if width < 700 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	chattest.Do(t, tab, chromedp.EmulateViewport(width, height, opts...))
}

// grantNotifications lets the pages of url in tab's browser context show
// notifications, as a person who allowed them would have.
func grantNotifications(t *testing.T, tab context.Context, url string) {
	t.Helper()
	_, err := chromedp.CallBrowser(tab, browser.SetPermission, browser.SetPermissionParams{
		Permission:       &browser.PermissionDescriptor{Name: "notifications"},
		Setting:          browser.PermissionSettingGranted,
		Origin:           strings.TrimSuffix(url, "/"),
		BrowserContextID: chromedp.FromContext(tab).BrowserContextID,
	})
	if err != nil {
		t.Fatalf("granting notifications: %v", err)
	}
}

// setHidden makes the page in tab hidden or shown, as switching tabs does.
// Headless Chromium keeps every page visible, so this overrides
// document.visibilityState and fires visibilitychange, which is all the app
// reads (app/ui/browser.go).
func setHidden(t *testing.T, tab context.Context, hidden bool) {
	t.Helper()
	state := "visible"
	if hidden {
		state = "hidden"
	}
	chattest.Eval[bool](t, tab, fmt.Sprintf(`(() => {
		Object.defineProperty(document, 'visibilityState', {value: %q, configurable: true});
		Object.defineProperty(document, 'hidden', {value: %t, configurable: true});
		document.dispatchEvent(new Event('visibilitychange'));
		return true;
	})()`, state, hidden))
}

// shownNotification is a notification the page had its service worker show.
type shownNotification struct {
	Title, Body, Tag, Conv string
}

// recordNotifications makes tab keep, from its next page load on, every
// notification the page asks its service worker registration to show, and
// whether the browser showed it. The app's own call on the real
// registration is what is recorded: headless Chromium's getNotifications()
// sometimes lists none of those it showed a moment before, so reading it
// back made the test flaky.
func recordNotifications(t *testing.T, tab context.Context) {
	t.Helper()
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__notifications = [];
			if (window.ServiceWorkerRegistration) {
				const show = ServiceWorkerRegistration.prototype.showNotification;
				ServiceWorkerRegistration.prototype.showNotification = function (title, opts) {
					const n = {Title: title, Body: opts.body, Tag: opts.tag, Conv: (opts.data || {}).conv || '', State: 'pending'};
					window.__notifications.push(n);
					return show.call(this, title, opts).then(
						v => { n.State = 'shown'; return v; },
						e => { n.State = 'failed: ' + e; throw e; });
				};
			}`,
	}); err != nil {
		t.Fatalf("recording notifications: %v", err)
	}
}

// notifications returns the notifications the page had its service worker
// registration show (see recordNotifications), sorted by title. One the
// browser refused fails the test.
func notifications(t *testing.T, tab context.Context) []shownNotification {
	t.Helper()
	raw := chattest.Eval[string](t, tab, `JSON.stringify(window.__notifications || [])`)
	var all []struct {
		shownNotification
		State string
	}
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		t.Fatalf("notifications %s: %v", raw, err)
	}
	var out []shownNotification
	for _, n := range all {
		switch n.State {
		case "shown":
			out = append(out, n.shownNotification)
		case "pending":
		default:
			t.Fatalf("the browser did not show the notification %+v: %s", n.shownNotification, n.State)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out
}

// evalAsync evaluates expr in tab and waits for the promise it returns.
func evalAsync[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, wait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// keys types text into whatever has the focus, as a keyboard does.
func keys(t *testing.T, tab context.Context, text string, opts ...chromedp.KeyOption) {
	t.Helper()
	chattest.Do(t, tab, chromedp.KeyEvent(text, opts...))
}

// focused is a JavaScript expression: the id of the focused element.
const focused = `(document.activeElement?.id || '')`

// fromTop is a JavaScript expression that starts the keyboard's focus
// navigation at the top of the page, as after loading it.
const fromTop = `(() => {
	const top = document.querySelector('.topbar');
	top.tabIndex = -1;
	top.focus();
	top.removeAttribute('tabindex');
	return true;
})()`

func waitFocus(t *testing.T, tab context.Context, id string) {
	t.Helper()
	waitJS(t, tab, focused+` === `+jsString(id))
}

// TestBrowserKeyboardOnly: without the mouse, a person picks a name, sends,
// completes a mention, opens and joins conversations with Ctrl+K, returns
// with Ctrl+K and Enter, closes the switcher with Escape, and Tab moves the
// focus visibly in a sensible order.
func TestBrowserKeyboardOnly(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	bob := people(t, b, s.URL, "Bob")[0]
	ann := b.Tab(t)
	openChat(t, ann, s.URL)

	// The name field has the focus: type and press Enter.
	waitFocus(t, ann, "name-input")
	keys(t, ann, "Ann")
	keys(t, ann, kb.Enter) // with its char event, which submits a form
	waitJS(t, ann, `document.getElementById('me')?.textContent === 'Ann'`)

	// Then the composer has it.
	waitFocus(t, ann, "composer")
	keys(t, ann, "hello from the keyboard")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, bob, delivered("Ann", "hello from the keyboard"))

	t.Run("@ completes a name", func(t *testing.T) {
		keys(t, ann, "@bo")
		waitJS(t, ann, `[...document.querySelectorAll('#mention-list [role=option]')].map(o => o.dataset.name).join() === 'Bob'`)
		if got := chattest.Eval[string](t, ann, `document.getElementById('composer').getAttribute('aria-activedescendant')`); got != "mention-opt-0" {
			t.Errorf("the composer's aria-activedescendant = %q, want the first name", got)
		}
		chattest.Screenshot(t, ann, "mention-completion")
		chattest.Do(t, ann, chromedp.Func(pressEnter)) // takes the name, sends nothing
		waitJS(t, ann, `document.getElementById('composer').value === '@Bob ' && !document.getElementById('mention-list')`)
		keys(t, ann, "are you there?")
		chattest.Do(t, ann, chromedp.Func(pressEnter))
		waitJS(t, bob, delivered("Ann", "@Bob are you there?"))
		waitJS(t, bob, `!!document.querySelector('#timeline .entry.mentions-me .mention.mention-me')`)
	})

	t.Run("Escape closes the completion and keeps the text", func(t *testing.T) {
		keys(t, ann, "@b")
		waitJS(t, ann, `!!document.getElementById('mention-list')`)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('mention-list') && document.getElementById('composer').value === '@b'`)
		chattest.Eval[bool](t, ann, `(document.getElementById('composer').value = '') === ''`)
	})

	// Ctrl+K: type to filter, Enter joins a new room, the focus comes back
	// to the composer.
	keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFocus(t, ann, "switcher-input")
	if !isJS(t, ann, `document.getElementById('switcher').getAttribute('role') === 'dialog' && document.getElementById('switcher').getAttribute('aria-modal') === 'true'`) {
		t.Error("the switcher is not a modal dialog")
	}
	keys(t, ann, "group A")
	waitJS(t, ann, `document.querySelector('#switcher-list [aria-selected=true]')?.dataset.kind === 'join'`)
	chattest.Screenshot(t, ann, "switcher")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '# group A' && !document.getElementById('switcher')`)
	waitFocus(t, ann, "composer")
	keys(t, ann, "first in the room")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, delivered("Ann", "first in the room"))

	// Ctrl+K, Enter goes back to the conversation before.
	keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFocus(t, ann, "switcher-input")
	waitJS(t, ann, `document.querySelector('#switcher-list [aria-selected=true]')?.textContent.includes('lobby')`)
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '# lobby'`)
	waitFocus(t, ann, "composer")

	// Ctrl+K, a name and arrows: a private conversation with Bob.
	keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFocus(t, ann, "switcher-input")
	keys(t, ann, "@b")
	waitJS(t, ann, `[...document.querySelectorAll('#switcher-list [role=option]')].some(o => o.dataset.kind === 'person' && o.dataset.name === 'Bob')`)
	keys(t, ann, kb.ArrowDown)
	keys(t, ann, kb.ArrowUp)
	waitJS(t, ann, `document.querySelector('#switcher-list [aria-selected=true]')?.dataset.name === 'Bob'`)
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	keys(t, ann, "just us")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, bob, `!!(`+convItem("@ Ann")+`)`)

	t.Run("Escape closes the switcher and gives the focus back", func(t *testing.T) {
		waitFocus(t, ann, "composer")
		keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierMeta))
		waitFocus(t, ann, "switcher-input")
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('switcher')`)
		waitFocus(t, ann, "composer")
	})

	t.Run("Tab moves a visible focus in order", func(t *testing.T) {
		keys(t, ann, kb.Tab)
		waitFocus(t, ann, "send")
		if style := chattest.Eval[string](t, ann, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Error("the focused Send button shows no outline")
		}
		// From the top of the page the first stop is the skip link, which
		// shows itself and takes the focus to the composer.
		chattest.Eval[bool](t, ann, fromTop)
		keys(t, ann, kb.Tab)
		waitFocus(t, ann, "skip")
		if !isJS(t, ann, `(r => r.top >= 0 && r.height > 10)(document.getElementById('skip').getBoundingClientRect())`) {
			t.Error("the focused skip link is not visible")
		}
		chattest.Screenshot(t, ann, "skip-link")
		keys(t, ann, kb.Enter)
		waitFocus(t, ann, "composer")
		// Then the top bar, in reading order.
		chattest.Eval[bool](t, ann, fromTop)
		var order []string
		for range 9 {
			keys(t, ann, kb.Tab)
			order = append(order, chattest.Eval[string](t, ann, focused))
		}
		want := "skip,switcher-btn,search-btn,notify-btn,theme-btn,lang,account-btn,conn-toggle"
		if got := strings.Join(order, ","); !strings.HasPrefix(got, want) {
			t.Errorf("Tab order = %s, want it to start %s", got, want)
		}
	})

	t.Run("Alt+arrows go through the conversations", func(t *testing.T) {
		waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
		keys(t, ann, kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt))
		waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '# group A'`)
		keys(t, ann, kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierAlt))
		waitJS(t, ann, `document.getElementById('conv-title')?.textContent === '@ Bob'`)
	})
}

// TestBrowserMentionsAndNotifications: a mention highlights the message for
// the one mentioned and counts as unread with a mention; while Bob's page is
// hidden, a mention and a private message raise notifications (read back
// from the service worker) and an ordinary message does not; the live region
// says what arrives; permission is asked only after a click.
func TestBrowserMentionsAndNotifications(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := b.Tab(t)
	bob := b.Tab(t)
	grantNotifications(t, bob, s.URL)
	recordNotifications(t, bob)
	chattest.Do(t, ann, chromedp.Navigate(s.URL))
	chattest.Do(t, bob, chromedp.Navigate(s.URL))
	waitOnline(t, ann)
	pickName(t, ann, "Ann")
	waitOnline(t, bob)
	pickName(t, bob, "Bob")

	// Bob allowed notifications in the browser: they are on.
	waitJS(t, bob, `document.getElementById('notify-btn')?.getAttribute('aria-pressed') === 'true'`)
	// The service worker shows them; wait until it runs.
	waitJS(t, bob, `!!navigator.serviceWorker.controller`)

	say(t, ann, "hello everyone")
	waitJS(t, bob, delivered("Ann", "hello everyone"))
	waitJS(t, bob, `[...document.querySelectorAll('#announcer p')].some(p => p.textContent === 'Ann: hello everyone')`)

	setHidden(t, bob, true)
	say(t, ann, "nothing for Bob")
	waitJS(t, bob, delivered("Ann", "nothing for Bob"))
	if got := notifications(t, bob); len(got) != 0 {
		t.Errorf("a message that does not mention Bob notified him: %+v", got)
	}

	say(t, ann, "@bob look at this")
	say(t, ann, "/msg Bob psst")
	if !chattest.Within(wait, func() bool { return len(notifications(t, bob)) == 2 }) {
		t.Fatalf("Bob has no two notifications: %+v (Bob's page: %s); Ann's timeline %v, Bob's conversations %v, Bob's timeline %v",
			notifications(t, bob), chattest.Eval[string](t, bob, `JSON.stringify({permission: Notification.permission, visibility: document.visibilityState,
				button: document.getElementById('notify-btn')?.getAttribute('aria-pressed'), controller: !!navigator.serviceWorker.controller,
				state: navigator.serviceWorker.controller?.state,
				announced: [...document.querySelectorAll('#announcer p')].map(p => p.textContent)})`),
			chattest.Eval[[]string](t, ann, bodies),
			chattest.Eval[[]string](t, bob, `[...document.querySelectorAll('.conv-item')].map(e => e.textContent)`),
			chattest.Eval[[]string](t, bob, bodies))
	}
	got := notifications(t, bob)
	if n := got[0]; n.Title != "Ann (private)" || n.Body != "psst" || !strings.HasPrefix(n.Conv, "p:") || n.Tag != n.Conv {
		t.Errorf("private notification = %+v", n)
	}
	if n := got[1]; n.Title != "Ann mentioned you in # lobby" || n.Body != "@bob look at this" || n.Conv != "r:lobby" || n.Tag != "r:lobby" {
		t.Errorf("mention notification = %+v", n)
	}

	// While hidden nothing is read: the lobby counts its unread messages,
	// marked as mentioning Bob, and so does the title.
	waitJS(t, bob, `!!(`+convItem("# lobby")+`)?.querySelector('.unread.mention') && !!(`+convItem("# lobby")+`).querySelector('.mention-mark')`)
	waitJS(t, bob, `/^\(\d+\) Chat$/.test(document.title)`)
	if label := chattest.Eval[string](t, bob, `(`+convItem("# lobby")+`).textContent`); !strings.Contains(label, "unread, mentions you") {
		t.Errorf("the lobby's name %q does not say it mentions Bob", label)
	}
	// The live region told him too.
	waitJS(t, bob, `[...document.querySelectorAll('#announcer p')].some(p => p.textContent === 'Private message from Ann: psst')`)
	chattest.Screenshot(t, bob, "hidden-with-mention")

	// The mention stands out for Bob only.
	waitJS(t, bob, `[...document.querySelectorAll('#timeline .entry.msg.mentions-me')].some(e =>
		e.querySelector('.mention.mention-me')?.textContent === '@bob' && e.querySelector('.mention-tag'))`)
	openConv(t, ann, "# lobby") // the /msg showed Ann the private conversation
	waitJS(t, ann, delivered("Ann", "@bob look at this"))
	if isJS(t, ann, `!!document.querySelector('#timeline .mentions-me, #timeline .mention-me')`) {
		t.Error("Ann's own mention of Bob is highlighted for her")
	}
	if !isJS(t, ann, `[...document.querySelectorAll('#timeline .mention')].some(m => m.textContent === '@bob' && m.dataset.user === 'bob')`) {
		t.Error("Ann does not see @bob as a mention")
	}

	// Shown again: the lobby is read, and a private message raises nothing.
	setHidden(t, bob, false)
	waitJS(t, bob, `!(`+convItem("# lobby")+`).querySelector('.unread') && document.title === '(1) Chat'`) // psst is unread
	say(t, ann, "/msg Bob seen live")
	waitJS(t, bob, `(`+convItem("@ Ann")+`)?.querySelector('.unread.mention')?.textContent === '2'`)
	for _, n := range notifications(t, bob) {
		if n.Body == "seen live" {
			t.Errorf("a visible page was notified: %+v", n)
		}
	}
	chattest.Screenshot(t, bob, "private-unread")

	t.Run("permission is asked after a click, never on load", func(t *testing.T) {
		cid := b.Tab(t)
		if _, err := chromedp.Call(cid, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__asked = 0;
				if (window.Notification) {
					Notification.requestPermission = function () { window.__asked++; return Promise.resolve('denied'); };
				}`,
		}); err != nil {
			t.Fatalf("installing the counter: %v", err)
		}
		openChat(t, cid, s.URL)
		pickName(t, cid, "Cid")
		waitJS(t, cid, `document.getElementById('notify-btn')?.getAttribute('aria-pressed') === 'false'`)
		if n := chattest.Eval[int](t, cid, `window.__asked`); n != 0 {
			t.Fatalf("the page asked for permission %d times without a click", n)
		}
		chattest.Do(t, cid, chromedp.Click(chromedp.ID("notify-btn")))
		waitJS(t, cid, `window.__asked === 1`)
		// The browser said no: the app says where to change it.
		waitJS(t, cid, `document.getElementById('notice')?.textContent.includes('blocked')`)
	})
}

// TestBrowserThemesAndLayouts: the wide and the narrow layout render in the
// light and the dark theme, following the system; the theme button
// overrides the system and its choice survives a reload.
func TestBrowserThemesAndLayouts(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob", "Cid")
	ann, bob, cid := tabs[0], tabs[1], tabs[2]

	// Something to look at: a room with unread messages, a private
	// conversation, a mention, grouped messages, presence.
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("join-input"), "design review"), chromedp.Click(chromedp.ID("join-submit")))
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), "design review"), chromedp.Click(chromedp.ID("join-submit")))
	waitJS(t, bob, `!!(`+convItem("# design review")+`)`)
	openConv(t, bob, "# design review")
	say(t, bob, "The new colors are in.")
	say(t, bob, "Light and dark, both AA.")
	say(t, cid, "Morning all! Who has the build today?")
	say(t, bob, "@Ann can you look at the narrow layout? https://example.com/layout")
	say(t, cid, "/msg Ann lunch at noon?")
	say(t, ann, "Sure, on it.")
	waitJS(t, ann, delivered("Cid", "Morning all! Who has the build today?"))
	waitJS(t, ann, `(`+convItem("# design review")+`)?.querySelector('.unread.mention')?.textContent === '3'`)
	waitJS(t, ann, `(`+convItem("@ Cid")+`)?.querySelector('.unread')?.textContent === '1'`)

	background := func() string {
		return chattest.Eval[string](t, ann, `getComputedStyle(document.body).backgroundColor`)
	}
	lum := func(css string) float64 {
		var r, g, b float64
		fmt.Sscanf(css, "rgb(%f, %f, %f)", &r, &g, &b)
		return (0.2126*r + 0.7152*g + 0.0722*b) / 255
	}
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		bg := lum(background())
		if scheme == "dark" && bg > 0.2 || scheme == "light" && bg < 0.8 {
			t.Errorf("with a %s system the page background is %s", scheme, background())
		}
		for _, l := range []struct {
			name          string
			width, height int64
		}{{"wide", 1280, 800}, {"narrow", 390, 780}} {
			viewport(t, ann, l.width, l.height)
			waitJS(t, ann, `!!document.getElementById('timeline')`)
			chattest.Screenshot(t, ann, scheme+"-"+l.name)
			if got := chattest.Eval[[]string](t, ann, wrappedButtons); len(got) > 0 {
				t.Errorf("%s %s: these buttons break their label over two lines: %q", scheme, l.name, got)
			}
			if l.name == "narrow" {
				chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.tab[data-pane="rooms"]`)))
				waitJS(t, ann, `getComputedStyle(document.getElementById('rooms')).display !== 'none'`)
				chattest.Screenshot(t, ann, scheme+"-narrow-rooms")
				// Escape goes back to the conversation.
				keys(t, ann, kb.Escape)
				waitJS(t, ann, `document.querySelector('.tab[data-pane="chat"]').getAttribute('aria-pressed') === 'true'`)
			}
		}
		viewport(t, ann, 1280, 800)
		openConv(t, ann, "# design review")
		chattest.Screenshot(t, ann, scheme+"-mention")
		keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFocus(t, ann, "switcher-input")
		chattest.Screenshot(t, ann, scheme+"-switcher")
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('switcher')`)
		openConv(t, ann, "# lobby")
	}

	t.Run("the theme button overrides the system and is kept", func(t *testing.T) {
		colorScheme(t, ann, "light")
		theme := func() string {
			return chattest.Eval[string](t, ann, `document.documentElement.dataset.theme || 'system'`)
		}
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("theme-btn")))
		waitJS(t, ann, `document.documentElement.dataset.theme === 'light'`)
		waitJS(t, ann, `document.getElementById('theme-btn').dataset.theme === 'light'`)
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("theme-btn")))
		waitJS(t, ann, `document.documentElement.dataset.theme === 'dark'`)
		if bg := lum(background()); bg > 0.2 {
			t.Errorf("the dark theme chosen on a light system shows %s", background())
		}
		if label := chattest.Eval[string](t, ann, `document.getElementById('theme-btn').getAttribute('aria-label')`); !strings.Contains(label, "dark") {
			t.Errorf("the theme button's label %q does not say dark", label)
		}
		chattest.Do(t, ann, chromedp.Reload())
		// theme.js applies the choice before the app runs.
		if got := theme(); got != "dark" {
			t.Errorf("after a reload the theme is %s before the app starts, want dark", got)
		}
		waitOnline(t, ann)
		if got := theme(); got != "dark" {
			t.Errorf("after a reload the theme is %s, want dark", got)
		}
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("theme-btn")))
		waitJS(t, ann, `!document.documentElement.dataset.theme && localStorage.getItem('chat.theme') === null`)
		if bg := lum(background()); bg < 0.8 {
			t.Errorf("back to the (light) system's theme, the background is %s", background())
		}
	})
}

// axeSource returns axe-core's script: $AXE_CORE, or what `make axe` put
// in .cache/ at the module root.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE")
	if path == "" {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(chattest.ArtifactsDir()), ".cache", "axe-*", "node_modules", "axe-core", "axe.min.js"))
		sort.Strings(matches)
		if len(matches) == 0 {
			t.Fatal("axe-core is missing: run `make axe` (make test does), or set AXE_CORE to axe.min.js")
		}
		path = matches[len(matches)-1]
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading axe-core: %v", err)
	}
	return string(src)
}

// axeViolation is one rule that axe found broken, with where.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// checkAccessibility runs axe-core's WCAG 2.1 A and AA rules on the page in
// tab and fails the test on every serious or critical violation.
func checkAccessibility(t *testing.T, tab context.Context, axe, what string) {
	t.Helper()
	if !isJS(t, tab, `typeof window.axe === 'object'`) {
		chattest.Eval[bool](t, tab, axe+"\n;true")
	}
	raw := evalAsync[string](t, tab, `axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
		resultTypes: ['violations'],
	}).then(r => JSON.stringify(r.violations))`)
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatalf("axe's answer %s: %v", raw, err)
	}
	for _, v := range violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			t.Logf("%s: %s (%s) on %d elements", what, v.ID, v.Impact, len(v.Nodes))
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		t.Errorf("%s: %s (%s): %s\n\t%s", what, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
	}
	if t.Failed() {
		chattest.Screenshot(t, tab, "axe-"+strings.ReplaceAll(what, " ", "-"))
	}
}

// TestBrowserAccessibility: axe-core finds no serious or critical WCAG 2.1 AA
// problem (contrast included) on the name form and the chat, in the light
// and the dark theme, wide and narrow, with the switcher, the mention
// list, the composer's uploads and the image viewer open, and the room
// panel and an invitation (moderation).
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s, b := chatSetup(t)

	fresh := b.Tab(t)
	openChat(t, fresh, s.URL)
	waitJS(t, fresh, `!!document.getElementById('name-input')`)
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, fresh, scheme)
		checkAccessibility(t, fresh, axe, "name form, "+scheme)
	}

	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, bob, "@Ann welcome! Docs: https://example.com/docs")
	say(t, bob, "/msg Ann a private word")
	say(t, ann, "thanks")
	waitJS(t, ann, delivered("Ann", "thanks"))
	waitJS(t, ann, `!!(`+convItem("@ Bob")+`)?.querySelector('.unread')`)
	picture := writePNG(t, t.TempDir(), "picture.png", 600, 400)
	attachByButton(t, ann, picture)
	waitJS(t, ann, uploadsDone(1))
	say(t, ann, "a picture")
	waitJS(t, ann, thumbShown("a picture"))
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
	waitJS(t, ann, `!!(`+convItem("# group A")+`)`)
	// Moderation (browser_moderation_test.go): Bob's invite-only room
	// invites Ann, whose page shows the invitation from now on.
	joinRoom(t, bob, "attic")
	openRoomPanel(t, bob)
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("invite-only")))
	waitJS(t, bob, `!!document.getElementById('invite-name')`)
	invite(t, bob, "Ann")
	waitJS(t, ann, `!!document.querySelector('.invitation[data-conv="r:attic"]')`)

	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		viewport(t, ann, 1280, 800)
		openConv(t, ann, "# lobby") // the picture and Ann's messages; the room panel below opens # group A
		checkAccessibility(t, ann, axe, "chat, wide, "+scheme)

		attachByButton(t, ann, picture) // the paperclip's uploads
		waitJS(t, ann, uploadsDone(1))
		checkAccessibility(t, ann, axe, "uploads, "+scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#uploads .upload-cancel`)))
		waitJS(t, ann, `!document.getElementById('uploads')`)
		// A file waiting for the connection (browser_offline_files_test.go).
		checkWaitingFiles(t, ann, s.URL, axe, picture, scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.entry.msg .file-thumb`))) // the image viewer
		waitFocus(t, ann, "viewer")
		checkAccessibility(t, ann, axe, "image viewer, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('viewer')`)

		keys(t, ann, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFocus(t, ann, "switcher-input")
		checkAccessibility(t, ann, axe, "switcher, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('switcher')`)

		keys(t, ann, "f", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFocus(t, ann, "search-input")
		searchFor(t, ann, "thanks")
		waitJS(t, ann, `document.querySelectorAll('#search-results .search-hit').length > 0`)
		chattest.Eval[bool](t, ann, `(document.querySelector('#search .search-filters').open = true)`)
		checkAccessibility(t, ann, axe, "search with results, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('search')`)

		chattest.Do(t, ann, chromedp.Focus(chromedp.ID("composer")))
		keys(t, ann, "@")
		waitJS(t, ann, `!!document.getElementById('mention-list')`)
		checkAccessibility(t, ann, axe, "mention list, "+scheme)
		keys(t, ann, kb.Escape)
		chattest.Eval[bool](t, ann, `(document.getElementById('composer').value = '') === ''`)

		chattest.Do(t, ann, chromedp.Click(chromedp.ID("account-btn")))
		waitJS(t, ann, `!!document.getElementById('account-panel')`)
		waitFocus(t, ann, "password-new") // the panel takes the focus
		checkAccessibility(t, ann, axe, "account panel, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('account-panel')`)
		waitFocus(t, ann, "account-btn") // and gives it back

		// The message actions: the bar of a focused message, a reaction,
		// the picker, the delete dialog, the composer's reply chip.
		mine := chattest.Poll[string](t, ann, `[...document.querySelectorAll('#timeline .entry.msg.mine:not(.pending):not(.deleted)')].pop()?.dataset.seq || ''`, wait)
		chattest.Do(t, ann, chromedp.Focus(chromedp.ID("act-react-"+mine)))
		keys(t, ann, kb.Enter)
		waitJS(t, ann, `!!document.getElementById('emoji-picker')`)
		if !isJS(t, ann, `!!document.querySelector('#timeline .entry.msg[data-seq="`+mine+`"] .reaction')`) {
			chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#emoji-picker .pick-emoji`)))
			waitJS(t, ann, `!!document.querySelector('#timeline .entry.msg[data-seq="`+mine+`"] .reaction:not(.pending)')`)
			chattest.Do(t, ann, chromedp.Click(chromedp.ID("act-react-"+mine)))
			waitJS(t, ann, `!!document.getElementById('emoji-picker')`)
		}
		checkAccessibility(t, ann, axe, "action bar, reactions and picker, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('emoji-picker')`)
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("act-reply-"+mine)))
		waitJS(t, ann, `!!document.getElementById('composer-mode')`)
		checkAccessibility(t, ann, axe, "reply chip, "+scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("composer-mode-cancel")))
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("act-del-"+mine)))
		waitFocus(t, ann, "delete-cancel")
		checkAccessibility(t, ann, axe, "delete dialog, "+scheme)
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('delete-dialog')`)

		openConv(t, ann, "# group A")
		openRoomPanel(t, ann)
		checkAccessibility(t, ann, axe, "room panel and invitation, "+scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("room-panel-btn")))
		waitJS(t, ann, `!document.getElementById('room-panel')`)

		viewport(t, ann, 390, 780)
		checkAccessibility(t, ann, axe, "chat, narrow, "+scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.tab[data-pane="rooms"]`)))
		waitJS(t, ann, `getComputedStyle(document.getElementById('rooms')).display !== 'none'`)
		checkAccessibility(t, ann, axe, "rooms, narrow, "+scheme)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`.tab[data-pane="chat"]`)))
	}

	// Typing and "Seen" where they show (browser_typing_test.go): Ann's
	// private message read by Bob, and Bob typing to her.
	viewport(t, ann, 1280, 800)
	openConv(t, ann, "@ Bob")
	say(t, ann, "seen by Bob")
	waitJS(t, ann, delivered("Ann", "seen by Bob"))
	openConv(t, bob, "@ Ann")
	waitJS(t, ann, seenUnder("seen by Bob"))
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		typeKeys(t, bob, "x")
		waitJS(t, ann, typingLine+` === 'Bob is typing…'`)
		checkAccessibility(t, ann, axe, "typing and seen, "+scheme)
		chattest.Screenshot(t, ann, "typing-seen-"+scheme)
	}
}
