package chat

import (
	"encoding/base64"
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QuoteText returns what a reply shows of the message whose HTML (server
// markup, or DeletedHTML) is given: the first line of its PlainText,
// trimmed and cut to MaxQuoteRunes characters ("…" added when cut),
// HTML-escaped. A mention shows as "@name", a link as its text. The server
// makes a reply's Quote with it; a client shows the same for a reply still
// in its outbox.
func QuoteText(messageHTML string) string {
	text := PlainText(messageHTML)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimFunc(text, unicode.IsSpace)
	if utf8.RuneCountInString(text) > MaxQuoteRunes {
		text = strings.TrimFunc(string([]rune(text)[:MaxQuoteRunes-1]), unicode.IsSpace) + "…"
	}
	return html.EscapeString(text)
}

// PlainText returns the text of a message's server markup, unescaped: what
// its author wrote without its formatting, for search, notifications and
// screen readers. Line breaks and blocks (paragraphs, quotes, code blocks)
// start new lines; a code block keeps its text and lines; a list item is a
// line of its own, "- item" or "1. item", indented two spaces a level; a
// mention is "@name", a link its text. It reads the server's own markup,
// in which user text has every '<' escaped, so that every '<' starts a tag.
func PlainText(messageHTML string) string {
	body := messageHTML
	if i := strings.IndexByte(body, '>'); strings.HasPrefix(body, "<div") && i >= 0 {
		body = strings.TrimSuffix(body[i+1:], "</div>")
	}
	var b strings.Builder
	var lists []int // an open <ul> is 0, an open <ol> the number of its next item
	newline := func() {
		if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for body != "" {
		i := strings.IndexByte(body, '<')
		if i < 0 {
			b.WriteString(body)
			break
		}
		b.WriteString(body[:i])
		j := strings.IndexByte(body[i:], '>')
		if j < 0 {
			break
		}
		tag := body[i+1 : i+j]
		body = body[i+j+1:]
		name, attrs, _ := strings.Cut(tag, " ")
		switch name {
		case "br":
			b.WriteByte('\n')
		case "p", "/p", "blockquote", "/blockquote", "pre", "/pre", "hr", "div", "/div", "/li":
			newline()
		case "ul", "ol":
			newline()
			n := 0
			if name == "ol" {
				n = 1
				if v, ok := strings.CutPrefix(attrs, `start="`); ok {
					if k, err := strconv.Atoi(strings.TrimSuffix(v, `"`)); err == nil {
						n = k
					}
				}
			}
			lists = append(lists, n)
		case "/ul", "/ol":
			newline()
			if len(lists) > 0 {
				lists = lists[:len(lists)-1]
			}
		case "li":
			newline()
			if len(lists) == 0 {
				break
			}
			b.WriteString(strings.Repeat("  ", min(len(lists)-1, MaxNesting))) // the server nests no deeper
			if n := lists[len(lists)-1]; n == 0 {
				b.WriteString("- ")
			} else {
				b.WriteString(strconv.Itoa(n) + ". ")
				lists[len(lists)-1]++
			}
		case "span":
			if attrs == `class="code-lang"` { // a code block's label, not its text
				if k := strings.Index(body, "</span>"); k >= 0 {
					body = body[k+len("</span>"):]
				}
			}
		}
	}
	return strings.TrimRight(html.UnescapeString(b.String()), "\n")
}

// SourceAttr is the attribute of a message's root element that holds the
// text as its author typed it, in base64 (base64.RawURLEncoding of its
// UTF-8), when that differs from its PlainText: the Markdown of a
// formatted message.
const SourceAttr = "data-md"

// SourceText returns the text of a message as its author typed it: the
// SourceAttr of its markup's root element, or else its PlainText. A client
// edits a message from it.
func SourceText(messageHTML string) string {
	if end := strings.IndexByte(messageHTML, '>'); end >= 0 {
		if _, v, ok := strings.Cut(messageHTML[:end], " "+SourceAttr+`="`); ok {
			if v, _, ok := strings.Cut(v, `"`); ok {
				if b, err := base64.RawURLEncoding.DecodeString(v); err == nil && utf8.Valid(b) {
					return string(b)
				}
			}
		}
	}
	return PlainText(messageHTML)
}
