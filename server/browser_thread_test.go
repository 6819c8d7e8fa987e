package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// threadReply is a JavaScript expression: the thread panel holds a reply
// from sender whose body reads text, acknowledged by the server.
func threadReply(from, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#thread-timeline .entry.msg:not(.pending):not(.thread-root)')].some(e =>
		e.querySelector('.body')?.textContent === %s && e.querySelector('.meta .from')?.textContent === %s)`, jsString(text), jsString(from))
}

// threadCount is a JavaScript expression: how many delivered replies in
// the thread panel read text.
func threadCount(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#thread-timeline .entry.msg:not(.pending):not(.thread-root) .body')].filter(b => b.textContent === %s).length`, jsString(text))
}

// threadsUnread is a JavaScript expression: the unread count the Threads
// button shows ("" for none).
const threadsUnread = `(document.querySelector('#threads-btn .unread')?.textContent || '')`

// replyInThread types text into the thread's composer and sends it with
// Enter.
func replyInThread(t *testing.T, tab context.Context, text string) {
	t.Helper()
	waitJS(t, tab, `!!document.getElementById('thread-composer')`)
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("thread-composer"), text), chromedp.Func(pressEnter))
}

// TestBrowserThreads: Bob replies in a thread on Ann's message; Ann sees
// the count and who took part on the root and an unread count in
// Threads, opens the thread from there and answers, to the room too; the
// thread panel is axe-clean; Bob, offline, reads a new reply in the thread
// and answers, which reaches Ann once he is back.
func TestBrowserThreads(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	axe := axeSource(t)
	say(t, ann, "ship on friday?")
	root := seqOf(t, bob, "ship on friday?")

	// Bob: "Reply in thread" opens the panel beside the lobby.
	click(t, bob, actBtn("thread", root))
	waitJS(t, bob, `document.getElementById('thread-panel')?.dataset.conv === 't:r:lobby:`+fmt.Sprint(root)+`' && !!document.querySelector('#thread-panel .thread-root')`)
	replyInThread(t, bob, "yes, friday")
	waitJS(t, bob, threadReply("Bob", "yes, friday"))

	// Ann: the root counts it, says who, and Threads counts it unread;
	// the lobby does not hold the reply.
	summary := fmt.Sprintf(`document.getElementById('thread-summary-%d')`, root)
	waitJS(t, ann, summary+`?.querySelector('.thread-replies')?.textContent === '1 reply' && `+
		summary+`.querySelector('.thread-users')?.textContent === 'Bob'`)
	waitJS(t, ann, threadsUnread+` === '1'`)
	if isJS(t, ann, pageHas("yes, friday")) {
		t.Error("the thread's reply shows in Ann's lobby")
	}
	click(t, ann, "threads-btn")
	waitJS(t, ann, `document.querySelector('#threads-list .thread-item .unread')?.textContent === '1'`)
	chattest.Screenshot(t, ann, "threads-view")
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#threads-list .thread-item`)))
	waitJS(t, ann, threadReply("Bob", "yes, friday"))
	waitJS(t, ann, threadsUnread+` === ''`) // read, and so at the server

	// Ann answers, to the room too.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("thread-also")))
	waitJS(t, ann, `document.getElementById('thread-also').checked`)
	replyInThread(t, ann, "see you then")
	waitJS(t, bob, threadReply("Ann", "see you then"))
	waitJS(t, bob, delivered("Ann", "see you then"))
	waitJS(t, ann, summary+`?.querySelector('.thread-replies')?.textContent === '2 replies'`)
	for _, scheme := range []string{"dark", "light"} {
		colorScheme(t, ann, scheme)
		checkAccessibility(t, ann, axe, "the thread panel, "+scheme)
		chattest.Screenshot(t, ann, "thread-panel-"+scheme)
	}

	// Bob closes the panel; Ann's next reply is unread in his Threads.
	click(t, bob, "thread-close")
	waitJS(t, bob, `!document.getElementById('thread-panel')`)
	replyInThread(t, ann, "last call")
	waitJS(t, bob, threadsUnread+` === '1'`)

	// Bob, offline, reads it and answers; back online, it reaches Ann once.
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, bob, `document.getElementById('status').dataset.state === 'offline'`)
	click(t, bob, "threads-btn")
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`#threads-list .thread-item`)))
	waitJS(t, bob, threadReply("Ann", "last call"))
	replyInThread(t, bob, "offline answer")
	waitJS(t, bob, `[...document.querySelectorAll('#thread-timeline .entry.pending .body')].some(b => b.textContent === 'offline answer')`)
	chattest.Screenshot(t, bob, "thread-offline")
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("conn-toggle")))
	waitOnline(t, bob)
	waitJS(t, bob, threadReply("Bob", "offline answer")+` && !document.querySelector('#thread-timeline .entry.pending')`)
	waitJS(t, ann, threadReply("Bob", "offline answer"))
	waitJS(t, ann, summary+`?.querySelector('.thread-replies')?.textContent === '4 replies'`)
	if n := chattest.Eval[float64](t, ann, threadCount("offline answer")); n != 1 {
		t.Errorf("Ann's thread holds the offline answer %v times", n)
	}

	// A search hit in the thread opens it beside its root.
	click(t, bob, "thread-close")
	waitJS(t, bob, `!document.getElementById('thread-panel')`)
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("search-btn")))
	waitJS(t, bob, `!!document.getElementById('search-input')`)
	searchFor(t, bob, "friday")
	tid := fmt.Sprintf("t:r:lobby:%d", root)
	hit := hitFor(tid, 1)
	waitJS(t, bob, `!!`+hit)
	if got := chattest.Eval[string](t, bob, hit+`.querySelector('.hit-conv').textContent`); got != "Thread in # lobby" {
		t.Errorf("the hit says it is in %q", got)
	}
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`#search-results .search-hit[data-conv="`+tid+`"][data-seq="1"]`)))
	waitJS(t, bob, `!document.getElementById('search') && document.getElementById('thread-panel')?.dataset.conv === `+jsString(tid))
	waitJS(t, bob, threadReply("Bob", "yes, friday"))
}

// TestBrowserThreadOfAThousandOpens measures, in Chromium, how long a
// thread of 1,000 replies takes to open: from the click on the root's
// summary to the panel showing the latest reply (the next frame painted),
// five times, the thread fetched again each time (not followed, it is
// forgotten when closed). It fails past 5 s; the figures are logged.
//
//	go test -run TestBrowserThreadOfAThousandOpens -v ./server/
func TestBrowserThreadOfAThousandOpens(t *testing.T) {
	needBrowser(t)
	const n = 1000
	s, root, _ := bigThread(t, n)
	b := chattest.NewBrowser(t)
	cy := people(t, b, s.URL, "Cy")[0]
	summary := fmt.Sprintf("thread-summary-%d", root)
	waitJS(t, cy, fmt.Sprintf(`document.getElementById(%q)?.querySelector('.thread-replies')?.textContent === '%d replies'`, summary, n))
	open := fmt.Sprintf(`new Promise(ok => {
		const done = () => [...document.querySelectorAll('#thread-timeline .entry.msg .body')].some(b => b.textContent === 'reply %d');
		const t0 = performance.now();
		const obs = new MutationObserver(() => {
			if (done()) { obs.disconnect(); requestAnimationFrame(() => ok(performance.now() - t0)); }
		});
		obs.observe(document.body, {childList: true, subtree: true, characterData: true});
		document.getElementById(%q).click();
	})`, n, summary)
	var took []float64
	for range 5 {
		ms := evalAsync[float64](t, cy, open)
		took = append(took, ms)
		if got := chattest.Eval[float64](t, cy, `document.querySelectorAll('#thread-timeline .entry.msg:not(.thread-root)').length`); got != 50 {
			t.Errorf("the thread opened with %v replies, want the latest page of 50", got)
		}
		click(t, cy, "thread-close")
		waitJS(t, cy, `!document.getElementById('thread-panel')`)
	}
	slices.Sort(took)
	t.Logf("a thread of %d replies opens in %.0f ms (median of 5; %.0f to %.0f ms)", n, took[2], took[0], took[4])
	if took[4] > 5000 {
		t.Errorf("opening took %v ms", took)
	}

	// Older replies, a page at a time, in order, without a gap.
	click(t, cy, summary)
	waitJS(t, cy, `document.querySelectorAll('#thread-timeline .entry.msg:not(.thread-root)').length === 50`)
	click(t, cy, "thread-older")
	waitJS(t, cy, `document.querySelectorAll('#thread-timeline .entry.msg:not(.thread-root)').length === 100`)
	got := chattest.Eval[[]string](t, cy, `[...document.querySelectorAll('#thread-timeline .entry.msg:not(.thread-root) .body')].map(b => b.textContent)`)
	for i, text := range got {
		if want := fmt.Sprintf("reply %d", n-99+i); text != want {
			t.Fatalf("reply %d of the panel reads %q, want %q", i, text, want)
		}
	}
}

// TestBrowserThreadActions: in a thread, Ann reacts to Bob's reply, Bob
// edits it and deletes another, all seen by the other; then Ann deletes
// the root: the timeline and the panel say "message deleted", and the
// thread stays readable with its count.
func TestBrowserThreadActions(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, ann, "the plan")
	root := seqOf(t, bob, "the plan")
	click(t, bob, actBtn("thread", root))
	replyInThread(t, bob, "first tought")
	waitJS(t, bob, threadReply("Bob", "first tought"))
	replyInThread(t, bob, "oops")
	waitJS(t, bob, threadReply("Bob", "oops"))
	click(t, ann, fmt.Sprintf("thread-summary-%d", root))
	waitJS(t, ann, threadReply("Bob", "oops"))

	// Ann reacts to the first reply from the thread's own picker (the
	// room's stays closed), and with an emoji typed in it; Bob sees both.
	click(t, ann, "thread-react-1")
	waitJS(t, ann, `document.getElementById('thread-emoji-picker')?.getAttribute('role') === 'dialog' && !document.getElementById('emoji-picker')`)
	chattest.Screenshot(t, ann, "thread-picker")
	checkAccessibility(t, ann, axe, "the thread's emoji picker")
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#thread-emoji-picker .pick-emoji[data-emoji="👍"]`)))
	waitJS(t, ann, `!document.getElementById('thread-emoji-picker') && document.activeElement?.id === 'thread-react-1'`)
	click(t, ann, "thread-react-1")
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("thread-emoji-input"), "🦄"), chromedp.Click(chromedp.ID("thread-emoji-add")))
	for _, emoji := range []string{"👍", "🦄"} {
		reacted := `document.querySelector('#thread-timeline .entry[data-seq="1"]:not(.thread-root) .reaction[data-emoji="` + emoji + `"] .reaction-count')?.textContent === '1'`
		waitJS(t, ann, reacted)
		waitJS(t, bob, reacted)
	}

	// Bob types in the thread: Ann sees it under the thread.
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("thread-composer"), "hm"))
	waitJS(t, ann, `document.getElementById('thread-typing')?.textContent.includes('Bob')`)
	if isJS(t, ann, `document.getElementById('typing')?.textContent.includes('Bob')`) {
		t.Error("typing in the thread shows under the room's timeline")
	}

	// Bob fixes his typo, and deletes the other reply.
	click(t, bob, "thread-edit-1")
	waitJS(t, bob, `document.getElementById('thread-composer').value === 'first tought' && !!document.getElementById('thread-editing')`)
	chattest.Eval[bool](t, bob, `(document.getElementById('thread-composer').value = 'first thought', true)`)
	chattest.Do(t, bob, chromedp.Focus(chromedp.ID("thread-composer")), chromedp.Func(pressEnter))
	waitJS(t, ann, threadReply("Bob", "first thought"))
	click(t, bob, "thread-del-2")
	click(t, bob, "thread-del-confirm-2")
	deleted := `document.querySelector('#thread-timeline .entry[data-seq="2"]:not(.thread-root) .body.deleted')?.textContent === 'message deleted'`
	waitJS(t, bob, deleted)
	waitJS(t, ann, deleted)
	summary := fmt.Sprintf(`document.getElementById('thread-summary-%d')`, root)
	waitJS(t, ann, summary+`?.querySelector('.thread-replies')?.textContent === '1 reply'`)

	// Ann deletes the root: the thread stays, readable.
	click(t, ann, actBtn("del", root))
	click(t, ann, "delete-confirm")
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, `!!`+msgEntryJS(root)+`?.querySelector('.body.deleted') && !!`+summary)
		waitJS(t, tab, `document.querySelector('#thread-panel .thread-root .body.deleted')?.textContent === 'message deleted'`)
		waitJS(t, tab, threadReply("Bob", "first thought"))
	}
	chattest.Screenshot(t, bob, "thread-root-deleted")

	// Bob formats a reply as in the room's composer: Ctrl+B makes the
	// selected word bold, and the thread's own Preview shows the server's
	// markup (the room's stays closed); sent, the preview closes.
	composer := `document.getElementById('thread-composer')`
	chattest.Eval[bool](t, bob, `(`+composer+`.value = 'Plan', `+composer+`.focus(), `+composer+`.select(), true)`)
	keys(t, bob, "b", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitJS(t, bob, composer+`.value === '**Plan**'`)
	click(t, bob, "thread-preview-btn")
	waitJS(t, bob, `document.querySelector('#thread-composer-preview strong')?.textContent === 'Plan'`)
	chattest.Screenshot(t, bob, "thread-preview")
	checkAccessibility(t, bob, axe, "the thread's preview")
	if isJS(t, bob, `!!document.getElementById('composer-preview')`) {
		t.Error("the thread's Preview opened the room's preview")
	}
	chattest.Do(t, bob, chromedp.Focus(chromedp.ID("thread-composer")), chromedp.Func(pressEnter))
	waitJS(t, bob, `!document.getElementById('thread-composer-preview')`)
	waitJS(t, ann, `[...document.querySelectorAll('#thread-timeline .entry:not(.thread-root) .body strong')].some(b => b.textContent === 'Plan')`)
}

// TestBrowserThreadDrawerOnNarrowScreen: on a phone's width, "Reply in
// thread" opens the thread as a drawer over the whole screen; a reply
// goes from there; closing it shows the conversation again.
func TestBrowserThreadDrawerOnNarrowScreen(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := people(t, b, s.URL, "Ann")[0]
	bob := b.Tab(t)
	chattest.Do(t, bob, chromedp.EmulateViewport(390, 760, chromedp.EmulateMobile))
	openChat(t, bob, s.URL)
	pickName(t, bob, "Bob")
	say(t, ann, "on a phone?")
	root := seqOf(t, bob, "on a phone?")
	click(t, bob, actBtn("thread", root))
	waitJS(t, bob, `(r => r && getComputedStyle(document.getElementById('thread-panel')).position === 'fixed' &&
		r.left === 0 && r.top === 0 && r.width === window.innerWidth && r.height === window.innerHeight)(document.getElementById('thread-panel')?.getBoundingClientRect())`)
	replyInThread(t, bob, "from my phone")
	waitJS(t, bob, threadReply("Bob", "from my phone"))
	chattest.Screenshot(t, bob, "thread-drawer")
	if got := chattest.Eval[[]string](t, bob, wrappedButtons); len(got) > 0 {
		t.Errorf("in the drawer these labels break over two lines: %q", got)
	}
	click(t, bob, "thread-close")
	waitJS(t, bob, `!document.getElementById('thread-panel') && getComputedStyle(document.getElementById('conversation')).display !== 'none'`)
	waitJS(t, ann, fmt.Sprintf(`document.getElementById('thread-summary-%d')?.querySelector('.thread-replies')?.textContent === '1 reply'`, root))
}

// TestBrowserThreadReloadedOffline: Ann's followed thread is saved in the
// browser; with the server gone she reloads, finds it in Threads with its
// unread reply, reads it and answers; the answer outlives another reload
// and is stored once when the server is back.
func TestBrowserThreadReloadedOffline(t *testing.T) {
	t.Parallel()
	version := build.Version()
	s := pwaSetup(t, version)
	b := chattest.NewBrowserProfile(t, t.TempDir())
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	say(t, ann, "who brings the cake?")
	root := seqOf(t, ann, "who brings the cake?")
	tid := chat.ThreadID(hub.LobbyID, root)

	bob := chattest.DialURL(t, s.URL, nil)
	chattest.Expect(bob, func(w *chat.Welcome) bool { return w.NeedName })
	bob.Send(&chat.Nick{Name: "Bob"})
	chattest.Expect(bob, func(w *chat.Welcome) bool { return !w.NeedName })
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bob-device", N: 1}, Conv: tid, Text: "I do"})
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID.N == 1 })
	waitJS(t, ann, threadsUnread+` === '1'`)

	waitJS(t, ann, swReady)
	awaitJS[bool](t, ann, savedText("I do"))
	s.stop()
	chattest.Do(t, ann, chromedp.Reload())
	waitJS(t, ann, appRunning)
	waitJS(t, ann, threadsUnread+` === '1'`)
	waitJS(t, ann, delivered("Ann", "who brings the cake?"))
	if isJS(t, ann, `!!document.getElementById('catching-up')`) {
		t.Error("the restored lobby says it is catching up: the thread's actions after the root count as missing")
	}
	click(t, ann, "threads-btn")
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#threads-list .thread-item`)))
	waitJS(t, ann, threadReply("Bob", "I do"))
	replyInThread(t, ann, "thanks!")
	pending := `[...document.querySelectorAll('#thread-timeline .entry.pending')].some(e => e.querySelector('.body')?.textContent === 'thanks!' && e.querySelector('.pending-status')?.textContent.includes('waiting for the connection'))`
	waitJS(t, ann, pending)
	chattest.Screenshot(t, ann, "thread-reloaded-offline")

	// The outbox outlives the page.
	chattest.Do(t, ann, chromedp.Reload())
	waitJS(t, ann, appRunning)
	click(t, ann, "threads-btn")
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#threads-list .thread-item`)))
	waitJS(t, ann, pending)

	s.start(version)
	chattest.Eval[bool](t, ann, networkBack)
	waitOnline(t, ann)
	waitJS(t, ann, threadReply("Ann", "thanks!")+` && !document.querySelector('#thread-timeline .entry.pending')`)

	probe := chattest.DialURL(t, s.URL, nil)
	chattest.Expect(probe, func(w *chat.Welcome) bool { return w.NeedName })
	probe.Send(&chat.Nick{Name: "Probe"})
	chattest.Expect(probe, func(w *chat.Welcome) bool { return !w.NeedName })
	probe.Send(&chat.History{Conv: tid, Limit: chat.MaxHistoryLimit})
	page := chattest.Expect(probe, func(p *chat.Page) bool { return p.Conv == tid })
	n := 0
	for _, e := range page.Entries {
		if e.Kind == chat.EntryMessage && strings.Contains(e.HTML, "thanks!") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the thread holds the offline answer %d times, want once", n)
	}
}

// threadFileShown is a JavaScript expression: a delivered reply in the
// thread panel whose text reads text shows a thumbnail that loaded.
func threadFileShown(text string) string {
	return `[...document.querySelectorAll('#thread-timeline .entry.msg:not(.pending):not(.thread-root)')].some(e =>
		(e.querySelector('.body')?.textContent || '') === ` + jsString(text) + ` &&
		[...e.querySelectorAll('.file-thumb img')].some(i => i.complete && i.naturalWidth > 0))`
}

// TestBrowserThreadFilesAndMentions: the thread's composer is the room's
// in what it attaches and completes: Bob attaches an image with the
// thread's paperclip, "@An" offers Ann and Enter takes her name, and the
// reply reaches Ann's thread panel with the image; offline, a file chosen
// in the thread waits, and goes with its reply once Bob is back.
func TestBrowserThreadFilesAndMentions(t *testing.T) {
	needBrowser(t)
	t.Parallel()
	s, b := filesSetup(t, 2<<20)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	dir := t.TempDir()
	say(t, ann, "the chart?")
	root := seqOf(t, bob, "the chart?")
	click(t, ann, actBtn("thread", root))
	click(t, bob, actBtn("thread", root))
	waitJS(t, bob, `!!document.getElementById('thread-composer') && !!document.getElementById('thread-attach')`)

	chattest.Do(t, bob, chromedp.SetUploadFiles(chromedp.CSS(`#thread-attach-input`), []string{writePNG(t, dir, "chart.png", 900, 600)}))
	waitJS(t, bob, `document.querySelectorAll('#thread-uploads .upload.done').length === 1`)
	if isJS(t, bob, `!!document.getElementById('uploads')`) {
		t.Error("the file chosen in the thread went to the room's composer")
	}
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("thread-composer"), "@An"))
	waitJS(t, bob, `[...document.querySelectorAll('#thread-mention-list [role=option]')].some(o => o.dataset.name === 'Ann')`)
	chattest.Do(t, bob, chromedp.Func(pressEnter))
	waitJS(t, bob, `document.getElementById('thread-composer').value === '@Ann ' && !document.getElementById('thread-mention-list')`)
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("thread-composer"), "here it is"), chromedp.Func(pressEnter))
	waitJS(t, bob, `!document.getElementById('thread-uploads')`)
	waitJS(t, ann, threadFileShown("@Ann here it is"))
	waitJS(t, ann, `!!document.querySelector('#thread-timeline .entry .mention')`)

	// Ann opens the image in the thread's viewer; Escape closes it.
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#thread-timeline .file-thumb`)))
	waitJS(t, ann, `document.getElementById('thread-viewer-caption')?.textContent === 'chart.png (1 of 1)' && document.activeElement?.id === 'thread-viewer'`)
	keys(t, ann, kb.Escape)
	waitJS(t, ann, `!document.getElementById('thread-viewer') && !!document.getElementById('thread-panel')`)

	// A file dropped on the thread panel goes to the thread's composer,
	// not the room's.
	if !isJS(t, bob, strings.ReplaceAll(dropFile, `getElementById('timeline')`, `getElementById('thread-timeline')`)) {
		t.Error("the thread panel did not take the file dropped on it")
	}
	waitJS(t, bob, `document.querySelectorAll('#thread-uploads .upload.done').length === 1 && !document.getElementById('uploads')`)
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`#thread-uploads .upload-cancel`)))
	waitJS(t, bob, `!document.getElementById('thread-uploads')`)

	// Offline, the file waits in the thread's composer, then goes with
	// its reply.
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("conn-toggle")))
	waitJS(t, bob, `document.getElementById('status').dataset.state === 'offline'`)
	chattest.Do(t, bob, chromedp.SetUploadFiles(chromedp.CSS(`#thread-attach-input`), []string{writePNG(t, dir, "later.png", 300, 200)}))
	waitJS(t, bob, `document.querySelectorAll('#thread-uploads .upload.waiting').length === 1`)
	replyInThread(t, bob, "from the train")
	waitJS(t, bob, `!document.getElementById('thread-uploads') && document.querySelector('#thread-timeline .entry.pending .waiting-file .waiting-name')?.textContent === 'later.png'`)
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("conn-toggle")))
	waitOnline(t, bob)
	waitJS(t, ann, threadFileShown("from the train"))
	if n := chattest.Eval[float64](t, ann, threadCount("from the train")); n != 1 {
		t.Errorf("Ann's thread holds the offline reply %v times", n)
	}
}
