package ui

import (
	"html"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// formatText holds the strings of message formatting; init adds them to
// text.
var formatText = []phrase{
	{"code.copy", "Copy", "复制"},
	{"code.copied", "Copied", "已复制"},
	{"code.copy.failed", "Copy failed", "复制失败"},
	{"err.too_deep", "quotes, lists or emphasis are nested too deep", "引用、列表或强调的嵌套层数过多"},
	{"err.text_too_long", "the message is too long", "消息太长"},
}

func init() { addText(formatText) }

// codePre opens the <pre> of each code block in the server's markup of a
// message (server/markup). User text in that markup has every '<'
// escaped, so every codePre is the server's.
const codePre = `<pre tabindex="0">`

// withCopyButtons puts a Copy button before the <pre> of each code block
// of a message's markup. The button is the client's, not the server's: the
// timeline's click handler (onCodeCopy) answers it.
func withCopyButtons(h string, l Lang) string {
	if !strings.Contains(h, codePre) {
		return h
	}
	button := `<button type="button" class="copy-code">` + html.EscapeString(T(l, "code.copy")) + `</button>`
	return strings.ReplaceAll(h, codePre, button+codePre)
}

// copiedFor is how long a Copy button says "Copied".
const copiedFor = 2 * time.Second

// onCodeCopy copies the text of the code block whose Copy button was
// clicked (a click anywhere else in the timeline is left alone), and the
// button says "Copied" for a moment, or that it failed.
func (p *conversationPane) onCodeCopy(ctx app.Context, e app.Event) {
	target := e.Get("target")
	if !target.Truthy() || !target.Get("closest").Truthy() {
		return
	}
	button := target.Call("closest", "button.copy-code")
	if !button.Truthy() {
		return
	}
	pre := button.Get("nextElementSibling")
	if !pre.Truthy() {
		return
	}
	l := p.Ilang
	show := func(key, state string) {
		button.Set("textContent", T(l, key))
		button.Get("dataset").Set("state", state)
		announceInDOM(T(l, key)) // a screen reader hears it too
		ctx.After(copiedFor, func(app.Context) {
			button.Set("textContent", T(l, "code.copy"))
			button.Get("dataset").Delete("state")
		})
	}
	clipboard := app.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		show("code.copy.failed", "failed")
		return
	}
	var done, failed app.Func
	release := func() { done.Release(); failed.Release() }
	done = app.FuncOf(func(app.Value, []app.Value) any {
		release()
		ctx.Dispatch(func(app.Context) { show("code.copied", "copied") })
		return nil
	})
	failed = app.FuncOf(func(app.Value, []app.Value) any {
		release()
		ctx.Dispatch(func(app.Context) { show("code.copy.failed", "failed") })
		return nil
	})
	clipboard.Call("writeText", pre.Get("textContent").String()).Call("then", done, failed)
}

// formatMarkers are the Markdown that Ctrl (⌘ on a Mac) with a key puts
// around the composer's selection: bold, italic and code.
var formatMarkers = map[string]string{"b": "**", "i": "_", "e": "`"}

// formatKey wraps the selection of the textarea named id (the room's
// composer or a thread's) in the markers of a formatting shortcut (or,
// with nothing selected, puts a pair of them around the caret), or takes
// them away when they are already there. It reports whether the key was
// one.
func formatKey(e app.Event, id string) bool {
	if !(e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()) || e.Get("altKey").Bool() {
		return false
	}
	marker, ok := formatMarkers[strings.ToLower(e.Get("key").String())]
	if !ok {
		return false
	}
	e.PreventDefault()
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return true
	}
	// Offsets are the textarea's: UTF-16 code units.
	value := utf16.Encode([]rune(el.Get("value").String()))
	end := min(max(el.Get("selectionEnd").Int(), 0), len(value))
	start := min(max(el.Get("selectionStart").Int(), 0), end)
	text := func(from, to int) string { return string(utf16.Decode(value[max(from, 0):min(to, len(value))])) }
	n := len(marker)
	if text(start-n, start) == marker && text(end, end+n) == marker {
		el.Call("setRangeText", text(start, end), start-n, end+n, "select")
	} else {
		el.Call("setRangeText", marker+text(start, end)+marker, start, end, "select")
		el.Call("setSelectionRange", start+n, end+n)
	}
	// The composer hears its text changed, as when typed.
	el.Call("dispatchEvent", app.Window().Get("Event").New("input", map[string]any{"bubbles": true}))
	return true
}
