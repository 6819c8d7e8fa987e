//go:build !wasm

// These tests render with go-app's server-side engine (app.IsServer): on
// wasm, Load would mount into a real DOM and OnMount would dial.

package ui

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// node is an element (tag set) or a text node (tag empty) of the HTML that
// go-app renders. go-app prints attributes in map order, so tests query this
// tree instead of matching substrings of app.HTMLString.
type node struct {
	tag   string
	attrs map[string]string
	kids  []*node
	data  string // a text node's text
}

// render loads c in a fresh test engine and returns its HTML and its tree.
func render(t *testing.T, c app.Composer) (string, *node) {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("loading the component: %v", err)
	}
	e.ConsumeAll()
	h := app.HTMLString(c)
	return h, parseHTML(t, h)
}

// parseHTML reads go-app's HTML with encoding/xml in its lenient HTML mode:
// void elements close themselves, entities are decoded, bare attributes
// (aria-pressed for "true") are allowed.
func parseHTML(t *testing.T, h string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(h))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{tag: "#document"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parsing the rendered HTML: %v\n%s", err, h)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{tag: strings.ToLower(tok.Name.Local), attrs: make(map[string]string)}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				n.attrs[strings.ToLower(name)] = a.Value
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top.kids = append(top.kids, &node{data: string(tok)})
		}
	}
	return root
}

// text returns the node's text with runs of white space collapsed, as a
// browser shows it.
func (n *node) text() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		if n.tag == "" {
			b.WriteString(n.data)
			b.WriteByte(' ')
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// all returns the elements under n (n included) that match every predicate,
// in document order.
func (n *node) all(preds ...func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		if n.tag != "" && matches(n, preds) {
			out = append(out, n)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

func matches(n *node, preds []func(*node) bool) bool {
	for _, p := range preds {
		if !p(n) {
			return false
		}
	}
	return true
}

// find returns the first element matching every predicate, or nil.
func (n *node) find(preds ...func(*node) bool) *node {
	if found := n.all(preds...); len(found) > 0 {
		return found[0]
	}
	return nil
}

// must is find that fails the test when nothing matches.
func (n *node) must(t *testing.T, what string, preds ...func(*node) bool) *node {
	t.Helper()
	found := n.find(preds...)
	if found == nil {
		t.Fatalf("no %s in the rendered page", what)
	}
	return found
}

// elements returns the element children of n.
func (n *node) elements() []*node {
	var out []*node
	for _, k := range n.kids {
		if k.tag != "" {
			out = append(out, k)
		}
	}
	return out
}

func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

func byID(id string) func(*node) bool { return func(n *node) bool { return n.attrs["id"] == id } }
func byTag(tag string) func(*node) bool {
	return func(n *node) bool { return n.tag == tag }
}
func byClass(classes ...string) func(*node) bool {
	return func(n *node) bool {
		for _, c := range classes {
			if !n.hasClass(c) {
				return false
			}
		}
		return true
	}
}
func byAttr(name, value string) func(*node) bool {
	return func(n *node) bool { v, ok := n.attrs[name]; return ok && v == value }
}

// texts returns the text of each element under n matching preds.
func (n *node) texts(preds ...func(*node) bool) []string {
	var out []string
	for _, e := range n.all(preds...) {
		out = append(out, e.text())
	}
	return out
}

func TestParseHTML(t *testing.T) {
	root := parseHTML(t, `<div id="a" class="x y"><p>one &lt;b&gt; two</p><input type="text"><br><span aria-pressed>z</span></div>`)
	div := root.must(t, "div", byID("a"))
	if !div.hasClass("y") || div.hasClass("z") {
		t.Errorf("classes of %v", div.attrs)
	}
	if got := div.text(); got != "one <b> two z" {
		t.Errorf("text = %q", got)
	}
	if n := len(div.elements()); n != 4 {
		t.Errorf("div has %d element children, want 4 (void elements must close)", n)
	}
	if root.find(byTag("b")) != nil {
		t.Error("escaped text became an element")
	}
	if root.find(byAttr("aria-pressed", "aria-pressed")) == nil {
		t.Error("a bare attribute was lost")
	}
}
