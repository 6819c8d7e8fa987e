package markup

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// writeText writes s escaped, with every "@name" made a mention: an "@" that
// does not follow a character of a name (so "ann@example.com" is no mention),
// then a name that chat.CleanName accepts. A final "." is left out of the
// name, as the end of a sentence ("thanks @Ann.").
func writeText(b *strings.Builder, s string) {
	from := 0 // s[:from] is written
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '@' || (i > 0 && nameChar(lastRune(s[:i]))) {
			i += size
			continue
		}
		end := i + 1
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if !nameChar(r) {
				break
			}
			end += size
		}
		for end > i+1 && s[end-1] == '.' {
			end--
		}
		name := s[i+1 : end]
		if !isName(name) {
			i = max(end, i+1)
			continue
		}
		b.WriteString(html.EscapeString(s[from:i]))
		b.WriteString(chat.MentionMarkup) // data-user: the escaped names.Key of the name
		b.WriteString(html.EscapeString(names.Key(name)))
		b.WriteString(`">@`)
		b.WriteString(html.EscapeString(name))
		b.WriteString("</span>")
		from, i = end, end
	}
	b.WriteString(html.EscapeString(s[from:]))
}

// isName reports whether s is a whole user name as chat.CleanName takes it.
func isName(s string) bool {
	clean, err := chat.CleanName(s)
	return err == nil && clean == s
}

// nameChar reports whether r may be part of a name.
func nameChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nd, r) || unicode.IsMark(r) || r == '_' || r == '-' || r == '.'
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
