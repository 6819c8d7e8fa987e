package chat_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestQuoteTextAndPlainText(t *testing.T) {
	t.Parallel()
	msg := `<div dir="auto">hi <span class="mention" data-user="bob">@bob</span> &lt;img src=x&gt;<br>see <a href="https://x.test/" rel="noopener">https://x.test/</a></div>`
	if got, want := chat.QuoteText(msg), "hi @bob &lt;img src=x&gt;"; got != want {
		t.Errorf("QuoteText = %q, want %q", got, want)
	}
	if got, want := chat.PlainText(msg), "hi @bob <img src=x>\nsee https://x.test/"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	long := `<div dir="auto">` + strings.Repeat("a", chat.MaxQuoteRunes+5) + `</div>`
	if q := chat.QuoteText(long); len([]rune(q)) != chat.MaxQuoteRunes || !strings.HasSuffix(q, "…") {
		t.Errorf("a long first line is quoted as %q", q)
	}
}
