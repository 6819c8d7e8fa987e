package server_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/server/chattest"
)

// filesSetup starts a server taking files of at most maxUpload bytes and
// one Chromium.
func filesSetup(t *testing.T, maxUpload int64) (*chattest.Server, *chattest.Browser) {
	t.Helper()
	needBrowser(t)
	opts := fast()
	opts.MaxUpload = maxUpload
	return chattest.New(t, opts), chattest.NewBrowser(t)
}

// writePNG writes a w×h PNG to a file called name in dir and returns its
// path.
func writePNG(t *testing.T, dir, name string, w, h int) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, photo(w, h)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// attachByButton gives the paperclip's file input these files, as a
// person choosing them does.
func attachByButton(t *testing.T, tab context.Context, paths ...string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.SetUploadFiles(chromedp.CSS(`#attach-input`), paths))
}

// uploadsDone is a JavaScript expression: the composer holds n uploads,
// all arrived.
func uploadsDone(n int) string {
	return `document.querySelectorAll('#uploads .upload.done').length === ` + strconv.Itoa(n) +
		` && document.querySelectorAll('#uploads .upload').length === ` + strconv.Itoa(n)
}

// thumbShown is a JavaScript expression: a delivered message whose caption
// reads caption shows a thumbnail that loaded (the server let this user
// have it).
func thumbShown(caption string) string {
	return `[...document.querySelectorAll('#timeline .entry.msg:not(.pending)')].some(e =>
		(e.querySelector('.body')?.textContent || '') === ` + jsString(caption) + ` &&
		[...e.querySelectorAll('.file-thumb img')].some(i => i.complete && i.naturalWidth > 0))`
}

// dropFile drops a file made in the page on the timeline, as a drag from
// the desktop does.
const dropFile = `(() => {
	const dt = new DataTransfer();
	dt.items.add(new File(['hello'], 'notes <b>1.txt', {type: 'text/html'})); // the server sniffs: text/plain
	const over = new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true});
	document.getElementById('timeline').dispatchEvent(over);
	const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
	document.getElementById('timeline').dispatchEvent(drop);
	return over.defaultPrevented && drop.defaultPrevented;
})()`

// pasteImage pastes an image drawn in the page into the composer, as a
// screenshot pasted from the clipboard is.
const pasteImage = `new Promise(resolve => {
	const c = document.createElement('canvas');
	c.width = 500; c.height = 250;
	const g = c.getContext('2d');
	g.fillStyle = '#2456d6'; g.fillRect(0, 0, 500, 250);
	g.fillStyle = '#f5b54a'; g.fillRect(50, 50, 200, 100);
	c.toBlob(blob => {
		const dt = new DataTransfer();
		dt.items.add(new File([blob], 'image.png', {type: 'image/png'}));
		const e = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
		document.getElementById('composer').dispatchEvent(e);
		resolve(e.defaultPrevented);
	}, 'image/png');
})`

// TestBrowserAttachments: Ann attaches an image with the paperclip, a file
// by dropping it and a screenshot by pasting it; Bob sees the thumbnails
// and the card, opens the viewer, goes to the next image with the arrow
// keys and closes it with Escape. A file over the limit is refused in the
// browser, and an upload under way shows its progress and can be
// cancelled.
func TestBrowserAttachments(t *testing.T) {
	t.Parallel()
	s, b := filesSetup(t, 2<<20)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	dir := t.TempDir()

	attachByButton(t, ann, writePNG(t, dir, "chart.png", 900, 600))
	waitJS(t, ann, uploadsDone(1))
	say(t, ann, "the chart")
	waitJS(t, ann, `!document.getElementById('uploads')`) // the composer is empty again
	waitJS(t, bob, thumbShown("the chart"))

	if !isJS(t, ann, dropFile) {
		t.Fatal("the page did not take the dropped file")
	}
	waitJS(t, ann, uploadsDone(1))
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("send"))) // no caption
	waitJS(t, bob, `[...document.querySelectorAll('#timeline .file-card')].some(c =>
		c.querySelector('.file-name')?.textContent === 'notes <b>1.txt' &&
		c.querySelector('.file-meta')?.textContent === 'text/plain · 5 B' && !!c.getAttribute('download'))`)

	if !evalAsync[bool](t, ann, pasteImage) {
		t.Fatal("the page did not take the pasted image")
	}
	waitJS(t, ann, uploadsDone(1))
	say(t, ann, "pasted")
	waitJS(t, bob, thumbShown("pasted"))

	t.Run("the viewer", func(t *testing.T) {
		chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`.entry.msg .file-thumb`)))
		waitJS(t, bob, `document.getElementById('viewer')?.getAttribute('role') === 'dialog' && document.activeElement?.id === 'viewer'`)
		waitJS(t, bob, `(() => { const i = document.getElementById('viewer-image'); return i.complete && i.naturalWidth === 900; })()`)
		if got := chattest.Eval[string](t, bob, `document.getElementById('viewer-caption').textContent`); got != "chart.png (1 of 2)" {
			t.Errorf("viewer caption %q", got)
		}
		keys(t, bob, kb.ArrowRight)
		waitJS(t, bob, `document.getElementById('viewer-caption')?.textContent === 'image.png (2 of 2)'`)
		waitJS(t, bob, `(() => { const i = document.getElementById('viewer-image'); return i.complete && i.naturalWidth === 500; })()`)
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, bob, scheme)
			chattest.Screenshot(t, bob, "files-viewer-"+scheme)
		}
		keys(t, bob, kb.ArrowLeft)
		waitJS(t, bob, `document.getElementById('viewer-caption')?.textContent === 'chart.png (1 of 2)'`)
		keys(t, bob, kb.Escape)
		waitJS(t, bob, `!document.getElementById('viewer')`)
		waitJS(t, bob, `document.activeElement?.classList.contains('file-thumb')`)
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, bob, scheme)
			chattest.Screenshot(t, bob, "files-timeline-"+scheme)
		}
	})

	t.Run("a file over the limit is refused before it goes up", func(t *testing.T) {
		big := filepath.Join(dir, "big.bin")
		if err := os.WriteFile(big, bytes.Repeat([]byte{7}, 3<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		attachByButton(t, ann, big)
		waitJS(t, ann, `[...document.querySelectorAll('#uploads .upload.failed .upload-status')].some(s => s.textContent.includes('2.0 MB'))`)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#uploads .upload-cancel`)))
		waitJS(t, ann, `!document.getElementById('uploads')`)
	})

	t.Run("progress and Cancel", func(t *testing.T) {
		if _, err := chromedp.Call(ann, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ann, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{URLPattern: s.URL + "/api/files*", DownloadThroughput: -1, UploadThroughput: 64 << 10}},
		}); err != nil {
			t.Fatal(err)
		}
		slow := filepath.Join(dir, "slow.bin")
		if err := os.WriteFile(slow, bytes.Repeat([]byte("slow "), 300_000), 0o600); err != nil {
			t.Fatal(err)
		}
		attachByButton(t, ann, slow)
		waitJS(t, ann, `(() => { const p = document.querySelector('#uploads .upload.sending progress'); return !!p && p.value > 0 && p.value < p.max; })()`)
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, ann, scheme)
			chattest.Screenshot(t, ann, "files-uploading-"+scheme)
		}
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#uploads .upload.sending .upload-cancel`)))
		waitJS(t, ann, `!document.getElementById('uploads')`)
		// Nothing is left to send: Enter with an empty composer sends nothing.
		chattest.Do(t, ann, chromedp.Click(chromedp.ID("send")))
		say(t, ann, "after the cancel")
		waitJS(t, bob, delivered("Ann", "after the cancel"))
		if n := chattest.Eval[int](t, bob, `document.querySelectorAll('#timeline .entry.msg .files').length`); n != 3 {
			t.Errorf("bob sees %d messages with files, want 3: the cancelled one went out", n)
		}
	})
}
