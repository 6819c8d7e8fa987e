package markup

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", chat.MaxQuoteRunes+5)
	for _, tc := range []struct{ name, text, want string }{
		{"plain", "hello", "hello"},
		{"firstLineOnly", "first\nsecond", "first"},
		{"markupEscaped", `<img src=x onerror=alert(1)> & "q"`, "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;q&#34;"},
		{"mention", "hi @Ann!", "hi @Ann!"},
		{"link", "see https://example.com/?a=1&b=2 now", "see https://example.com/?a=1&amp;b=2 now"},
		{"cut", long, strings.Repeat("é", chat.MaxQuoteRunes-1) + "…"},
		{"trimmed", "  x  \ny", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quote(Message(tc.text)); got != tc.want {
				t.Errorf("Quote(Message(%q)) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
	if got := Quote(chat.DeletedHTML); got != "message deleted" {
		t.Errorf("Quote(DeletedHTML) = %q", got)
	}
}
