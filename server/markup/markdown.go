package markup

import (
	"bytes"
	"html"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// mdParser reads the Markdown subset of messages: CommonMark's blocks and
// inlines without raw HTML (no HTML block or inline HTML parser, so that
// "<b>" stays text) and without link reference definitions (no paragraph
// transformer, so that "[a]: http://x" stays a visible line of a chat
// message instead of vanishing), plus GFM's strikethrough. goldmark's
// parser is safe for concurrent use. mdParserNoLinks is the same without
// "[text](url)" links and images, for texts with too many brackets (see
// maxBrackets).
var (
	mdParser        = newParser(true)
	mdParserNoLinks = newParser(false)
)

func newParser(links bool) parser.Parser {
	inlines := []util.PrioritizedValue{
		util.Prioritized(parser.NewCodeSpanParser(), 100),
		util.Prioritized(parser.NewAutoLinkParser(), 300),
		util.Prioritized(parser.NewEmphasisParser(), 500),
		util.Prioritized(extension.NewStrikethroughParser(), 500),
	}
	if links {
		inlines = append(inlines, util.Prioritized(parser.NewLinkParser(), 200))
	}
	return parser.NewParser(
		parser.WithBlockParsers(
			util.Prioritized(parser.NewSetextHeadingParser(), 100),
			util.Prioritized(parser.NewThematicBreakParser(), 200),
			util.Prioritized(parser.NewListParser(), 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			util.Prioritized(parser.NewCodeBlockParser(), 500),
			util.Prioritized(parser.NewATXHeadingParser(), 600),
			util.Prioritized(parser.NewFencedCodeBlockParser(), 700),
			util.Prioritized(parser.NewBlockquoteParser(), 800),
			util.Prioritized(parser.NewParagraphParser(), 1000),
		),
		parser.WithInlineParsers(inlines...),
	)
}

// Two guards keep the parser linear, as the markup was before messages
// were Markdown: goldmark's link parser takes time quadratic in the
// brackets of a paragraph, and its block parser quadratic in the
// containers opened on one line (4000 of either cost tens of
// milliseconds). A text with more than maxBrackets "[" is read without
// "[text](url)" links (its brackets show as typed; URLs in it are still
// links), and a line that opens more than maxLineContainers quotes or list
// items is refused as too deep before it is parsed.
const (
	maxBrackets       = 256
	maxLineContainers = 4 * chat.MaxNesting
)

// tooManyContainers reports whether a line of src starts with more than
// maxLineContainers quote or list markers (">", "-", "+", "*" or "1." and
// "1)" followed by a space), white space between them. Such a line nests
// deeper than chat.MaxNesting; at worst it is a code line or a rule of
// that many markers, which no chat message needs.
func tooManyContainers(src string) bool {
	for line := range strings.Lines(src) {
		n := 0
		for i := 0; i < len(line); {
			c := line[i]
			switch {
			case c == ' ' || c == '\t':
				i++
				continue
			case c == '>':
				i++
			case (c == '-' || c == '+' || c == '*') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
				i += 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
					j++
				}
				if j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
					i = len(line)
					continue
				}
				i = j + 2
			default:
				i = len(line)
				continue
			}
			if n++; n > maxLineContainers {
				return true
			}
		}
	}
	return false
}

// linkAttrs follow every href: a link opens in a new tab without handing
// it this page, and earns its target nothing from search engines.
const linkAttrs = `" target="_blank" rel="noopener noreferrer nofollow ugc">`

// render writes the HTML of the Markdown text src (between the message's
// root element's tags) to b, or returns a CodeTooDeep error when quotes,
// lists, emphasis or links nest more than chat.MaxNesting deep.
func render(b *strings.Builder, src string) error {
	tooDeep := chat.Errorf(chat.CodeTooDeep, "quotes, lists or emphasis are nested more than %d deep", chat.MaxNesting)
	if tooManyContainers(src) {
		return tooDeep
	}
	p := mdParser
	if strings.Count(src, "[") > maxBrackets {
		p = mdParserNoLinks
	}
	source := []byte(src)
	doc := p.Parse(text.NewReader(source))
	if nestingOver(doc, chat.MaxNesting) {
		return tooDeep
	}
	r := renderer{b: b, src: source}
	if only := doc.FirstChild(); only != nil && only.NextSibling() == nil && only.Kind() == ast.KindParagraph {
		// One paragraph, the common chat message: its lines as they are,
		// with no <p> around them.
		r.inlines(only)
		return nil
	}
	r.blocks(doc)
	return nil
}

// nestingOver reports whether a chain of nesting nodes (quotes, lists,
// emphasis, strikethrough, links) inside each other under n is longer
// than limit. It walks the tree without recursion, so that any depth of
// input costs only time linear in its size.
func nestingOver(n ast.Node, limit int) bool {
	depth := 0
	for c := n.FirstChild(); c != nil; {
		if nests(c) {
			if depth++; depth > limit {
				return true
			}
		}
		if c.FirstChild() != nil {
			c = c.FirstChild()
			continue
		}
		for c != n {
			if nests(c) {
				depth--
			}
			if next := c.NextSibling(); next != nil {
				c = next
				break
			}
			c = c.Parent()
		}
		if c == n {
			break
		}
	}
	return false
}

func nests(n ast.Node) bool {
	switch n.Kind() {
	case ast.KindBlockquote, ast.KindList, ast.KindEmphasis, extast.KindStrikethrough, ast.KindLink, ast.KindImage:
		return true
	}
	return false
}

// renderer writes the HTML of a parsed message. It knows every kind of node
// mdParser makes and writes only its own tags; every attribute value is
// computed here and escaped, and all text goes through html.EscapeString.
// A node of a kind it does not know shows its text.
type renderer struct {
	b      *strings.Builder
	src    []byte
	inLink int // > 0 inside a link: text makes no links or mentions
	run    []byte
}

// blocks writes the block children of n.
func (r *renderer) blocks(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c)
	}
}

func (r *renderer) block(n ast.Node) {
	b := r.b
	switch n := n.(type) {
	case *ast.Paragraph:
		b.WriteString("<p>")
		r.inlines(n)
		b.WriteString("</p>")
	case *ast.TextBlock: // the text of a tight list's item
		r.inlines(n)
	case *ast.Heading: // a chat message is no document: a bold line
		b.WriteString("<p><strong>")
		r.inlines(n)
		b.WriteString("</strong></p>")
	case *ast.ThematicBreak:
		b.WriteString("<hr>")
	case *ast.FencedCodeBlock:
		r.code(n, language(n.Language(r.src)))
	case *ast.CodeBlock:
		r.code(n, "")
	case *ast.Blockquote:
		b.WriteString("<blockquote>")
		r.blocks(n)
		b.WriteString("</blockquote>")
	case *ast.List:
		if !n.IsOrdered() {
			b.WriteString("<ul>")
			r.blocks(n)
			b.WriteString("</ul>")
			return
		}
		b.WriteString("<ol")
		if n.Start != 1 {
			b.WriteString(` start="` + strconv.Itoa(n.Start) + `"`)
		}
		b.WriteString(">")
		r.blocks(n)
		b.WriteString("</ol>")
	case *ast.ListItem:
		b.WriteString("<li>")
		r.blocks(n)
		b.WriteString("</li>")
	default:
		if n.Type() == ast.TypeInline {
			r.inline(n)
			return
		}
		if n.HasChildren() {
			r.blocks(n)
			return
		}
		r.lines(n)
	}
}

// code writes a code block: its lines as they are, in a <pre> that
// scrolls sideways (and so takes the keyboard focus, to scroll without a
// mouse), under the language its info string names, if any. Clients add
// their own Copy button to a "code" div.
func (r *renderer) code(n ast.Node, lang string) {
	b := r.b
	b.WriteString(`<div class="code">`)
	if lang != "" {
		b.WriteString(`<span class="code-lang">` + html.EscapeString(lang) + `</span>`)
	}
	b.WriteString(`<pre tabindex="0"><code>`)
	var code bytes.Buffer
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(r.src))
	}
	b.WriteString(html.EscapeString(strings.TrimSuffix(code.String(), "\n")))
	b.WriteString("</code></pre></div>")
}

// lines writes the lines of a leaf block as text.
func (r *renderer) lines(n ast.Node) {
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if i > 0 {
			r.b.WriteString("<br>")
		}
		r.b.WriteString(html.EscapeString(strings.TrimRight(string(seg.Value(r.src)), "\n")))
	}
}

// language returns the label of a fenced code block: the first word of
// its info string, when it is a plausible language name (letters, digits
// and "+#-._", at most 32 characters); otherwise none.
func language(info []byte) string {
	if len(info) == 0 || len(info) > 32 {
		return ""
	}
	for _, r := range string(info) {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+#-._", r)) {
			return ""
		}
	}
	return string(info)
}

// inlines writes the inline children of n. Neighbouring pieces of text are
// joined before they are written, so that a URL or a mention that the
// parser split (at a "_" or a "[", say) is still found whole.
func (r *renderer) inlines(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inline(c)
	}
	r.flush()
}

func (r *renderer) inline(n ast.Node) {
	b := r.b
	switch n := n.(type) {
	case *ast.Text:
		r.run = appendUnescaped(r.run, n.Segment.Value(r.src))
		if n.HardLineBreak() || n.SoftLineBreak() { // a chat keeps its line breaks
			r.flush()
			b.WriteString("<br>")
		}
		return
	case *ast.String:
		r.run = append(r.run, n.Value...)
		return
	}
	r.flush()
	switch n := n.(type) {
	case *ast.Emphasis:
		tag := "em"
		if n.Level >= 2 {
			tag = "strong"
		}
		b.WriteString("<" + tag + ">")
		r.inlines(n)
		b.WriteString("</" + tag + ">")
	case *extast.Strikethrough:
		b.WriteString("<del>")
		r.inlines(n)
		b.WriteString("</del>")
	case *ast.CodeSpan:
		var code []byte
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				code = append(code, t.Segment.Value(r.src)...)
			}
		}
		b.WriteString("<code>" + html.EscapeString(strings.ReplaceAll(string(code), "\n", " ")) + "</code>")
	case *ast.Link:
		r.link(n, "[", "](", n.Destination, n.Title)
	case *ast.Image:
		r.link(n, "![", "](", n.Destination, n.Title)
	case *ast.AutoLink:
		target := string(n.URL(r.src))
		if n.AutoLinkType == ast.AutoLinkEmail {
			target = "mailto:" + target
		}
		label := html.EscapeString(string(n.Label(r.src)))
		if !safeURL(target) || r.inLink > 0 {
			b.WriteString("&lt;" + label + "&gt;")
			return
		}
		u := html.EscapeString(target)
		b.WriteString(`<a href="` + u + `" title="` + u + linkAttrs + label + "</a>")
	default:
		r.inlines(n)
	}
}

// link writes a link or an image (as a link to it, its alt text the
// link's text: a message shows no image that its author did not upload).
// A destination that is not an http, https or mailto URL makes no link:
// the text shows as it was typed. The link's title is its address, so
// that what it shows is never all a reader learns of where it goes.
func (r *renderer) link(n ast.Node, open, mid string, dest, title []byte) {
	b := r.b
	target := string(appendUnescaped(nil, dest))
	// The text first, aside: a link whose text holds a bidi control is no
	// link either (what it shows could be reordered to look like another
	// address).
	var text strings.Builder
	r.b = &text
	r.inLink++
	r.inlines(n)
	r.inLink--
	r.b = b
	if !safeURL(target) || r.inLink > 0 || strings.IndexFunc(text.String(), isBidiControl) >= 0 {
		b.WriteString(html.EscapeString(open))
		b.WriteString(text.String())
		b.WriteString(html.EscapeString(mid + string(dest)))
		if len(title) > 0 {
			b.WriteString(` &#34;` + html.EscapeString(string(title)) + `&#34;`)
		}
		b.WriteString(")")
		return
	}
	u := html.EscapeString(target)
	b.WriteString(`<a href="` + u + `" title="` + u + linkAttrs)
	b.WriteString(text.String())
	if text.Len() == 0 {
		b.WriteString(u)
	}
	b.WriteString("</a>")
}

// flush writes the text gathered so far: escaped, with URLs and mentions
// made (not inside a link).
func (r *renderer) flush() {
	if len(r.run) == 0 {
		return
	}
	if r.inLink > 0 {
		r.b.WriteString(html.EscapeString(string(r.run)))
	} else {
		writeLinked(r.b, string(r.run))
	}
	r.run = r.run[:0]
}

// appendUnescaped appends s to dst without the backslashes of CommonMark's
// escapes ("\*" is "*"). Entity references are left as typed: "&lt;"
// shows as "&lt;", as it did before messages were Markdown, and no entity
// can bring back a character that chat.CleanText refuses.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && util.IsPunct(s[i+1]) {
			i++
		}
		dst = append(dst, s[i])
	}
	return dst
}

// safeURL reports whether s may be a link's href: an absolute http or
// https URL with a host, or a mailto URL, with no white space, control or
// bidi control character (so what a link shows of its address is where it
// goes).
func safeURL(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}
