//go:build !wasm

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

func TestConversationPaneShowsFormattingAndCopyButtons(t *testing.T) {
	m := twoConversations()
	lobby := m.Convs["r:lobby"]
	now := time.Now()
	// What server/markup makes of "**bold** and\n- one\n- two\n```go\nx := 1\n```".
	lobby.Entries = []chat.Entry{message("r:lobby", 1, now, "Bob",
		`<p><strong>bold</strong> and</p><ul><li>one</li><li>two</li></ul><div class="code"><span class="code-lang">go</span><pre tabindex="0"><code>x := 1</code></pre></div>`)}
	lobby.Info.Last = 1
	session, err := client.NewSession(client.SessionOptions{Conn: client.Options{URL: "ws://127.0.0.1:1/ws"}, Model: m, Deliver: func(client.Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Lang{English, Chinese} {
		_, root := render(t, newConversationPane().Lang(l).Model(m).Online(true).Names([]string{"Bob"}).Session(session).
			OnOlder(func(app.Context) {}).OnScroll(func(app.Context, app.Event) {}).OnSent(func(app.Context, bool) {}))
		body := root.must(t, "the message", byClass("body"))
		body.must(t, "bold", byTag("strong"))
		if got := body.texts(byTag("li")); strings.Join(got, ",") != "one,two" {
			t.Errorf("list items %v", got)
		}
		code := body.must(t, "the code block", byClass("code"))
		button := code.must(t, "the Copy button", byClass("copy-code"))
		if button.attrs["type"] != "button" || button.text() != T(l, "code.copy") {
			t.Errorf("%s: copy button %v %q", l, button.attrs, button.text())
		}
		if got := code.must(t, "the code", byTag("pre")).text(); got != "x := 1" {
			t.Errorf("code %q", got)
		}
	}
}

func TestWithCopyButtons(t *testing.T) {
	if got := withCopyButtons(`<div class="body">no code &lt;pre tabindex="0"&gt;</div>`, English); strings.Contains(got, "button") {
		t.Errorf("a button where there is no code block: %s", got)
	}
	two := `<div class="code"><pre tabindex="0"><code>a</code></pre></div><div class="code"><pre tabindex="0"><code>b</code></pre></div>`
	if got := strings.Count(withCopyButtons(two, Chinese), `<button type="button" class="copy-code">复制</button><pre`); got != 2 {
		t.Errorf("%d buttons for two code blocks", got)
	}
}

func TestPlainTextOfFormattedMessages(t *testing.T) {
	h := `<div class="body" dir="auto" data-md="eA"><p><strong>Plan</strong>:</p><ol><li>build</li><li>test</li></ol><div class="code"><span class="code-lang">sh</span><pre tabindex="0"><code>make &amp;&amp; make test</code></pre></div></div>`
	if got, want := PlainText(h, 500), "Plan:\n1. build\n2. test\nmake && make test"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	if got, want := chat.SourceText(h), "x"; got != want {
		t.Errorf("SourceText = %q, want %q", got, want)
	}
}

func TestTooDeepIsSaidInBothLanguages(t *testing.T) {
	for _, l := range []Lang{English, Chinese} {
		if got := actionError(l, chat.CodeTooDeep, "server words"); got == "server words" || got == "" {
			t.Errorf("%s: too_deep is said as %q", l, got)
		}
	}
}

func TestComposerPreviewShowsTheServersAnswer(t *testing.T) {
	p := newComposerPreview().Lang(English).Online(true)
	_, root := render(t, p)
	button := root.must(t, "the Preview button", byID("preview-btn"))
	if button.attrs["aria-pressed"] != "false" || button.attrs["type"] != "button" || button.text() != "Preview" {
		t.Errorf("preview button %v %q", button.attrs, button.text())
	}
	if root.find(byID("composer-preview")) != nil {
		t.Error("a preview shown before it was asked for")
	}

	// Asked (number 2): an older answer is dropped, the latest shown.
	p = newComposerPreview().Lang(English).Online(true)
	p.open, p.waiting, p.n = true, true, 2
	event := func(f chat.Frame) app.Action { return app.Action{Name: eventAction, Value: client.Event{Frame: f}} }
	p.onEvent(app.Context{}, event(&chat.Rendered{N: 1, HTML: `<div class="body">old</div>`}))
	if !p.waiting {
		t.Fatal("an older answer was taken")
	}
	p.onEvent(app.Context{}, event(&chat.Rendered{N: 2, HTML: `<div class="body" dir="auto"><strong>new</strong></div>`}))
	shown := newComposerPreview().Lang(English).Online(true)
	shown.open, shown.html = p.open, p.html
	_, root = render(t, shown)
	box := root.must(t, "the preview", byID("composer-preview"))
	if box.attrs["role"] != "region" || box.must(t, "bold", byTag("strong")).text() != "new" {
		t.Errorf("preview %v %q", box.attrs, box.text())
	}
	if !isTrue(root.must(t, "the Preview button", byID("preview-btn")), "aria-pressed") {
		t.Errorf("the open preview's button is not pressed: %v", root.must(t, "the Preview button", byID("preview-btn")).attrs)
	}

	// Refused: said in words; a sent message closes the preview.
	p.waiting, p.n = true, 3
	p.onEvent(app.Context{}, event(&chat.Error{Code: chat.CodeTooDeep, Message: "x", Ref: chat.TypePreview}))
	if p.err != T(English, "err.too_deep") {
		t.Errorf("error %q", p.err)
	}
	p.onEvent(app.Context{}, event(&chat.Ack{Conv: "r:lobby", Seq: 9}))
	if p.open {
		t.Error("still open after a message was sent")
	}
}

// TestThreadComposerPreviewIsItsOwn: the thread panel's preview has ids of
// its own, and only a reply acknowledged in a thread closes it (a message
// sent in the room closes the room's).
func TestThreadComposerPreviewIsItsOwn(t *testing.T) {
	p := newComposerPreview().InThread(true).Lang(English).Online(true)
	p.open, p.html = true, `<div class="body">x</div>`
	_, root := render(t, p)
	root.must(t, "the thread's Preview button", byID("thread-preview-btn"))
	if box := root.must(t, "the thread's preview", byID("thread-composer-preview")); box.text() != "x" {
		t.Errorf("the thread's preview says %q", box.text())
	}
	if root.find(byID("preview-btn")) != nil || root.find(byID("composer-preview")) != nil {
		t.Error("the thread's preview took the room's ids")
	}
	event := func(f chat.Frame) app.Action { return app.Action{Name: eventAction, Value: client.Event{Frame: f}} }
	p.onEvent(app.Context{}, event(&chat.Ack{Conv: "r:lobby", Seq: 9}))
	if !p.open {
		t.Error("a message sent in the room closed the thread's preview")
	}
	p.onEvent(app.Context{}, event(&chat.Ack{Conv: chat.ThreadID("r:lobby", 9), Seq: 1}))
	if p.open {
		t.Error("still open after a reply was sent in the thread")
	}
	room := newComposerPreview().Lang(English).Online(true)
	room.open = true
	room.onEvent(app.Context{}, event(&chat.Ack{Conv: chat.ThreadID("r:lobby", 9), Seq: 1}))
	if !room.open {
		t.Error("a reply sent in a thread closed the room's preview")
	}
}
