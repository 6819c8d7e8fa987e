// Package linkpreview finds the first link of a message and makes a
// preview of the page it leads to: its Open Graph properties (og:title,
// og:description, og:image, og:site_name), or failing those its <title>
// and meta description. Pages are fetched only through a safehttp.Client
// (public addresses only, checked on the address dialled, redirects
// included), only HTML is read, and at most MaxPage bytes of it; the image
// is fetched the same way, at most MaxImage bytes, for the caller to make
// a thumbnail of.
//
// Entry points: FirstLink, Parse, Fetcher.Fetch.
package linkpreview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/safehttp"
)

// Bounds of what is read and kept.
const (
	// MaxPage is the most bytes of a page read; the rest is not.
	MaxPage = 512 << 10
	// MaxImage is the largest image fetched for a thumbnail.
	MaxImage = 4 << 20
	// MaxURL is the longest link or image URL previewed.
	MaxURL = 2048

	maxTitle       = 200
	maxDescription = 300
	maxSite        = 100
)

// FirstLink returns the first http(s) link of markup, a message's HTML as
// the server made it (links are <a href>), or "".
func FirstLink(markup string) string {
	z := html.NewTokenizer(strings.NewReader(markup))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			t := z.Token()
			if t.DataAtom != atom.A {
				continue
			}
			for _, a := range t.Attr {
				if a.Key == "href" && a.Namespace == "" && fetchable(a.Val) {
					return a.Val
				}
			}
		}
	}
}

// fetchable reports whether raw is an absolute http(s) URL short enough
// to preview.
func fetchable(raw string) bool {
	if len(raw) > MaxURL {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Page is what Parse found in a page: text fields cleaned (whitespace
// collapsed, controls dropped, cut to a bound) and Image an absolute
// http(s) URL, resolved against the page's URL ("" when none).
type Page struct {
	Title, Description, Site, Image string
}

// Empty reports whether the page gave nothing to show.
func (p Page) Empty() bool { return p.Title == "" && p.Description == "" }

// Parse reads the head of an HTML document (body, perhaps cut short) whose
// final URL is base: Open Graph properties win over <title> and the meta
// description. It stops at the document's <body>.
func Parse(body []byte, base *url.URL) Page {
	var og, meta Page
	var title strings.Builder
	inTitle, titled := false, false
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return finish(og, meta, title.String(), base)
		case html.TextToken:
			if inTitle && title.Len() < 4*maxTitle {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Title {
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			switch t.DataAtom {
			case atom.Body:
				return finish(og, meta, title.String(), base)
			case atom.Title:
				inTitle = !titled && tt == html.StartTagToken
				titled = true
			case atom.Meta:
				readMeta(t.Attr, &og, &meta)
			}
		}
	}
}

// readMeta records a <meta property|name content> the preview uses.
func readMeta(attrs []html.Attribute, og, meta *Page) {
	var key, content string
	hasContent := false
	for _, a := range attrs {
		switch a.Key {
		case "property", "name":
			if key == "" {
				key = strings.ToLower(strings.TrimSpace(a.Val))
			}
		case "content":
			content, hasContent = a.Val, true
		}
	}
	if !hasContent {
		return
	}
	set := func(field *string) {
		if *field == "" {
			*field = content
		}
	}
	switch key {
	case "og:title":
		set(&og.Title)
	case "og:description":
		set(&og.Description)
	case "og:image", "og:image:url", "og:image:secure_url":
		set(&og.Image)
	case "og:site_name":
		set(&og.Site)
	case "description":
		set(&meta.Description)
	case "twitter:image":
		set(&meta.Image)
	}
}

// finish picks each field (Open Graph first) and cleans it.
func finish(og, meta Page, title string, base *url.URL) Page {
	pick := func(a, b string) string {
		if strings.TrimSpace(a) != "" {
			return a
		}
		return b
	}
	p := Page{
		Title:       clean(pick(og.Title, title), maxTitle),
		Description: clean(pick(og.Description, meta.Description), maxDescription),
		Site:        clean(og.Site, maxSite),
	}
	if img := strings.TrimSpace(pick(og.Image, meta.Image)); img != "" && base != nil {
		if u, err := base.Parse(img); err == nil && fetchable(u.String()) {
			p.Image = u.String()
		}
	}
	return p
}

// clean collapses whitespace, drops control and invalid characters and
// cuts s to at most n runes, adding "…" when cut.
func clean(s string, n int) string {
	var b strings.Builder
	space, runes := false, 0
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r) && !unicode.IsSpace(r), unicode.Is(unicode.Cf, r) && r != '\u200d':
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		}
		gap := space && b.Len() > 0
		if gap && runes+1 >= n || runes >= n {
			return strings.TrimSpace(b.String()) + "…"
		}
		if gap {
			b.WriteByte(' ')
			runes++
		}
		space = false
		b.WriteRune(r)
		runes++
	}
	return b.String()
}

// ErrNotHTML is a page whose Content-Type is not HTML: it is not read.
var ErrNotHTML = errors.New("linkpreview: the page is not HTML")

// ErrNothing is a page with neither a title nor a description.
var ErrNothing = errors.New("linkpreview: the page has nothing to show")

// Fetcher fetches pages and images through Client.
type Fetcher struct {
	// Client makes every request; its MaxBody should allow MaxImage.
	Client *safehttp.Client
}

// Result is a fetched preview: Preview without its Image (the caller
// stores a thumbnail and sets it), and the bytes of the page's image,
// nil when it had none or fetching it failed (ImageErr says why).
type Result struct {
	Preview  chat.LinkPreview
	Image    []byte
	ImageErr error
}

// Fetch previews link: it reads at most MaxPage bytes of it, only if it
// is HTML, and then its image.
func (f *Fetcher) Fetch(ctx context.Context, link string) (Result, error) {
	if !fetchable(link) {
		return Result{}, fmt.Errorf("linkpreview: %q is not an http(s) link", link)
	}
	body, final, err := f.page(ctx, link)
	if err != nil {
		return Result{}, err
	}
	p := Parse(body, final)
	if p.Empty() {
		return Result{}, ErrNothing
	}
	r := Result{Preview: chat.LinkPreview{URL: link, Title: p.Title, Description: p.Description, Site: p.Site}}
	if p.Image != "" {
		r.Image, r.ImageErr = f.image(ctx, p.Image)
	}
	return r, nil
}

// page fetches link's HTML, cut at MaxPage bytes, and the URL the last
// redirect led to. It uses the Client's http.Client (its address and
// redirect rules), reading the body itself so as to cut it rather than
// refuse it.
func (f *Fetcher) page(ctx context.Context, link string) ([]byte, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9")
	resp, err := f.Client.HTTP().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("linkpreview: %s answered %d", resp.Request.URL.Redacted(), resp.StatusCode)
	}
	if !isHTML(resp.Header.Get("Content-Type")) {
		return nil, nil, ErrNotHTML
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPage))
	if err != nil {
		return nil, nil, err
	}
	return body, resp.Request.URL, nil
}

// image fetches an image's bytes (safehttp's size bound refuses a larger
// one).
func (f *Fetcher) image(ctx context.Context, link string) ([]byte, error) {
	resp, err := f.Client.Get(ctx, link)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("linkpreview: the image answered %d", resp.Status)
	}
	return resp.Body, nil
}

// isHTML reports whether a Content-Type is HTML or XHTML.
func isHTML(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	return err == nil && (t == "text/html" || t == "application/xhtml+xml")
}
