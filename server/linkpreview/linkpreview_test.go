package linkpreview_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/founding/chat/server/linkpreview"
	"github.com/founding/chat/server/safehttp"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseOpenGraph(t *testing.T) {
	page := `<!doctype html><html><head><title>Plain title</title>
<meta property="og:title" content="  The   OG
 title ">
<meta name="description" content="meta description">
<meta property="og:description" content="OG &amp; description">
<meta property="og:site_name" content="Example">
<meta property="og:image" content="../img/card.png?x=1">
</head><body><meta property="og:title" content="from the body"></body></html>`
	p := linkpreview.Parse([]byte(page), mustURL(t, "https://example.com/a/b/page.html"))
	want := linkpreview.Page{Title: "The OG title", Description: "OG & description", Site: "Example", Image: "https://example.com/a/img/card.png?x=1"}
	if p != want {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
}

func TestParseFallsBackToTitleAndDescription(t *testing.T) {
	page := `<html><head><TITLE>A &lt;page&gt;
	title</TITLE><meta name="Description" content="What it is">
<meta property="og:image" content="javascript:alert(1)"></head></html>`
	p := linkpreview.Parse([]byte(page), mustURL(t, "http://example.org/"))
	want := linkpreview.Page{Title: "A <page> title", Description: "What it is"}
	if p != want {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
}

func TestParseCutsLongText(t *testing.T) {
	page := `<title>` + strings.Repeat("x", 1000) + `</title><meta name="description" content="` + strings.Repeat("d\u0007 ", 500) + `">`
	p := linkpreview.Parse([]byte(page), mustURL(t, "http://example.org/"))
	if n := len([]rune(p.Title)); n != 201 || !strings.HasSuffix(p.Title, "…") {
		t.Errorf("title of %d runes: %q", n, p.Title)
	}
	if strings.ContainsRune(p.Description, '\u0007') || len([]rune(p.Description)) > 301 {
		t.Errorf("description not cleaned: %q", p.Description)
	}
}

func TestFirstLink(t *testing.T) {
	for in, want := range map[string]string{
		`<p>see <a href="mailto:a@b.c">mail</a> and <a href="https://example.com/x?y=1&amp;z=2">this</a> <a href="http://other/">o</a></p>`: "https://example.com/x?y=1&z=2",
		`<p>no links <span class="mention" data-user="ann">@ann</span></p>`:                                                                 "",
		`<p><a href="javascript:alert(1)">x</a></p>`:                                                                                        "",
	} {
		if got := linkpreview.FirstLink(in); got != want {
			t.Errorf("FirstLink(%q) = %q, want %q", in, got, want)
		}
	}
}

// site serves pages for Fetch.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/og", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><meta property="og:title" content="Hello"><meta property="og:image" content="/img.png"></head></html>`))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/deep/og", http.StatusFound)
	})
	mux.HandleFunc("/deep/og", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xhtml+xml")
		w.Write([]byte(`<html><head><title>Deep</title><meta property="og:image" content="rel.png"></head></html>`))
	})
	mux.HandleFunc("/img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("not really a png"))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`<title>not html</title>`))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><!--` + strings.Repeat("x", linkpreview.MaxPage) + `--><title>Too late</title></head></html>`))
	})
	mux.HandleFunc("/bighead", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><title>Early</title></head><body>` + strings.Repeat("y", 3*linkpreview.MaxPage) + `</body></html>`))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestFetch(t *testing.T) {
	s := site(t)
	f := &linkpreview.Fetcher{Client: safehttp.New(safehttp.Options{AllowLoopback: true, MaxBody: linkpreview.MaxImage})}
	ctx := context.Background()

	r, err := f.Fetch(ctx, s.URL+"/og")
	if err != nil || r.Preview.Title != "Hello" || r.Preview.URL != s.URL+"/og" || string(r.Image) != "not really a png" {
		t.Fatalf("og: %+v, %v", r, err)
	}
	// A relative og:image is resolved against the URL the redirect led to.
	r, err = f.Fetch(ctx, s.URL+"/moved")
	if err != nil || r.Preview.Title != "Deep" || r.ImageErr == nil && r.Image == nil {
		t.Fatalf("moved: %+v, %v", r, err)
	}
	if _, err := f.Fetch(ctx, s.URL+"/json"); !errors.Is(err, linkpreview.ErrNotHTML) {
		t.Errorf("a JSON response: %v, want ErrNotHTML", err)
	}
	// A huge page is cut at MaxPage: what comes after is not seen, what
	// comes before is, and neither fails for its size.
	if _, err := f.Fetch(ctx, s.URL+"/huge"); !errors.Is(err, linkpreview.ErrNothing) {
		t.Errorf("a title past MaxPage: %v, want ErrNothing", err)
	}
	if r, err := f.Fetch(ctx, s.URL+"/bighead"); err != nil || r.Preview.Title != "Early" {
		t.Errorf("a long page with its title early: %+v, %v", r, err)
	}
	// Without the loopback allowance, the same site is refused by safehttp.
	strict := &linkpreview.Fetcher{Client: safehttp.New(safehttp.Options{})}
	if _, err := strict.Fetch(ctx, s.URL+"/og"); !errors.Is(err, safehttp.ErrAddress) {
		t.Errorf("a loopback site without the allowance: %v, want ErrAddress", err)
	}
}

// TestFetchResolvesTheImageAgainstTheFinalURL checks where the image of a
// redirected page was fetched from.
func TestFetchResolvesTheImageAgainstTheFinalURL(t *testing.T) {
	var got string
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/dir/page", http.StatusFound) })
	mux.HandleFunc("/dir/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<meta property="og:title" content="T"><meta property="og:image" content="pic.jpg">`))
	})
	mux.HandleFunc("/dir/pic.jpg", func(w http.ResponseWriter, r *http.Request) { got = r.URL.Path; w.Write([]byte("jpg")) })
	s := httptest.NewServer(mux)
	defer s.Close()
	f := &linkpreview.Fetcher{Client: safehttp.New(safehttp.Options{AllowLoopback: true})}
	r, err := f.Fetch(context.Background(), s.URL+"/start")
	if err != nil || string(r.Image) != "jpg" || got != "/dir/pic.jpg" {
		t.Fatalf("got %+v, %v, image fetched from %q", r, err, got)
	}
}
