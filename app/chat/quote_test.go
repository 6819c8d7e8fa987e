package chat_test

import (
	"encoding/base64"
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

func TestPlainTextOfBlocks(t *testing.T) {
	t.Parallel()
	msg := `<div class="body" dir="auto" data-md="` + base64.RawURLEncoding.EncodeToString([]byte("**x** <y>")) + `"><p><strong>x</strong> &amp;</p><blockquote><p>q</p></blockquote>` +
		`<ul><li>a<ol start="7"><li>b</li><li>c</li></ol></li><li>d</li></ul><div class="code"><span class="code-lang">go</span>` +
		`<pre tabindex="0"><code>if a &lt; b {` + "\n\treturn\n}" + `</code></pre></div><hr><p>end</p></div>`
	want := "x &\nq\n- a\n  7. b\n  8. c\n- d\nif a < b {\n\treturn\n}\nend"
	if got := chat.PlainText(msg); got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	if got := chat.QuoteText(msg); got != "x &amp;" {
		t.Errorf("QuoteText = %q", got)
	}
	if got := chat.SourceText(msg); got != "**x** <y>" {
		t.Errorf("SourceText = %q", got)
	}
	if got := chat.SourceText(`<div class="body" dir="auto">a<br>b</div>`); got != "a\nb" {
		t.Errorf("SourceText without data-md = %q", got)
	}
}

// FuzzReadMarkup: any HTML, the server's or not, is read without a panic,
// and a quote of it is escaped text.
func FuzzReadMarkup(f *testing.F) {
	for _, s := range []string{
		`<div class="body" dir="auto"><ul><li>a<ol start="3"><li>b</li></ol></li></ul></div>`,
		`<div class="body" dir="auto" data-md="KiphKio"><strong>a</strong></div>`,
		`<div class="code"><span class="code-lang">go`, `<ol start="x"><li>`, `</ul></ol><li>`, `<div data-md="%%%">`, "<", ">", `<span class="code-lang">`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		_ = chat.PlainText(h)
		_ = chat.SourceText(h)
		if q := chat.QuoteText(h); strings.ContainsAny(q, "<>\"") {
			t.Fatalf("QuoteText(%q) = %q: not escaped", h, q)
		}
	})
}
