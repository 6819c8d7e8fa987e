package markup

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
)

const link = `" target="_blank" rel="noopener noreferrer nofollow ugc">`

func TestMarkdownConstructs(t *testing.T) {
	t.Parallel()
	body := func(inner string) string { return `<div class="body" dir="auto">` + inner + `</div>` }
	for _, tt := range []struct{ name, text, want string }{
		{"bold", "**bold** __too__", "<strong>bold</strong> <strong>too</strong>"},
		{"italic", "*it* _it_", "<em>it</em> <em>it</em>"},
		{"bold italic", "***both***", "<em><strong>both</strong></em>"},
		{"strikethrough", "~~gone~~", "<del>gone</del>"},
		{"inline code", "run `go <test>` now", "run <code>go &lt;test&gt;</code> now"},
		{"code keeps markers", "`**no** @ann https://x.test`", "<code>**no** @ann https://x.test</code>"},
		{"escapes", `\*not\* \_it\_`, "*not* _it_"},
		{"intraword underscore", "snake_case_name", "snake_case_name"},
		{"fenced code", "```go\nif a < b {\n\tx  y\n}\n```", `<div class="code"><span class="code-lang">go</span><pre tabindex="0"><code>if a &lt; b {` + "\n\tx  y\n}</code></pre></div>"},
		{"fence without language", "~~~\nplain\n~~~", `<div class="code"><pre tabindex="0"><code>plain</code></pre></div>`},
		{"hostile language", "```\"><script>\nx\n```", `<div class="code"><pre tabindex="0"><code>x</code></pre></div>`},
		{"quote", "> said\nsaid too", "<blockquote><p>said<br>said too</p></blockquote>"},
		{"unordered list", "- one\n- two", "<ul><li>one</li><li>two</li></ul>"},
		{"ordered list", "3. three\n4. four", `<ol start="3"><li>three</li><li>four</li></ol>`},
		{"nested list", "1. a\n   - b", "<ol><li>a<ul><li>b</li></ul></li></ol>"},
		{"paragraphs", "one\n\ntwo", "<p>one</p><p>two</p>"},
		{"heading is bold", "# Title", "<p><strong>Title</strong></p>"},
		{"rule", "a\n\n---", "<p>a</p><hr>"},
		{"link", "[docs](https://x.test/a?b=1&c=2)", `<a href="https://x.test/a?b=1&amp;c=2" title="https://x.test/a?b=1&amp;c=2` + link + "docs</a>"},
		{"mailto link", "[mail](mailto:a@x.test)", `<a href="mailto:a@x.test" title="mailto:a@x.test` + link + "mail</a>"},
		{"autolink", "<https://x.test>", `<a href="https://x.test" title="https://x.test` + link + "https://x.test</a>"},
		{"e-mail autolink", "<a@x.test>", `<a href="mailto:a@x.test" title="mailto:a@x.test` + link + "a@x.test</a>"},
		{"bare URL in emphasis", "**https://x.test/a_b**", `<strong><a href="https://x.test/a_b` + link + "https://x.test/a_b</a></strong>"},
		{"mention in bold", "**@ann**", `<strong><span class="mention" data-user="ann">@ann</span></strong>`},
		{"mention in a list", "- @bob", `<ul><li><span class="mention" data-user="bob">@bob</span></li></ul>`},
		{"no mention in a link", "[@ann](https://x.test)", `<a href="https://x.test" title="https://x.test` + link + "@ann</a>"},
		{"image is a link", "![cat](https://x.test/c.png)", `<a href="https://x.test/c.png" title="https://x.test/c.png` + link + "cat</a>"},
		{"line breaks kept", "a\nb  \nc", "a<br>b<br>c"},
		{"reference definitions stay text", "[a]: https://x.test\n[a]", `[a]: <a href="https://x.test` + link + "https://x.test</a><br>[a]"},
		{"entities as typed", "&lt;b&gt; &amp;", "&amp;lt;b&amp;gt; &amp;amp;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if i := strings.Index(got, ` data-md="`); i >= 0 { // checked in TestSourceText
				got = got[:i] + `>` + got[strings.Index(got, `">`)+2:]
			}
			if want := body(tt.want); got != want {
				t.Errorf("Render(%q)\n got %s\nwant %s", tt.text, got, want)
			}
			if err := allowedMarkup(got); err != nil {
				t.Error(err)
			}
		})
	}
}

// hostile is Markdown and HTML meant to run script or load something: all
// of it must stay text, or make only links to http(s) and mailto.
var hostile = []string{
	"[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](  javascript:alert(1) )", "[x](java\tscript:alert(1))",
	"[x](&#106;avascript:alert(1))", "[x](javascript&#58;alert(1))", "[x](<javascript:alert(1)>)",
	"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "[x](vbscript:msgbox(1))", "[x](//evil.test)", "[x](/relative)",
	"![x](javascript:alert(1))", "![x](https://x.test/a.png\" onerror=\"alert(1))", "![x\" onerror=\"alert(1)](https://x.test)",
	"<javascript:alert(1)>", "<data:text/html,<script>alert(1)</script>>", "<https://x.test/\"onmouseover=\"alert(1)>",
	"[x](https://x.test \"title\\\" onmouseover=\\\"alert(1)\")", "[x][r]\n\n[r]: javascript:alert(1)",
	"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<div>\n*x*\n</div>", "<!-- c --> <?php x ?> <![CDATA[x]]>",
	"a <b onclick=alert(1)>b</b> <a href=\"javascript:alert(1)\">c</a>", "```\n</code></pre><script>alert(1)</script>\n```",
	"```html\" onclick=\"alert(1)\nx\n```", "`</code><script>`", "***__~~*_x_*~~__***", "**<b>**</b>", "[**x**](https://x.test/*<y>*)",
	"[[x](https://a.test)](https://b.test)", "[x](https://x.test/\u202egpj.exe)", "@ann\"><script>", "> <script>\n> - <img src=x>",
	"<svg/onload=alert(1)>", "[x](https://x.test)<style>*{}</style>", "~~~\n<iframe src=javascript:alert(1)>\n~~~",
}

func TestHostileMarkdownIsInert(t *testing.T) {
	t.Parallel()
	for _, text := range hostile {
		got, err := Render(text)
		if err != nil {
			t.Fatalf("Render(%q): %v", text, err)
		}
		if err := allowedMarkup(got); err != nil {
			t.Errorf("Render(%q) = %s: %v", text, got, err)
		}
	}
	if got := Message("[x](javascript:alert(1))"); !strings.Contains(got, ">[x](javascript:alert(1))</div>") {
		t.Errorf("a javascript: link is not shown as typed: %s", got)
	}
	if got := Message("![a cat](data:image/png;base64,AAAA)"); strings.Contains(got, "<a ") || !strings.Contains(got, "![a cat](data:image/png;base64,AAAA)") {
		t.Errorf("a data: image is not shown as typed: %s", got)
	}
}

// tagRE is every tag Render may write; allowedMarkup checks that nothing
// else is in its output, and that the tags nest.
var tagRE = regexp.MustCompile(`^<(/?(p|br|strong|em|del|code|blockquote|ul|ol|li|hr|span|div|a|pre)|div class="body" dir="auto"( data-md="[A-Za-z0-9_-]*")?|div class="code"|pre tabindex="0"|ol start="-?[0-9]{1,10}"|span class="code-lang"|span class="mention" data-user="[^"<>']*"|a href="(?i:https?://|mailto:)[^"<>']*"( title="(?i:https?://|mailto:)[^"<>']*")? target="_blank" rel="noopener noreferrer nofollow ugc")>`)

func allowedMarkup(h string) error {
	var open []string
	for rest := h; rest != ""; {
		i := strings.IndexAny(rest, "<>")
		if i < 0 {
			break
		}
		if rest[i] == '>' {
			return errors.New("a '>' outside a tag")
		}
		rest = rest[i:]
		tag := tagRE.FindString(rest)
		if tag == "" {
			end := min(len(rest), 60)
			return errors.New("a tag not allowed: " + rest[:end])
		}
		rest = rest[len(tag):]
		name, _, _ := strings.Cut(strings.Trim(tag, "<>"), " ")
		switch {
		case name == "br" || name == "hr":
		case strings.HasPrefix(name, "/"):
			if len(open) == 0 || open[len(open)-1] != name[1:] {
				return errors.New("unbalanced " + tag)
			}
			open = open[:len(open)-1]
		default:
			open = append(open, name)
		}
	}
	if len(open) != 0 {
		return errors.New("unclosed " + strings.Join(open, ","))
	}
	return nil
}

func TestNestingIsBounded(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"quotes":          strings.Repeat(">", 10000),
		"quote lines":     strings.Repeat(strings.Repeat("> ", 20)+"a\n", 90),
		"ordered lists":   strings.Repeat("1. ", 1300),
		"list items":      nestedItems(100),
		"emphasis":        strings.Repeat("*", 1000) + "a" + strings.Repeat("*", 1000),
		"strike and em":   strings.Repeat("~~a *b ", 300) + "c" + strings.Repeat("* d~~", 300),
		"links in quotes": strings.Repeat("> [", 500) + "a" + strings.Repeat("](https://x.test)", 500),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Render(text)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			var e *chat.Error
			if !errors.As(err, &e) || (e.Code != chat.CodeTooDeep && e.Code != chat.CodeTextTooLong) {
				t.Fatalf("Render = %v, want too_deep or text_too_long", err)
			}
		})
	}
	// Exactly at the limit is fine, one more is not.
	deep := func(n int) string { return strings.Repeat("> ", n) + "x" }
	if _, err := Render(deep(chat.MaxNesting)); err != nil {
		t.Errorf("%d quotes: %v", chat.MaxNesting, err)
	}
	var e *chat.Error
	if _, err := Render(deep(chat.MaxNesting + 1)); !errors.As(err, &e) || e.Code != chat.CodeTooDeep {
		t.Errorf("%d quotes: %v, want too_deep", chat.MaxNesting+1, err)
	}
	if _, err := Render(nestedItems(chat.MaxNesting)); err != nil {
		t.Errorf("%d nested lists: %v", chat.MaxNesting, err)
	}
	if _, err := Render(strings.Repeat("- a\n", 1000)); err != nil { // many items side by side are fine
		t.Errorf("1000 items: %v", err)
	}
	// Message, for tools, shows a refused text as typed.
	if got := Message(deep(chat.MaxNesting + 1)); !strings.HasSuffix(got, "&gt; x</div>") {
		t.Errorf("Message of a too deep text = %s", got)
	}
}

// nestedItems is n lists, each in the item of the one before.
func nestedItems(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- a\n")
	}
	return b.String()
}

func TestPlainTextOfMarkdown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, plain, quote string }{
		{"**bold** _it_ ~~x~~ `code`", "bold it x code", "bold it x code"},
		{"- one\n- two\n  1. deep", "- one\n- two\n  1. deep", "- one"},
		{"5. five\n6. six", "5. five\n6. six", "5. five"},
		{"see:\n\n```go\nfunc f() {\n\treturn <x>\n}\n```\nafter", "see:\nfunc f() {\n\treturn <x>\n}\nafter", "see:"},
		{"> quoted\n\nme", "quoted\nme", "quoted"},
		{"# Title\nbody", "Title\nbody", "Title"},
		{"[docs](https://x.test) @ann <https://y.test>", "docs @ann https://y.test", "docs @ann https://y.test"},
		{"a &amp; <b>", "a &amp; <b>", "a &amp;amp; &lt;b&gt;"},
	} {
		h, err := Render(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := chat.PlainText(h); got != tt.plain {
			t.Errorf("PlainText(Render(%q)) = %q, want %q", tt.text, got, tt.plain)
		}
		if got := Quote(h); got != tt.quote {
			t.Errorf("Quote(Render(%q)) = %q, want %q", tt.text, got, tt.quote)
		}
	}
}

func TestSourceText(t *testing.T) {
	t.Parallel()
	for _, text := range append([]string{
		"plain", "two\nlines", "**bold**", "* star item", "```\ncode\n```", "> q", "a\\*b", `"quotes" & <tags>`, "@ann https://x.test",
	}, hostile...) {
		h, err := Render(text)
		if err != nil {
			t.Fatal(err)
		}
		if got := chat.SourceText(h); got != text {
			t.Errorf("SourceText(Render(%q)) = %q", text, got)
		}
		if has := strings.Contains(h, chat.SourceAttr); has != (chat.PlainText(h) != text) {
			t.Errorf("Render(%q) has %s: %v, but its plain text is %q", text, chat.SourceAttr, has, chat.PlainText(h))
		}
	}
	if got := chat.SourceText(chat.DeletedHTML); got != "message deleted" {
		t.Errorf("SourceText(DeletedHTML) = %q", got)
	}
}

func FuzzMarkdownIsAllowedMarkup(f *testing.F) {
	for _, s := range append([]string{
		"**b** _i_ ~~s~~ `c`", "```go\nx\n```", "> q\n> - l\n> 1. o", "[l](https://x.test) <https://y.test> <a@b.test>",
		"![i](https://x.test/i.png)", "- @ann\n- https://x.test/_a_", "# h\n---\n    code", strings.Repeat("> ", 13) + "x",
	}, hostile...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := Render(text)
		if err != nil {
			return
		}
		if !utf8.ValidString(text) { // chat.CleanText lets none through; the markup is still checked
			if err := allowedMarkup(got); err != nil {
				t.Fatalf("Render(%q) = %s: %v", text, got, err)
			}
			return
		}
		if err := allowedMarkup(got); err != nil {
			t.Fatalf("Render(%q) = %s: %v", text, got, err)
		}
		if strings.Contains(got, chat.SourceAttr) && chat.SourceText(got) != text {
			t.Fatalf("SourceText(Render(%q)) = %q", text, chat.SourceText(got))
		}
	})
}

// BenchmarkRender: a typical formatted message, and the costliest inputs
// of the largest size allowed found so far (rendered or refused).
func BenchmarkRender(b *testing.B) {
	for name, text := range map[string]string{
		"typical":         "**Plan** for _today_:\n- build `make`\n- test https://ci.example/run/42 @ann\n```go\nif a < b {\n\treturn\n}\n```",
		"4000 quotes":     strings.Repeat(">", chat.MaxTextRunes),
		"4000 brackets":   strings.Repeat("[", chat.MaxTextRunes/2) + strings.Repeat("]", chat.MaxTextRunes/2),
		"1000 link opens": strings.Repeat("[a](", chat.MaxTextRunes/4),
		"1000 items":      strings.Repeat("- a\n", chat.MaxTextRunes/4),
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, _ = Render(text)
			}
		})
	}
}

// TestPathologicalInputsStayCheap: the inputs that cost goldmark time
// quadratic in their size (brackets for its link parser, containers opened
// on one line for its block parser) are kept from it, which their
// allocations show without a clock: parsed, each took thousands (and tens
// of milliseconds).
func TestPathologicalInputsStayCheap(t *testing.T) {
	for name, text := range map[string]string{
		"brackets":       strings.Repeat("[", chat.MaxTextRunes/2) + strings.Repeat("]", chat.MaxTextRunes/2),
		"link opens":     strings.Repeat("[a](", chat.MaxTextRunes/4),
		"quotes":         strings.Repeat(">", chat.MaxTextRunes),
		"ordered lists":  strings.Repeat("1. ", chat.MaxTextRunes/3),
		"bullet lists":   strings.Repeat("- ", chat.MaxTextRunes/2-1) + "a",
		"quotes, spaced": strings.Repeat("> ", chat.MaxTextRunes/2),
	} {
		if allocs := testing.AllocsPerRun(3, func() { _, _ = Render(text) }); allocs > 300 {
			t.Errorf("%s: %.0f allocations", name, allocs)
		}
	}
	// Past maxBrackets "[", links are not read; URLs still are.
	many := strings.Repeat("[x] ", maxBrackets) + "[docs](https://a.test) https://b.test"
	got, err := Render(many)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "[docs](") || !strings.Contains(got, `<a href="https://b.test"`) || strings.Contains(got, `title="https://a.test"`) {
		t.Errorf("with %d brackets: %s", maxBrackets+1, got[len(got)-300:])
	}
	if got, _ := Render(strings.Repeat("[x] ", maxBrackets-1) + "[docs](https://a.test)"); !strings.Contains(got, `<a href="https://a.test"`) {
		t.Errorf("with %d brackets the link is not made", maxBrackets)
	}
	// A line of more container markers than can be is refused unparsed.
	var e *chat.Error
	if _, err := Render("a\n" + strings.Repeat("- ", maxLineContainers+1) + "x"); !errors.As(err, &e) || e.Code != chat.CodeTooDeep {
		t.Errorf("a line of %d list markers: %v", maxLineContainers+1, err)
	}
	if _, err := Render("```\n" + strings.Repeat(">", maxLineContainers) + "\n```"); err != nil {
		t.Errorf("a code line of %d '>': %v", maxLineContainers, err)
	}
}
