package chat

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QuoteText returns what a reply shows of the message whose HTML (server
// markup, or DeletedHTML) is given: the text of its first line, without
// markup, trimmed and cut to MaxQuoteRunes characters ("…" added when
// cut), HTML-escaped. A mention shows as "@name", a link as its address.
// The server makes a reply's Quote with it; a client shows the same for a
// reply still in its outbox.
func QuoteText(messageHTML string) string {
	body := messageHTML
	if i := strings.IndexByte(body, '>'); strings.HasPrefix(body, "<div") && i >= 0 {
		body = strings.TrimSuffix(body[i+1:], "</div>")
	}
	if i := strings.Index(body, "<br>"); i >= 0 {
		body = body[:i]
	}
	text := strings.TrimFunc(html.UnescapeString(stripTags(body)), unicode.IsSpace)
	if utf8.RuneCountInString(text) > MaxQuoteRunes {
		text = strings.TrimFunc(string([]rune(text)[:MaxQuoteRunes-1]), unicode.IsSpace) + "…"
	}
	return html.EscapeString(text)
}

// stripTags drops the tags of server-made markup, in which user text has
// every '<' escaped, so that every '<' starts a tag of ours.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return b.String()
		}
		s = s[i+j+1:]
	}
}

// PlainText returns the text of a message's server markup, unescaped, its
// lines kept: what its author typed, as far as the markup tells (a mention
// is "@name", a link its address). A client edits a message from it.
func PlainText(messageHTML string) string {
	body := messageHTML
	if i := strings.IndexByte(body, '>'); strings.HasPrefix(body, "<div") && i >= 0 {
		body = strings.TrimSuffix(body[i+1:], "</div>")
	}
	return html.UnescapeString(stripTags(strings.ReplaceAll(body, "<br>", "\n")))
}
