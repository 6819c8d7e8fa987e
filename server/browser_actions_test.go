package server_test

// Browser tests of replies, edits, deletes and reactions (app/ui/actions.go,
// reactions.go): two people in headless Chromium, the real server and
// client. Waits are for DOM states, never for a time.

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// msgWith is a JavaScript expression: the delivered message entry whose
// body reads text, or undefined.
func msgWith(text string) string {
	return `[...document.querySelectorAll('#timeline .entry.msg:not(.pending)')].find(e => e.querySelector('.body')?.textContent === ` + jsString(text) + `)`
}

// seqOf waits for the delivered message reading text and returns its
// sequence.
func seqOf(t *testing.T, tab context.Context, text string) uint64 {
	t.Helper()
	s := chattest.Poll[string](t, tab, `(`+msgWith(text)+`)?.dataset.seq || ''`, wait)
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("sequence %q of %q: %v", s, text, err)
	}
	return seq
}

// msgEntryJS is a JavaScript expression: the message entry of sequence seq.
func msgEntryJS(seq uint64) string {
	return fmt.Sprintf(`document.querySelector('#timeline .entry.msg[data-seq="%d"]')`, seq)
}

// click clicks the element with id.
func click(t *testing.T, tab context.Context, id string) {
	t.Helper()
	waitJS(t, tab, `!!document.getElementById(`+jsString(id)+`)`)
	chattest.Do(t, tab, chromedp.Click(chromedp.ID(id)))
}

// clickUntil clicks the element that the CSS selector sel finds until the
// JavaScript expression done holds. Offline, the timeline renders again as
// the connection's state changes, and a click that lands meanwhile is
// lost: it is made again while done does not hold 5 s after the last.
func clickUntil(t *testing.T, tab context.Context, sel, done string) {
	t.Helper()
	chattest.Eval[bool](t, tab, `(window.chatClickAt = 0, true)`)
	chattest.Do(t, tab, chromedp.Click(chromedp.CSS(sel)))
	waitJS(t, tab, `(() => {
		if (`+done+`) return true;
		const now = Date.now();
		if (!window.chatClickAt) window.chatClickAt = now;
		if (now - window.chatClickAt > 5000) {
			window.chatClickAt = now;
			document.querySelector(`+jsString(sel)+`)?.click();
		}
		return false;
	})()`)
}

// openPicker opens the emoji picker of message seq as a click on its
// React button does (clickUntil: offline a click may be lost).
func openPicker(t *testing.T, tab context.Context, seq uint64) {
	t.Helper()
	clickUntil(t, tab, "#"+actBtn("react", seq), `!!document.getElementById('emoji-picker')`)
}

func actBtn(what string, seq uint64) string { return fmt.Sprintf("act-%s-%d", what, seq) }

// composerIs is a JavaScript expression: the composer holds text.
func composerIs(text string) string {
	return `document.getElementById('composer').value === ` + jsString(text)
}

// setComposer replaces what the composer holds, as typing would leave it.
func setComposer(t *testing.T, tab context.Context, text string) {
	t.Helper()
	chattest.Eval[bool](t, tab, `(document.getElementById('composer').value = `+jsString(text)+`, true)`)
	chattest.Do(t, tab, chromedp.Focus(chromedp.ID("composer")))
}

// fill has raw client c post n messages to the lobby, "filler from+1"
// and on.
func fill(t *testing.T, c *chattest.Client, device string, n, from int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		id := chat.MsgID{Device: device, N: uint64(i)}
		c.Send(&chat.Send{ID: id, Conv: hub.LobbyID, Text: fmt.Sprintf("filler %d", from+i)})
		chattest.Expect(c, func(a *chat.Ack) bool { return a.ID == id })
	}
}

func TestBrowserReplyAndJumpToTheQuote(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, bob, "the original question")
	orig := seqOf(t, ann, "the original question")

	// More than a page follows (three people, each below the rate limit),
	// so that a new page holds the answer and not the question.
	const fillers = 3 * 20
	if fillers <= chat.DefaultHistoryLimit {
		t.Fatal("the fillers fit in one page")
	}
	for i, name := range []string{"Cy", "Eli", "Flo"} {
		fill(t, s.User(t, name), fmt.Sprintf("filler-device-%d", i), fillers/3, i*fillers/3)
	}
	waitJS(t, ann, delivered("Flo", "filler "+strconv.Itoa(fillers)))

	click(t, ann, actBtn("reply", orig))
	waitJS(t, ann, `document.querySelector('#composer-mode .chip-label')?.textContent === 'Replying to Bob' &&
		document.querySelector('#composer-mode .chip-text')?.textContent === 'the original question'`)
	waitFocus(t, ann, "composer")
	chattest.Screenshot(t, ann, "reply-chip")

	// × cancels; Reply again and send.
	click(t, ann, "composer-mode-cancel")
	waitJS(t, ann, `!document.getElementById('composer-mode')`)
	click(t, ann, actBtn("reply", orig))
	waitJS(t, ann, `!!document.getElementById('composer-mode')`)
	say(t, ann, "the answer")
	waitJS(t, ann, `!document.getElementById('composer-mode')`)
	quoted := `(() => { const q = (` + msgWith("the answer") + `)?.querySelector('.quote');
		return !!q && q.dataset.target === '` + strconv.FormatUint(orig, 10) + `' &&
			q.querySelector('.quote-from').textContent === 'Bob' && q.querySelector('.quote-text').textContent === 'the original question'; })()`
	waitJS(t, ann, quoted)
	waitJS(t, bob, quoted)

	late := b.Tab(t)
	openChat(t, late, s.URL)
	pickName(t, late, "Dee")
	waitJS(t, late, quoted)
	if isJS(t, late, `!!(`+msgWith("the original question")+`)`) {
		t.Fatal("the question is loaded already: the test needs it a page back")
	}
	chattest.Do(t, late, chromedp.Click(chromedp.CSS(`#timeline .quote[data-target="`+strconv.FormatUint(orig, 10)+`"]`)))
	waitJS(t, late, msgEntryJS(orig)+`?.classList.contains('flash')`)
	waitJS(t, late, `(() => { const r = `+msgEntryJS(orig)+`.getBoundingClientRect(), v = document.getElementById('timeline').getBoundingClientRect();
		return r.top >= v.top && r.bottom <= v.bottom; })()`)
	chattest.Screenshot(t, late, "jumped")
}

func TestBrowserEditWithArrowUpAndEscape(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, ann, "frist draft")
	seq := seqOf(t, ann, "frist draft")
	waitJS(t, bob, delivered("Ann", "frist draft"))

	// ↑ in the empty composer edits the last message; Escape leaves it as
	// it was.
	chattest.Do(t, ann, chromedp.Focus(chromedp.ID("composer")))
	keys(t, ann, kb.ArrowUp)
	waitJS(t, ann, composerIs("frist draft"))
	waitJS(t, ann, `document.getElementById('composer-mode')?.classList.contains('edit')`)
	chattest.Screenshot(t, ann, "editing")
	keys(t, ann, kb.Escape)
	waitJS(t, ann, `!document.getElementById('composer-mode')`)
	waitJS(t, ann, composerIs(""))
	if !isJS(t, ann, delivered("Ann", "frist draft")) || isJS(t, ann, `!!document.querySelector('.edited-tag')`) {
		t.Error("Escape changed the message")
	}

	// The Edit action, then Enter saves; Bob sees the new text, "(edited)".
	click(t, ann, actBtn("edit", seq))
	waitJS(t, ann, composerIs("frist draft"))
	setComposer(t, ann, "first draft, fixed")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, delivered("Ann", "first draft, fixed"))
		waitJS(t, tab, msgEntryJS(seq)+`?.querySelector('.edited-tag')?.textContent === '(edited)' &&
			`+msgEntryJS(seq)+`.querySelector('.edited-tag').title.startsWith('Edited ')`)
	}
	if isJS(t, bob, pageHas("frist draft")) {
		t.Error("Bob still sees the old text")
	}
	if n := chattest.Eval[int](t, bob, countOf("first draft, fixed")); n != 1 {
		t.Errorf("Bob sees the edited message %d times, want once", n)
	}
	chattest.Screenshot(t, bob, "edited")
}

func TestBrowserDeleteWithConfirmation(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	const secret = "my secret 4711"
	say(t, ann, secret)
	seq := seqOf(t, ann, secret)
	waitJS(t, bob, delivered("Ann", secret))
	if isJS(t, bob, `!!document.getElementById('`+actBtn("del", seq)+`')`) {
		t.Error("Bob is offered to delete Ann's message")
	}

	// The dialog takes the focus; Escape cancels and gives it back.
	click(t, ann, actBtn("del", seq))
	waitJS(t, ann, `document.getElementById('delete-dialog')?.getAttribute('role') === 'alertdialog'`)
	waitFocus(t, ann, "delete-cancel")
	chattest.Screenshot(t, ann, "confirm")
	colorScheme(t, ann, "dark")
	chattest.Screenshot(t, ann, "confirm-dark")
	colorScheme(t, ann, "light")
	keys(t, ann, kb.Escape)
	waitJS(t, ann, `!document.getElementById('delete-dialog')`)
	waitFocus(t, ann, actBtn("del", seq))
	if !isJS(t, ann, delivered("Ann", secret)) {
		t.Fatal("cancelling deleted the message")
	}

	click(t, ann, actBtn("del", seq))
	click(t, ann, "delete-confirm")
	for name, tab := range map[string]context.Context{"Ann": ann, "Bob": bob} {
		waitJS(t, tab, msgEntryJS(seq)+`?.querySelector('.body.deleted')?.textContent === 'message deleted'`)
		if isJS(t, tab, `document.documentElement.outerHTML.includes(`+jsString(secret)+`)`) {
			t.Errorf("%s's page still holds the deleted text", name)
		}
		// The saved offline copy is written again without it.
		awaitJS[bool](t, tab, savedConvs(`convs.some(c => c.includes('"deleted":true')) && !convs.some(c => c.includes(`+jsString(secret)+`))`))
	}
	chattest.Screenshot(t, bob, "deleted")
}

// savedConvs is a JavaScript expression: a promise of cond, a JavaScript
// expression over convs, the saved conversations' JSON texts.
func savedConvs(cond string) string {
	return `new Promise((ok, fail) => {
	const open = indexedDB.open('chat');
	open.onerror = () => fail(open.error);
	open.onsuccess = () => {
		const db = open.result;
		if (!db.objectStoreNames.contains('convs')) { db.close(); ok(false); return; }
		const req = db.transaction('convs').objectStore('convs').getAll();
		req.onsuccess = () => { db.close(); const convs = req.result; ok(` + cond + `); };
		req.onerror = () => { db.close(); fail(req.error); };
	};
})`
}

// reactionIs is a JavaScript expression: the reaction emoji under message
// seq counts n (absent when n is 0), pressed when mine.
func reactionIs(seq uint64, emoji string, n int, mine bool) string {
	r := msgEntryJS(seq) + `?.querySelector('.reaction[data-emoji=` + jsString(emoji) + `]')`
	if n == 0 {
		return `!` + r
	}
	return fmt.Sprintf(`(() => { const r = %s; return !!r && r.querySelector('.reaction-count').textContent === '%d' &&
		r.getAttribute('aria-pressed') === '%v' && !r.classList.contains('pending'); })()`, r, n, mine)
}

func TestBrowserReactionsByMouseAndKeyboard(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, bob, "react to me")
	seq := seqOf(t, ann, "react to me")

	t.Run("mouse", func(t *testing.T) {
		click(t, ann, actBtn("react", seq))
		waitJS(t, ann, `document.getElementById('emoji-picker')?.getAttribute('role') === 'dialog'`)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#emoji-picker .pick-emoji[data-emoji="👍"]`)))
		waitJS(t, ann, `!document.getElementById('emoji-picker')`)
		waitJS(t, ann, reactionIs(seq, "👍", 1, true))
		waitJS(t, bob, reactionIs(seq, "👍", 1, false))
		waitJS(t, bob, msgEntryJS(seq)+`.querySelector('.reaction[data-emoji="👍"]').title === '👍: Ann'`)
		// Bob adds his: two.
		chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`#timeline .entry.msg[data-seq="`+strconv.FormatUint(seq, 10)+`"] .reaction[data-emoji="👍"]`)))
		waitJS(t, bob, reactionIs(seq, "👍", 2, true))
		waitJS(t, ann, reactionIs(seq, "👍", 2, true))
		chattest.Screenshot(t, ann, "reactions")
		// Ann toggles hers off again.
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .entry.msg[data-seq="`+strconv.FormatUint(seq, 10)+`"] .reaction[data-emoji="👍"]`)))
		waitJS(t, ann, reactionIs(seq, "👍", 1, false))
		waitJS(t, bob, reactionIs(seq, "👍", 1, true))
		// Both themes, and a narrow screen, with the bar of a focused
		// message and the picker open.
		click(t, bob, actBtn("react", seq))
		waitJS(t, bob, `!!document.getElementById('emoji-picker')`)
		for _, scheme := range []string{"dark", "light"} {
			colorScheme(t, bob, scheme)
			chattest.Screenshot(t, bob, "picker-"+scheme)
		}
		viewport(t, bob, 390, 780)
		chattest.Screenshot(t, bob, "picker-narrow")
		if got := chattest.Eval[[]string](t, bob, wrappedButtons); len(got) > 0 {
			t.Errorf("on a narrow screen these buttons break their label: %q", got)
		}
		viewport(t, bob, 1200, 800)
		keys(t, bob, kb.Escape)
		waitJS(t, bob, `!document.getElementById('emoji-picker')`)
	})

	t.Run("keyboard", func(t *testing.T) {
		chattest.Do(t, ann, chromedp.Focus(chromedp.ID(actBtn("react", seq))))
		keys(t, ann, kb.Enter)
		waitJS(t, ann, `!!document.getElementById('emoji-picker')`)
		// Escape closes it, the focus back on React.
		keys(t, ann, kb.Escape)
		waitJS(t, ann, `!document.getElementById('emoji-picker')`)
		waitFocus(t, ann, actBtn("react", seq))
		keys(t, ann, kb.Enter)
		waitJS(t, ann, `document.activeElement?.dataset?.emoji === '👍'`)
		keys(t, ann, kb.Tab)
		waitJS(t, ann, `document.activeElement?.dataset?.emoji === '❤️'`)
		keys(t, ann, " ")
		waitJS(t, ann, `!document.getElementById('emoji-picker')`)
		waitFocus(t, ann, actBtn("react", seq))
		waitJS(t, bob, reactionIs(seq, "❤️", 1, false))
		// Toggling twice removes it: Tab to the reaction, Enter.
		chattest.Do(t, ann, chromedp.Focus(chromedp.CSS(`#timeline .entry.msg[data-seq="`+strconv.FormatUint(seq, 10)+`"] .reaction[data-emoji="❤️"]`)))
		keys(t, ann, kb.Enter)
		waitJS(t, ann, reactionIs(seq, "❤️", 0, false))
		waitJS(t, bob, reactionIs(seq, "❤️", 0, false))
	})

	t.Run("any emoji, and one that is not", func(t *testing.T) {
		click(t, ann, actBtn("react", seq))
		chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("emoji-input"), "<b>hi</b>"), chromedp.Click(chromedp.ID("emoji-add")))
		waitJS(t, ann, `document.getElementById('emoji-error')?.textContent === 'a reaction is one emoji, not text or markup'`)
		waitJS(t, ann, `document.getElementById('emoji-input').getAttribute('aria-invalid') === 'true'`)
		chattest.Screenshot(t, ann, "bad-emoji")
		chattest.Eval[bool](t, ann, `(document.getElementById('emoji-input').value = '', true)`)
		chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("emoji-input"), "🦄"), chromedp.Click(chromedp.ID("emoji-add")))
		waitJS(t, bob, reactionIs(seq, "🦄", 1, false))
		if isJS(t, bob, pageHas("<b>hi</b>")) {
			t.Error("the refused reaction reached Bob")
		}
	})
}

func TestBrowserActionsShowMarkupAsText(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`
	say(t, ann, "harmless")
	seq := seqOf(t, ann, "harmless")

	// As an edit.
	click(t, ann, actBtn("edit", seq))
	waitJS(t, ann, composerIs("harmless"))
	setComposer(t, ann, payload)
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	// As the message a reply quotes.
	waitJS(t, bob, delivered("Ann", payload))
	click(t, bob, actBtn("reply", seq))
	waitJS(t, bob, `!!document.querySelector('#composer-mode .chip-text')`)
	if got := chattest.Eval[string](t, bob, `document.querySelector('#composer-mode .chip-text').textContent`); got != payload {
		t.Errorf("the reply chip shows %q, want %q", got, payload)
	}
	say(t, bob, "quoting it")
	for name, tab := range map[string]context.Context{"Ann": ann, "Bob": bob} {
		waitJS(t, tab, `(`+msgWith("quoting it")+`)?.querySelector('.quote-text')?.textContent === `+jsString(payload))
		waitJS(t, tab, delivered("Ann", payload))
		if isJS(t, tab, `window.__pwned !== undefined || !!document.querySelector('#timeline img, #timeline script')`) {
			t.Errorf("%s: the markup ran or became elements", name)
		}
	}
	chattest.Screenshot(t, bob, "markup")
}

func TestBrowserOfflineEditAndReactionSentOnce(t *testing.T) {
	t.Parallel()
	version := build.Version()
	s := pwaSetup(t, version)
	b := chattest.NewBrowser(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, ann, "typo heer")
	say(t, bob, "like this")
	mine, bobs := seqOf(t, ann, "typo heer"), seqOf(t, ann, "like this")
	waitJS(t, bob, delivered("Ann", "typo heer"))

	s.stop()
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, `document.getElementById('status').dataset.state !== 'online'`)
	}
	clickUntil(t, ann, "#"+actBtn("edit", mine), composerIs("typo heer"))
	setComposer(t, ann, "typo here")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, ann, msgEntryJS(mine)+`?.querySelector('.body.edit-pending')?.textContent === 'typo here' &&
		`+msgEntryJS(mine)+`.querySelector('.act-status.saving')?.textContent === 'saving…'`)
	openPicker(t, ann, bobs)
	clickUntil(t, ann, `#emoji-picker .pick-emoji[data-emoji="🎉"]`,
		msgEntryJS(bobs)+`?.querySelector('.reaction.pending.mine[data-emoji="🎉"]')?.getAttribute('aria-pressed') === 'true'`)
	// Kept in the browser's outbox, to survive the tab.
	awaitJS[bool](t, ann, `new Promise((ok, fail) => {
		const open = indexedDB.open('chat');
		open.onerror = () => fail(open.error);
		open.onsuccess = () => {
			const db = open.result;
			const req = db.transaction('outbox').objectStore('outbox').getAll();
			req.onsuccess = () => { db.close(); ok(req.result.filter(r => (r.x || '').includes('"k":"edit"') || (r.x || '').includes('"k":"react"')).length === 2); };
			req.onerror = () => { db.close(); fail(req.error); };
		};
	})`)
	chattest.Screenshot(t, ann, "offline-pending")

	s.start(version)
	for _, tab := range []context.Context{ann, bob} {
		chattest.Eval[bool](t, tab, networkBack)
		waitOnline(t, tab)
	}
	waitJS(t, bob, delivered("Ann", "typo here"))
	waitJS(t, bob, reactionIs(bobs, "🎉", 1, false))
	waitJS(t, ann, reactionIs(bobs, "🎉", 1, true))
	waitJS(t, ann, `!document.querySelector('#timeline .act-status, #timeline .reaction.pending')`)

	// What the server stored: one edit and one reaction, not one per try.
	page := storedLobby(t, s.URL)
	edits, reacts := 0, 0
	for _, e := range page.Entries {
		switch {
		case e.Kind == chat.EntryEdit && e.Target == mine:
			edits++
		case e.Kind == chat.EntryReact && e.Target == bobs:
			reacts++
		}
	}
	if edits != 1 || reacts != 1 {
		t.Errorf("the server stored %d edits and %d reactions, want one of each", edits, reacts)
	}
}

func TestBrowserRefusedActionSaysWhy(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, bob, "soon gone")
	seq := seqOf(t, ann, "soon gone")

	// Ann reacts offline; meanwhile Bob deletes the message.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, ann, `document.getElementById('status').dataset.state === 'offline'`)
	openPicker(t, ann, seq)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#emoji-picker .pick-emoji[data-emoji="👀"]`)))
	waitJS(t, ann, `!!`+msgEntryJS(seq)+`?.querySelector('.reaction.pending[data-emoji="👀"]')`)
	click(t, bob, actBtn("del", seq))
	click(t, bob, "delete-confirm")
	waitJS(t, bob, `!!`+msgEntryJS(seq)+`?.querySelector('.body.deleted')`)

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("conn-toggle")))
	waitOnline(t, ann)
	waitJS(t, ann, `!!`+msgEntryJS(seq)+`?.querySelector('.body.deleted')`)
	waitJS(t, ann, `document.querySelector('#timeline .action-failed[data-code="message_deleted"]')?.textContent.includes('Your reaction was not added: the message was deleted')`)
	chattest.Screenshot(t, ann, "refused")
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .action-failed .dismiss-action`)))
	waitJS(t, ann, `!document.querySelector('#timeline .action-failed')`)
	if isJS(t, ann, `!!document.getElementById('notice')`) {
		t.Error("the refusal shows in the notice bar too, in the server's words")
	}
}

// storedLobby is the newest page of the lobby as the server at url has
// stored it, read by a new user of its own.
func storedLobby(t *testing.T, url string) *chat.Page {
	t.Helper()
	probe := chattest.DialURL(t, url, nil)
	chattest.Expect(probe, func(w *chat.Welcome) bool { return w.NeedName })
	probe.Send(&chat.Nick{Name: "Probe"})
	chattest.Expect(probe, func(w *chat.Welcome) bool { return !w.NeedName })
	probe.Send(&chat.History{Conv: hub.LobbyID, Limit: chat.MaxHistoryLimit})
	return chattest.Expect(probe, func(p *chat.Page) bool { return p.Conv == hub.LobbyID && len(p.Entries) > 0 })
}
