package server_test

// Browser test of message formatting (server/markup, app/ui/format.go,
// preview.go): Markdown typed in the composer with its shortcuts and
// previewed, shown formatted to the other person, a code block copied, the
// typed Markdown back for an edit.
// Waits are for DOM states, never for a time.

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/founding/chat/server/chattest"
)

// grantClipboard lets the page in tab read and write the clipboard, and
// makes it think it has the focus (the Clipboard API wants both; several
// headless tabs share one window's focus).
func grantClipboard(t *testing.T, tab context.Context, origin string) {
	t.Helper()
	ctx := chromedp.FromContext(tab)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tab, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    "granted", Origin: origin, BrowserContextID: ctx.BrowserContextID,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	if _, err := chromedp.Call(tab, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulating the focus: %v", err)
	}
}

func TestBrowserFormattedMessageAndCodeCopy(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	grantClipboard(t, bob, s.URL)

	// Ann writes: Ctrl+B makes the selected word bold, Shift+Enter starts
	// each new line, Ctrl+E puts an empty code span at the caret, to type in.
	shiftEnter := func() { keys(t, ann, kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)) }
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "Plan"))
	chattest.Eval[bool](t, ann, `(document.getElementById('composer').select(), true)`)
	keys(t, ann, "b", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitJS(t, ann, composerIs("**Plan**"))
	// The word stays selected: the same key takes the markers away, Ctrl+I
	// puts italic's on.
	for _, step := range []struct{ key, want string }{{"b", "Plan"}, {"i", "_Plan_"}, {"i", "Plan"}, {"b", "**Plan**"}} {
		keys(t, ann, step.key, chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitJS(t, ann, composerIs(step.want)+` && document.getElementById('composer').value.substring(document.getElementById('composer').selectionStart, document.getElementById('composer').selectionEnd) === 'Plan'`)
	}
	chattest.Eval[bool](t, ann, `(document.getElementById('composer').setSelectionRange(8, 8), true)`)
	shiftEnter()
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "- build "))
	keys(t, ann, "e", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "make"))
	keys(t, ann, kb.ArrowRight) // past the closing "`"
	shiftEnter()
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "- test"))
	shiftEnter()
	const code = "if a < b {\n\tfmt.Println(\"<b>hi</b>\")\n}"
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("composer"), "```go"))
	shiftEnter()
	// The code's lines go in at once: a tab typed would move the focus.
	chattest.Eval[bool](t, ann, `(document.getElementById('composer').setRangeText(`+jsString(code+"\n```")+`, document.getElementById('composer').value.length, document.getElementById('composer').value.length, 'end'), true)`)
	const typed = "**Plan**\n- build `make`\n- test\n```go\n" + code + "\n```"
	if got := chattest.Eval[string](t, ann, `document.getElementById('composer').value`); got != typed {
		t.Fatalf("the composer holds %q, want %q", got, typed)
	}
	// Preview: the server's markup of the text, before it is sent.
	click(t, ann, "preview-btn")
	waitJS(t, ann, `document.querySelector('#composer-preview strong')?.textContent === 'Plan' && document.querySelector('#composer-preview .code pre')?.textContent === `+jsString(code))
	if n := chattest.Eval[int](t, ann, `document.querySelectorAll('#timeline .entry.msg').length`); n != 0 {
		t.Errorf("%d messages in the timeline after a preview", n)
	}
	chattest.Screenshot(t, ann, "preview")
	checkAccessibility(t, ann, axe, "the composer's preview")
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("send")))
	waitJS(t, ann, `!document.getElementById('composer-preview')`) // sent: the preview closes

	// Bob sees it formatted: bold, a list of two, a code block labelled go,
	// its whitespace kept, and nothing made of the code's "<b>".
	const last = `[...document.querySelectorAll('#timeline .entry.msg:not(.pending) .body')].at(-1)`
	for _, tab := range []context.Context{ann, bob} {
		waitJS(t, tab, `!!`+last+`?.querySelector('.code pre')`)
	}
	if got := chattest.Eval[string](t, bob, last+`.querySelector('strong')?.textContent || ''`); got != "Plan" {
		t.Errorf("bold text %q, want Plan", got)
	}
	if got := chattest.Eval[string](t, bob, `[...`+last+`.querySelectorAll('ul > li')].map(li => li.textContent).join('|')`); got != "build make|test" {
		t.Errorf("list items %q", got)
	}
	if got := chattest.Eval[string](t, bob, last+`.querySelector('li code')?.textContent || ''`); got != "make" {
		t.Errorf("inline code %q, want make", got)
	}
	if got := chattest.Eval[string](t, bob, last+`.querySelector('.code .code-lang')?.textContent || ''`); got != "go" {
		t.Errorf("code label %q, want go", got)
	}
	if got := chattest.Eval[string](t, bob, last+`.querySelector('.code pre').textContent`); got != code {
		t.Errorf("code %q, want %q", got, code)
	}
	if got := chattest.Eval[string](t, bob, `getComputedStyle(`+last+`.querySelector('.code pre')).whiteSpace + ' ' + getComputedStyle(`+last+`.querySelector('.code pre')).overflowX + ' ' + getComputedStyle(`+last+`.querySelector('.code pre code')).fontFamily`); !containsAll(got, "pre ", " auto ", "monospace") {
		t.Errorf("the code block's style is %q: want kept whitespace, a sideways scroll and a monospace font", got)
	}
	if n := chattest.Eval[int](t, bob, `document.querySelectorAll('#timeline .body b, #timeline .body script, #timeline .body img').length`); n != 0 {
		t.Errorf("%d elements made from the code's text", n)
	}

	// Bob copies the code block: the clipboard holds its text, and the
	// button says so for a moment.
	seq := chattest.Poll[string](t, bob, last+`.closest('.entry').dataset.seq`, wait)
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`#timeline .entry.msg[data-seq="`+seq+`"] .copy-code`)))
	waitJS(t, bob, last+`.querySelector('.copy-code').dataset.state === 'copied' && `+last+`.querySelector('.copy-code').textContent === 'Copied'`)
	waitJS(t, bob, `[...document.querySelectorAll('#announcer p')].some(p => p.textContent === 'Copied')`)
	if got := evalAsync[string](t, bob, `navigator.clipboard.readText()`); got != code {
		t.Errorf("the clipboard holds %q, want %q", got, code)
	}
	chattest.Screenshot(t, bob, "formatted")
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, bob, scheme)
		checkAccessibility(t, bob, axe, "a formatted message, "+scheme)
	}
	waitJS(t, bob, last+`.querySelector('.copy-code').textContent === 'Copy' && !`+last+`.querySelector('.copy-code').dataset.state`)

	// Ann edits it: the composer holds the Markdown she typed, not its
	// plain text; the edit is formatted too.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("act-edit-"+seq)))
	waitJS(t, ann, composerIs(typed))
	setComposer(t, ann, "~~Plan~~ done")
	chattest.Do(t, ann, chromedp.Func(pressEnter))
	waitJS(t, bob, `document.querySelector('#timeline .entry.msg[data-seq="`+seq+`"] .body del')?.textContent === 'Plan'`)
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
