package markup

import (
	"html"
	"strings"
)

// PlainText returns the text a message's HTML (made by Message) shows,
// without markup and unescaped, for indexing: line breaks as "\n", a
// mention as "@name", a link as its address. It is plain text, never to be
// shown as HTML.
func PlainText(messageHTML string) string {
	body := messageHTML
	if i := strings.IndexByte(body, '>'); strings.HasPrefix(body, "<div") && i >= 0 {
		body = strings.TrimSuffix(body[i+1:], "</div>")
	}
	body = strings.ReplaceAll(body, "<br>", "\n")
	return html.UnescapeString(stripTags(body))
}
