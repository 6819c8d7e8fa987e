package ui

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// maxSuggestions is how many names the "@" completion offers at once.
const maxSuggestions = 6

// mentionQuery finds the "@name" being typed at the end of before, the text
// before the caret: the index of its "@" and the part of the name typed so
// far. Like the server's markup, an "@" right after a character of a name
// ("ann@") starts nothing.
func mentionQuery(before string) (at int, prefix string, ok bool) {
	at = strings.LastIndexByte(before, '@')
	if at < 0 {
		return 0, "", false
	}
	prefix = before[at+1:]
	if utf8.RuneCountInString(prefix) > chat.MaxNameRunes {
		return 0, "", false
	}
	for _, r := range prefix {
		if !nameChar(r) {
			return 0, "", false
		}
	}
	if r, _ := utf8.DecodeLastRuneInString(before[:at]); at > 0 && nameChar(r) {
		return 0, "", false
	}
	return at, prefix, true
}

// nameChar reports whether r may be part of a name (chat.CleanName).
func nameChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nd, r) || unicode.IsMark(r) || r == '_' || r == '-' || r == '.'
}

// completions returns up to limit of names that complete prefix, ignoring
// case: those that start with it first, then those that contain it, each
// in the order of names.
func completions(names []string, prefix string, limit int) []string {
	p := strings.ToLower(prefix)
	var starts, contains []string
	for _, n := range names {
		l := strings.ToLower(n)
		switch {
		case strings.HasPrefix(l, p):
			starts = append(starts, n)
		case strings.Contains(l, p):
			contains = append(contains, n)
		}
	}
	out := append(starts, contains...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// complete returns the text with the name typed after the "@" at index at
// of before replaced by name and a space, and the caret position after it
// in UTF-16 code units (what textarea.selectionStart counts).
func complete(before, after string, at int, name string) (text string, caret int) {
	head := before[:at] + "@" + name + " "
	after = strings.TrimPrefix(after, " ")
	return head + after, len(utf16.Encode([]rune(head)))
}

// mentionNames returns whom the composer completes, as m knows them:
// those online in the conversation in view first, then everyone else the
// client knows.
func mentionNames(m *client.Model) []string {
	var out []string
	seen := map[string]bool{m.Me: true}
	if c := m.Convs[m.Active]; c != nil {
		if m.IsGroup(c.Info.ID) {
			for _, n := range m.GroupMembers(c.Info.ID) {
				if !seen[n] {
					out, seen[n] = append(out, n), true
				}
			}
		} else if c.Info.Kind == chat.KindPrivate {
			out, seen[c.Name] = append(out, c.Name), true
		}
		for _, n := range c.Online {
			if !seen[n] {
				out, seen[n] = append(out, n), true
			}
		}
	}
	for _, n := range m.KnownNames() {
		if !seen[n] {
			out, seen[n] = append(out, n), true
		}
	}
	return out
}

// mentionBox is the "@" completion of a composer: the names offered for
// the "@" being typed, above its textarea, and the one highlighted. The
// room's composer and the thread panel's each hold one, told apart by the
// prefix of its elements' ids: its textarea is id+"composer", its list
// id+"mention-list".
type mentionBox struct {
	id      string   // the prefix of the ids: "" for the room's composer, "thread-" for the thread's
	suggest []string // names offered for the "@" being typed
	pick    int      // the highlighted one
}

// onInput offers names when the user types "@" and the start of one.
func (c *composer) onInput(ctx app.Context, e app.Event) {
	el := ctx.JSSrc()
	before, _ := splitUTF16(el.Get("value").String(), el.Get("selectionStart").Int())
	c.mention.suggestFor(before, c.Inames)
	c.typed(ctx, el.Get("value").String())
}

// suggestFor sets the names of names offered for the text before the
// caret.
func (m *mentionBox) suggestFor(before string, names []string) {
	m.suggest, m.pick = nil, 0
	if _, prefix, ok := mentionQuery(before); ok {
		m.suggest = completions(names, prefix, maxSuggestions)
	}
}

// open reports whether names are offered.
func (m *mentionBox) open() bool { return len(m.suggest) > 0 }

// close offers no more names.
func (m *mentionBox) close() { m.suggest, m.pick = nil, 0 }

// onKey handles the keys of the open completion list: ↑ ↓ choose, Enter
// or Tab take the name, Escape closes the list. It reports whether it
// took the key.
func (m *mentionBox) onKey(e app.Event) bool {
	n := len(m.suggest)
	if n == 0 || e.Get("isComposing").Bool() {
		return false
	}
	switch e.Get("key").String() {
	case "ArrowDown":
		m.pick = (m.pick + 1) % n
	case "ArrowUp":
		m.pick = (m.pick - 1 + n) % n
	case "Enter", "Tab":
		if e.Get("shiftKey").Bool() {
			return false
		}
		m.accept(m.suggest[min(m.pick, n-1)])
	case "Escape":
		m.suggest = nil
		e.Call("stopPropagation")
	default:
		return false
	}
	e.PreventDefault()
	return true
}

// accept puts name in place of the "@…" being typed.
func (m *mentionBox) accept(name string) {
	m.close()
	el := app.Window().GetElementByID(m.id + "composer")
	if !el.Truthy() {
		return
	}
	before, after := splitUTF16(el.Get("value").String(), el.Get("selectionStart").Int())
	at, _, ok := mentionQuery(before)
	if !ok {
		return
	}
	text, pos := complete(before, after, at, name)
	el.Set("value", text)
	el.Call("setSelectionRange", pos, pos)
	el.Call("focus")
}

// render is the list of names that "@" completes, above the composer.
func (m *mentionBox) render(lang Lang) app.UI {
	return app.Ul().ID(m.id+"mention-list").Class("mention-list").Role("listbox").Aria("label", T(lang, "mention.list")).Body(
		app.Range(m.suggest).Slice(func(i int) app.UI {
			name := m.suggest[i]
			return app.Li().ID(m.optionID(i)).Class("mention-opt", classIf("active", i == m.pick)).
				Role("option").Aria("selected", boolText(i == m.pick)).DataSet("name", name).
				OnMouseDown(func(ctx app.Context, e app.Event) {
					e.PreventDefault() // keep the focus in the composer
					m.accept(name)
				}, app.EventScope(name)).Body(avatar(name, "small"), app.Span().Text(name))
		}),
	)
}

func (m *mentionBox) optionID(i int) string { return m.id + "mention-opt-" + strconv.Itoa(i) }

// active is the id of the highlighted name, or "" with none.
func (m *mentionBox) active() string {
	if len(m.suggest) == 0 {
		return ""
	}
	return m.optionID(min(m.pick, len(m.suggest)-1))
}

// listID is the textarea's aria-controls: the list, while it shows.
func (m *mentionBox) listID() string {
	if m.open() {
		return m.id + "mention-list"
	}
	return ""
}

// onBlur closes the list when the focus leaves the composer.
func (m *mentionBox) onBlur(ctx app.Context, e app.Event) { m.close() }

// slot is where the list shows: always there, so that the list coming
// and going never moves (and so replaces) the textarea before it.
func (m *mentionBox) slot(lang Lang) app.UI {
	return app.Div().Class("mention-slot").Body(app.If(m.open(), func() app.UI { return m.render(lang) }))
}

// splitUTF16 splits s at the caret position n, counted in UTF-16 code
// units as the browser counts them.
func splitUTF16(s string, n int) (before, after string) {
	units := 0
	for i, r := range s {
		if units >= n {
			return s[:i], s[i:]
		}
		units += utf16.RuneLen(r)
	}
	return s, ""
}
