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

// onInput offers names when the user types "@" and the start of one.
func (c *composer) onInput(ctx app.Context, e app.Event) {
	el := ctx.JSSrc()
	before, _ := splitUTF16(el.Get("value").String(), el.Get("selectionStart").Int())
	c.suggestFor(before)
	c.typed(ctx, el.Get("value").String())
}

// suggestFor sets the names offered for the text before the caret.
func (c *composer) suggestFor(before string) {
	c.suggest, c.pick = nil, 0
	if _, prefix, ok := mentionQuery(before); ok {
		c.suggest = completions(c.Inames, prefix, maxSuggestions)
	}
}

// onMentionKey handles the keys of the open completion list: ↑ ↓ choose,
// Enter or Tab take the name, Escape closes the list. It reports whether
// it took the key.
func (c *composer) onMentionKey(ctx app.Context, e app.Event) bool {
	n := len(c.suggest)
	if n == 0 || e.Get("isComposing").Bool() {
		return false
	}
	switch e.Get("key").String() {
	case "ArrowDown":
		c.pick = (c.pick + 1) % n
	case "ArrowUp":
		c.pick = (c.pick - 1 + n) % n
	case "Enter", "Tab":
		if e.Get("shiftKey").Bool() {
			return false
		}
		c.accept(c.suggest[min(c.pick, n-1)])
	case "Escape":
		c.suggest = nil
		e.Call("stopPropagation")
	default:
		return false
	}
	e.PreventDefault()
	return true
}

// accept puts name in place of the "@…" being typed.
func (c *composer) accept(name string) {
	c.suggest, c.pick = nil, 0
	el := app.Window().GetElementByID("composer")
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

// renderSuggestions is the list of names that "@" completes, above the
// composer.
func (c *composer) renderSuggestions() app.UI {
	return app.Ul().ID("mention-list").Class("mention-list").Role("listbox").Aria("label", T(c.Ilang, "mention.list")).Body(
		app.Range(c.suggest).Slice(func(i int) app.UI {
			name := c.suggest[i]
			return app.Li().ID("mention-opt-"+strconv.Itoa(i)).Class("mention-opt", classIf("active", i == c.pick)).
				Role("option").Aria("selected", boolText(i == c.pick)).DataSet("name", name).
				OnMouseDown(func(ctx app.Context, e app.Event) {
					e.PreventDefault() // keep the focus in the composer
					c.accept(name)
				}, app.EventScope(name)).Body(avatar(name, "small"), app.Span().Text(name))
		}),
	)
}

// activeSuggestion is the id of the highlighted name, or "" with none.
func (c *composer) activeSuggestion() string {
	if len(c.suggest) == 0 {
		return ""
	}
	return "mention-opt-" + strconv.Itoa(min(c.pick, len(c.suggest)-1))
}

// onBlur closes the list when the focus leaves the composer.
func (c *composer) onBlur(ctx app.Context, e app.Event) { c.suggest = nil }

// mentionListID is the composer's aria-controls: the list, while it shows.
func mentionListID(open bool) string {
	if open {
		return "mention-list"
	}
	return ""
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
