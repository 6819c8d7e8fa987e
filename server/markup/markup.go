// Package markup makes the HTML of conversation entries. A message's text
// is read as Markdown (a CommonMark subset, see Render) by goldmark, and
// its HTML is written here from the parsed tree: every string that came
// from a user is escaped, and the only markup that reaches a browser is
// what this package writes itself (a root element, paragraphs, line
// breaks, emphasis, code, quotes, lists, links and mentions). Any client
// may therefore insert an entry's HTML as it is, even with innerHTML.
package markup

import (
	"encoding/base64"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
)

// Render returns the HTML of a message text that chat.CleanText accepted,
// read as Markdown:
//
//   - one <div dir="auto">, so that right-to-left text or a bidi control
//     in it is isolated from the page around it; a message of one
//     paragraph is its lines with "<br>" between them, as before messages
//     were Markdown, and any other has its blocks (<p>, <blockquote>,
//     <ul>, <ol start>, <li>, <hr>, and code blocks as <div
//     class="code">, an optional <span class="code-lang"> and <pre
//     tabindex="0"><code>). A line break is always kept (<br>); a heading
//     is a bold paragraph.
//   - <strong>, <em>, <del> (~~GFM~~), <code>.
//   - links: "[text](url)", "<url>" and "<address@mail>", and URLs in
//     text, made into <a> that opens in a new tab without handing it this
//     page, its title the address; only http, https and mailto addresses
//     make a link (anything else, and an image, shows as typed or as a
//     link to the image). A URL in text ends at any bidi control, so what
//     it shows is where it goes.
//   - "@name" mentions wrapped in <span class="mention" data-user="key">
//     (see Mention).
//   - raw HTML is text: "<b>" shows as "<b>".
//
// When the text reads differently from its plain text (chat.PlainText of
// the HTML), the root carries the text as typed in data-md, in base64
// (URL alphabet, no padding: no markup, no word of it, for any scanner to
// find there), so that an author edits what they wrote (chat.SourceText). Quotes,
// lists, emphasis and links nested more than chat.MaxNesting deep are a
// CodeTooDeep error, and a text over chat.MaxTextRunes characters a
// CodeTextTooLong one: parsing and rendering are linear in the text, and
// so bounded.
func Render(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n > chat.MaxTextRunes {
		return "", chat.Errorf(chat.CodeTextTooLong, "message has %d characters; at most %d are allowed", n, chat.MaxTextRunes)
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/8 + 32)
	b.WriteString(BodyStart)
	if err := render(&b, text); err != nil {
		return "", err
	}
	b.WriteString("</div>")
	out := b.String()
	if chat.PlainText(out) != text {
		out = BodyStart[:len(BodyStart)-1] + ` ` + chat.SourceAttr + `="` + base64.RawURLEncoding.EncodeToString([]byte(text)) + `">` + out[len(BodyStart):]
	}
	return out, nil
}

// Message is Render for a text that is known to be within its limits (in
// tests and tools); a text that Render refuses is shown as it was typed,
// its lines kept, its URLs and mentions made.
func Message(text string) string {
	if out, err := Render(text); err == nil {
		return out
	}
	var b strings.Builder
	b.WriteString(BodyStart)
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		writeLinked(&b, line)
	}
	b.WriteString("</div>")
	return b.String()
}

// BodyStart opens the HTML of every message.
const BodyStart = `<div class="body" dir="auto">`

// Event returns the HTML of a membership entry: who (isolated in a <bdi>,
// so a right-to-left name does not reorder the words after it), and what
// happened, in English for clients that show entries as they are (ours
// localises by kind).
func Event(who, what string) string {
	return `<div class="event"><b><bdi>` + html.EscapeString(who) + "</bdi></b> " + html.EscapeString(what) + "</div>"
}

// writeLinked writes line escaped, with URLs made into links.
func writeLinked(b *strings.Builder, line string) {
	for line != "" {
		start := urlStart(line)
		if start < 0 {
			writeText(b, line)
			return
		}
		writeText(b, line[:start])
		line = line[start:]
		end := urlEnd(line)
		u := html.EscapeString(line[:end])
		b.WriteString(`<a href="` + u + `" target="_blank" rel="noopener noreferrer nofollow ugc">` + u + "</a>")
		line = line[end:]
	}
}

// urlStart returns the index of the first "http://" or "https://" that has
// something after it, or -1.
func urlStart(s string) int {
	from := 0
	for {
		i := strings.Index(s[from:], "http")
		if i < 0 {
			return -1
		}
		i += from
		rest := s[i:]
		for _, p := range []string{"https://", "http://"} {
			if strings.HasPrefix(rest, p) && len(rest) > len(p) && !stopsURL(rune(rest[len(p)])) {
				return i
			}
		}
		from = i + 4
	}
}

// urlEnd returns the length of the URL at the start of s: up to white space
// or a character that cannot be in one, without trailing punctuation.
func urlEnd(s string) int {
	end := len(s)
	for i, r := range s {
		if stopsURL(r) {
			end = i
			break
		}
	}
	for end > 0 && strings.ContainsRune(".,;:!?)]}'\"", rune(s[end-1])) {
		end--
	}
	return end
}

func stopsURL(r rune) bool {
	return r <= ' ' || r == '<' || r == '>' || r == '"' || r == '`' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u3000' || isBidiControl(r)
}

// isBidiControl reports whether r changes the direction of the text
// around it: the embeddings, overrides and isolates, and the marks.
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}
