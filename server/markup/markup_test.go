package markup

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestMessageEscapesEverything(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"plain", "hello", `<div class="body" dir="auto">hello</div>`},
		{"tag", `<img src=x onerror=alert(1)>`, `<div class="body" dir="auto">&lt;img src=x onerror=alert(1)&gt;</div>`},
		{"quotes and amp", `a & "b" 'c'`, `<div class="body" dir="auto">a &amp; &#34;b&#34; &#39;c&#39;</div>`},
		{"lines", "one\ntwo", `<div class="body" dir="auto">one<br>two</div>`},
		{"link", "see https://example.com/a?b=1&c=2.", `<div class="body" dir="auto">see <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow ugc">https://example.com/a?b=1&amp;c=2</a>.</div>`},
		{"link cannot break out", `https://x.test/"onmouseover="alert(1)`, `<div class="body" dir="auto"><a href="https://x.test/" target="_blank" rel="noopener noreferrer nofollow ugc">https://x.test/</a>&#34;onmouseover=&#34;alert(1)</div>`},
		{"javascript is text", "javascript:alert(1)", `<div class="body" dir="auto">javascript:alert(1)</div>`},
		{"bare scheme", "http:// and https://", `<div class="body" dir="auto">http:// and https://</div>`},
		{"cjk", "你好 https://例子.测试/路径 再见", `<div class="body" dir="auto">你好 <a href="https://例子.测试/路径" target="_blank" rel="noopener noreferrer nofollow ugc">https://例子.测试/路径</a> 再见</div>`},
		{"mention", "hi @Ann!", `<div class="body" dir="auto">hi <span class="mention" data-user="ann">@Ann</span>!</div>`},
		{"mention folds width and case", "@Ａｎｎ", `<div class="body" dir="auto"><span class="mention" data-user="ann">@Ａｎｎ</span></div>`},
		{"mention at the end of a sentence", "thanks @bob.", `<div class="body" dir="auto">thanks <span class="mention" data-user="bob">@bob</span>.</div>`},
		{"mention with inner dots and dashes", "@a.b-c_d, hi", `<div class="body" dir="auto"><span class="mention" data-user="a.b-c_d">@a.b-c_d</span>, hi</div>`},
		{"cjk mention", "@小明，你好", `<div class="body" dir="auto"><span class="mention" data-user="小明">@小明</span>，你好</div>`},
		{"two mentions", "@ann @bob", `<div class="body" dir="auto"><span class="mention" data-user="ann">@ann</span> <span class="mention" data-user="bob">@bob</span></div>`},
		{"e-mail is no mention", "ann@example.com", `<div class="body" dir="auto">ann@example.com</div>`},
		{"mention right after one", "@ann@bob", `<div class="body" dir="auto"><span class="mention" data-user="ann">@ann</span>@bob</div>`},
		{"bare at", "@ and @@ and @.", `<div class="body" dir="auto">@ and @@ and @.</div>`},
		{"too long for a name", "@" + strings.Repeat("a", 33), `<div class="body" dir="auto">@` + strings.Repeat("a", 33) + `</div>`},
		{"markup after at", `@<img src=x onerror=alert(1)>`, `<div class="body" dir="auto">@&lt;img src=x onerror=alert(1)&gt;</div>`},
		{"quote cannot leave the attribute", `@ann"onclick="x`, `<div class="body" dir="auto"><span class="mention" data-user="ann">@ann</span>&#34;onclick=&#34;x</div>`},
		{"mention next to a link", "@ann https://x.test/@bob", `<div class="body" dir="auto"><span class="mention" data-user="ann">@ann</span> <a href="https://x.test/@bob" target="_blank" rel="noopener noreferrer nofollow ugc">https://x.test/@bob</a></div>`},
		{"mention on a second line", "one\n@ann", `<div class="body" dir="auto">one<br><span class="mention" data-user="ann">@ann</span></div>`},
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
	for _, s := range []string{"<script>alert(1)</script>", "https://a.b/<x>", "a\nb", `"'&`, "@ann @<b>x", "x@y @z. @Ａ\"", "@a https://b/@c",
		"**@ann** `@bob` [@cy](https://x.test)", "> @ann\n- https://x.test/_a_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := Message(text)
		// Only the tags Render writes, nested, every attribute ours.
		if err := allowedMarkup(got); err != nil {
			t.Fatalf("user text produced markup: %q -> %q: %v", text, got, err)
		}
		// A mention's key never holds markup.
		for rest := got; ; {
			i := strings.Index(rest, chat.MentionMarkup)
			if i < 0 {
				break
			}
			rest = rest[i+len(chat.MentionMarkup):]
			j := strings.Index(rest, `">@`)
			if j < 0 {
				t.Fatalf("unterminated mention: %q -> %q", text, got)
			}
			if strings.ContainsAny(rest[:j], `<>"'`) {
				t.Fatalf("a mention key holds markup: %q -> %q", text, got)
			}
		}
	})
}

func TestBidiIsIsolated(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"link ends at an override", "http://a.example/\u202e/gpj.exe",
			`<div class="body" dir="auto"><a href="http://a.example/" target="_blank" rel="noopener noreferrer nofollow ugc">http://a.example/</a>` + "\u202e/gpj.exe</div>"},
		{"link ends at an isolate", "https://b.example/x\u2067y",
			`<div class="body" dir="auto"><a href="https://b.example/x" target="_blank" rel="noopener noreferrer nofollow ugc">https://b.example/x</a>` + "\u2067y</div>"},
		{"link ends at a mark", "https://c.example/\u200fz",
			`<div class="body" dir="auto"><a href="https://c.example/" target="_blank" rel="noopener noreferrer nofollow ugc">https://c.example/</a>` + "\u200fz</div>"},
		{"right-to-left text stays in its box", "שלום ann", `<div class="body" dir="auto">שלום ann</div>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.text); got != tt.want {
				t.Errorf("Message(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
	if got, want := Event("שרה", "joined"), `<div class="event"><b><bdi>שרה</bdi></b> joined</div>`; got != want {
		t.Errorf("Event = %s, want %s", got, want)
	}
}

func FuzzLinksNeverHoldABidiControl(f *testing.F) {
	for _, s := range []string{"http://a.example/\u202e/gpj.exe", "https://x/\u2066y\u2069", "see https://e.test/\u200e", "\u202bhttps://f.test\u202c",
		"[a\u202eb](https://x.test)", "<https://x.test/\u202e>", "[x](https://x.test/\u2067)", "![\u200f](https://x.test/i.png)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := Message(text)
		for rest := got; ; {
			i := strings.Index(rest, `<a href="`)
			if i < 0 {
				break
			}
			end := strings.Index(rest[i:], "</a>")
			if end < 0 {
				t.Fatalf("unclosed link in %q", got)
			}
			for _, r := range rest[i : i+end] {
				if isBidiControl(r) {
					t.Fatalf("link holds the bidi control %U: %q", r, got)
				}
			}
			rest = rest[i+end:]
		}
	})
}
