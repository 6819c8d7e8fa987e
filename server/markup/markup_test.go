package markup

import (
	"strings"
	"testing"
)

func TestMessageEscapesEverything(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"plain", "hello", `<div class="body">hello</div>`},
		{"tag", `<img src=x onerror=alert(1)>`, `<div class="body">&lt;img src=x onerror=alert(1)&gt;</div>`},
		{"quotes and amp", `a & "b" 'c'`, `<div class="body">a &amp; &#34;b&#34; &#39;c&#39;</div>`},
		{"lines", "one\ntwo", `<div class="body">one<br>two</div>`},
		{"link", "see https://example.com/a?b=1&c=2.", `<div class="body">see <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow ugc">https://example.com/a?b=1&amp;c=2</a>.</div>`},
		{"link cannot break out", `https://x.test/"onmouseover="alert(1)`, `<div class="body"><a href="https://x.test/" target="_blank" rel="noopener noreferrer nofollow ugc">https://x.test/</a>&#34;onmouseover=&#34;alert(1)</div>`},
		{"javascript is text", "javascript:alert(1)", `<div class="body">javascript:alert(1)</div>`},
		{"bare scheme", "http:// and https://", `<div class="body">http:// and https://</div>`},
		{"cjk", "你好 https://例子.测试/路径 再见", `<div class="body">你好 <a href="https://例子.测试/路径" target="_blank" rel="noopener noreferrer nofollow ugc">https://例子.测试/路径</a> 再见</div>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.text); got != tt.want {
				t.Errorf("Message(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestEventEscapes(t *testing.T) {
	got := Event("<b>x</b>", "joined")
	if strings.Contains(got, "<b>x") || !strings.HasPrefix(got, `<div class="event">`) {
		t.Fatalf("Event = %s", got)
	}
}

func FuzzMessageHasNoUserMarkup(f *testing.F) {
	for _, s := range []string{"<script>alert(1)</script>", "https://a.b/<x>", "a\nb", `"'&`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := Message(text)
		inner := strings.TrimSuffix(strings.TrimPrefix(got, `<div class="body">`), "</div>")
		// Remove the markup we make; what remains must have no tag start.
		inner = strings.ReplaceAll(inner, "<br>", "")
		for {
			i := strings.Index(inner, "<a href=")
			if i < 0 {
				break
			}
			j := strings.Index(inner[i:], ">")
			inner = inner[:i] + inner[i+j+1:]
			inner = strings.Replace(inner, "</a>", "", 1)
		}
		if strings.ContainsAny(inner, "<>") {
			t.Fatalf("user text produced markup: %q -> %q", text, got)
		}
	})
}
