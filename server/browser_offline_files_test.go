package server_test

// Browser tests of files that wait offline: attached with the server out
// of reach, kept in IndexedDB with their message, shown as waiting with a
// Cancel, and uploaded, then delivered once, by the next page after the
// tab was closed; thumbnails kept by the service worker for offline use,
// within a byte budget, the oldest evicted first.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
)

// waitingFiles is a JavaScript expression: the pending message reading
// text shows n files waiting to upload, images with a preview that loaded
// from the local bytes.
func waitingFiles(text string, n, previews int) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#timeline .entry.pending')].some(e =>
		e.querySelector('.body')?.textContent === %s &&
		e.querySelectorAll('.waiting-file').length === %d &&
		[...e.querySelectorAll('.waiting-file .waiting-meta')].every(m => m.textContent.includes('waiting to upload')) &&
		[...e.querySelectorAll('.waiting-thumb')].filter(i => i.complete && i.naturalWidth > 0).length === %d)`,
		jsString(text), n, previews)
}

// outboxCount is a JavaScript expression: a promise of the number of
// messages in the browser's outbox.
const outboxCount = `new Promise((ok, fail) => {
	const open = indexedDB.open('chat');
	open.onerror = () => fail(open.error);
	open.onsuccess = () => {
		const db = open.result;
		const req = db.transaction('outbox').objectStore('outbox').count();
		req.onsuccess = () => { db.close(); ok(req.result); };
		req.onerror = () => { db.close(); fail(req.error); };
	};
}).then(n => 'n=' + n)`

// thumbCached is a JavaScript expression: a promise that the service
// worker's thumbnail cache holds the thumbnail of the message reading
// caption.
func thumbCached(caption string) string {
	return `(async () => {
		const e = [...document.querySelectorAll('#timeline .entry.msg:not(.pending)')].find(e =>
			(e.querySelector('.body')?.textContent || '') === ` + jsString(caption) + `);
		const img = e?.querySelector('.file-thumb img');
		if (!img) return false;
		const c = await caches.open('chat-thumbs');
		return !!(await c.match(new URL(img.src).pathname));
	})()`
}

// entriesReading is a JavaScript expression: how many delivered messages
// read text.
func entriesReading(text string) string {
	return `[...document.querySelectorAll('#timeline .entry.msg:not(.pending) .body')].filter(b => b.textContent === ` + jsString(text) + `).length`
}

// TestBrowserOfflineFiles: Ann posts a picture online; with the server
// stopped her page reloads and still shows its thumbnail from the service
// worker. Offline she attaches an image and a text file with a caption:
// the message shows them waiting, with a preview; a second file message
// she cancels. She closes the tab; the server comes back; her next page
// uploads the files and sends the message, which Bob receives once, with
// its thumbnail and card, and the cancelled one never.
func TestBrowserOfflineFiles(t *testing.T) {
	t.Parallel()
	version := build.Version()
	s := pwaSetup(t, version)
	b := chattest.NewBrowserProfile(t, t.TempDir())
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	bob := b.Tab(t)
	openChat(t, bob, s.URL)
	pickName(t, bob, "Bob")
	dir := t.TempDir()

	attachByButton(t, ann, writePNG(t, dir, "seen.png", 640, 480))
	waitJS(t, ann, uploadsDone(1))
	say(t, ann, "seen online")
	waitJS(t, ann, thumbShown("seen online"))
	waitJS(t, bob, thumbShown("seen online"))
	waitJS(t, ann, swReady)
	awaitJS[bool](t, ann, savedText("seen online"))
	awaitJS[bool](t, ann, thumbCached("seen online"))
	s.stop()

	t.Run("thumbnails show offline", func(t *testing.T) {
		// Not from the HTTP cache: from the worker's.
		if _, err := chromedp.Call(ann, network.ClearBrowserCache, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		chattest.Do(t, ann, chromedp.Reload())
		waitJS(t, ann, appRunning)
		waitJS(t, ann, `!!document.getElementById('offline-banner')`)
		waitJS(t, ann, thumbShown("seen online"))
		chattest.Screenshot(t, ann, "offline-thumbnail")
	})

	t.Run("attached offline: waiting, with Cancel", func(t *testing.T) {
		notes := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(notes, []byte("written on the train\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		attachByButton(t, ann, writePNG(t, dir, "train.png", 800, 500), notes)
		waitJS(t, ann, `document.querySelectorAll('#uploads .upload.waiting').length === 2`)
		say(t, ann, "from the train")
		waitJS(t, ann, `!document.getElementById('uploads')`)
		waitJS(t, ann, pendingIs("from the train", "Waiting to upload its files"))
		waitJS(t, ann, waitingFiles("from the train", 2, 1))
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, ann, scheme)
			chattest.Screenshot(t, ann, "files-waiting-"+scheme)
		}
		colorScheme(t, ann, "light")

		attachByButton(t, ann, notes)
		waitJS(t, ann, `document.querySelectorAll('#uploads .upload.waiting').length === 1`)
		say(t, ann, "cancel me")
		waitJS(t, ann, waitingFiles("cancel me", 1, 0))
		if got := awaitJS[string](t, ann, outboxCount); got != "n=2" {
			t.Fatalf("the outbox holds %s, want both messages", got)
		}
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .entry.pending:last-of-type .cancel-pending`)))
		waitJS(t, ann, `!document.body.textContent.includes('cancel me')`)
		if got := awaitJS[string](t, ann, outboxCount); got != "n=1" {
			t.Errorf("after Cancel the outbox holds %s, want 1: the cancelled message and its bytes gone", got)
		}
	})

	t.Run("the tab closed, the server back: delivered once", func(t *testing.T) {
		if err := chromedp.Cancel(ann); err != nil {
			t.Fatal(err)
		}
		s.start(version)
		chattest.Eval[bool](t, bob, networkBack)
		waitOnline(t, bob)
		again := b.ProfileTab(t)
		chattest.Do(t, again, chromedp.Navigate(s.URL))
		waitJS(t, again, appRunning)
		waitOnline(t, again)
		waitJS(t, again, thumbShown("from the train"))
		waitJS(t, again, `!document.querySelector('#timeline .entry.pending')`)
		waitJS(t, bob, thumbShown("from the train"))
		waitJS(t, bob, `[...document.querySelectorAll('#timeline .entry.msg')].some(e =>
			e.querySelector('.body')?.textContent === 'from the train' &&
			[...e.querySelectorAll('.file-card .file-name')].some(n => n.textContent === 'notes.txt'))`)
		// Once: a message sent after it arrives after it, and it is there once.
		say(t, again, "and now online")
		waitJS(t, bob, delivered("Ann", "and now online"))
		if n := chattest.Eval[int](t, bob, entriesReading("from the train")); n != 1 {
			t.Errorf("Bob has %d messages reading 'from the train', want 1", n)
		}
		if n := chattest.Eval[int](t, bob, `document.querySelectorAll('#timeline .entry.msg .files').length`); n != 2 {
			t.Errorf("Bob sees %d messages with files, want 2 (seen online, from the train): the cancelled one went out", n)
		}
		if isJS(t, bob, pageHas("cancel me")) {
			t.Error("the cancelled message arrived")
		}
		if got := awaitJS[string](t, again, outboxCount); got != "n=0" {
			t.Errorf("the outbox holds %s once delivered", got)
		}
		chattest.Screenshot(t, bob, "files-delivered")
	})
}

// askWorker is a JavaScript expression: a promise of the service worker's
// answer to msg (JSON), as text.
func askWorker(msg string) string {
	return `new Promise(ok => {
		const ch = new MessageChannel();
		ch.port1.onmessage = e => ok(JSON.stringify(e.data));
		navigator.serviceWorker.controller.postMessage(` + msg + `, [ch.port2]);
	})`
}

// TestBrowserThumbnailBudget fills the service worker's thumbnail cache
// past a small budget and sees the oldest go first.
func TestBrowserThumbnailBudget(t *testing.T) {
	t.Parallel()
	s := pwaSetup(t, build.Version())
	b := chattest.NewBrowser(t)
	tab := b.ProfileTab(t)
	openChat(t, tab, s.URL)
	pickName(t, tab, "Ann")
	waitJS(t, tab, swReady)

	// Three uploads of one image: three files, three thumbnails of the same
	// size. Their uploader may fetch them before they are posted.
	ids := awaitJS[[]string](t, tab, `new Promise(ok => {
		const c = document.createElement('canvas');
		c.width = 400; c.height = 300;
		const g = c.getContext('2d');
		for (let i = 0; i < 40; i++) { g.fillStyle = 'hsl(' + i * 9 + ',70%,50%)'; g.fillRect(i * 10, 0, 10, 300); }
		c.toBlob(async blob => {
			const ids = [];
			for (const name of ['a.png', 'b.png', 'c.png']) {
				const r = await fetch('/api/files?name=' + name, {method: 'POST', body: blob});
				ids.push((await r.json()).file.id);
			}
			ok(ids);
		}, 'image/png');
	})`)
	if len(ids) != 3 {
		t.Fatalf("uploads: %v", ids)
	}
	thumb := func(id string) string { return "/files/" + id + "/thumb" }
	cached := `caches.open('chat-thumbs').then(c => c.keys()).then(ks => ks.map(k => new URL(k.url).pathname).filter(p => p.startsWith('/files/')).sort().join(' ') || 'none')`
	want := func(keep ...string) string {
		var paths []string
		for _, id := range keep {
			paths = append(paths, thumb(id))
		}
		slices.Sort(paths)
		return strings.Join(paths, " ")
	}
	var size int
	for i, id := range ids {
		size = awaitJS[int](t, tab, `fetch('`+thumb(id)+`').then(r => r.blob()).then(b => b.size)`)
		awaitJS[bool](t, tab, cached+`.then(s => s === `+jsString(want(ids[:i+1]...))+`)`)
	}
	// A budget of two and a half: the oldest goes.
	got := awaitJS[string](t, tab, askWorker(fmt.Sprintf(`{type: 'chat:thumbs-budget', bytes: %d}`, size*5/2)))
	if !strings.Contains(got, thumb(ids[1])) || strings.Contains(got, thumb(ids[0])) {
		t.Errorf("after a budget of 2.5 thumbnails the worker keeps %s, want b and c", got)
	}
	if got := awaitJS[string](t, tab, cached); got != want(ids[1], ids[2]) {
		t.Errorf("cached %s, want %s", got, want(ids[1], ids[2]))
	}
	// Fetched again, a is the newest: b, now the oldest, goes.
	awaitJS[int](t, tab, `fetch('`+thumb(ids[0])+`').then(r => r.status)`)
	awaitJS[bool](t, tab, cached+`.then(s => s === `+jsString(want(ids[0], ids[2]))+`)`)
}

// blockUploads makes the page's uploads to the server at url fail as if
// the network were down (block) or lets them through again.
func blockUploads(t *testing.T, tab context.Context, url string, block bool) {
	t.Helper()
	var patterns []*network.BlockPattern
	if block {
		patterns = []*network.BlockPattern{{URLPattern: url + "/api/files*", Block: true}}
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
		t.Fatal(err)
	}
}

// checkWaitingFiles runs axe over a file waiting for the connection, in
// the composer and then in its pending message (TestBrowserAccessibility):
// uploads are blocked, so the page keeps it; Cancel takes it away.
func checkWaitingFiles(t *testing.T, tab context.Context, url, axe, picture, scheme string) {
	t.Helper()
	blockUploads(t, tab, url, true)
	defer blockUploads(t, tab, url, false)
	attachByButton(t, tab, picture)
	waitJS(t, tab, `document.querySelectorAll('#uploads .upload.waiting').length === 1`)
	checkAccessibility(t, tab, axe, "a file waiting for the connection, "+scheme)
	say(t, tab, "a picture for later")
	waitJS(t, tab, waitingFiles("a picture for later", 1, 1))
	checkAccessibility(t, tab, axe, "a message waiting for its files, "+scheme)
	chattest.Do(t, tab, chromedp.Click(chromedp.CSS(`#timeline .entry.pending .cancel-pending`)))
	waitJS(t, tab, `!document.querySelector('#timeline .entry.pending')`)
}
