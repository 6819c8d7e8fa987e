package server_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// previewSite serves a page with Open Graph tags and its image; the page
// waits for release to be closed, so that a test can show the message
// arrives before the preview is fetched. hits counts the requests.
func previewSite(t *testing.T, release <-chan struct{}) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var img bytes.Buffer
	if err := png.Encode(&img, photo(200, 100)); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><title>fallback</title>
<meta property="og:title" content="A &lt;b&gt;bold&lt;/b&gt; claim">
<meta property="og:description" content="What the page says">
<meta property="og:site_name" content="Loopback News">
<meta property="og:image" content="img/card.png"></head><body>text</body></html>`))
	})
	mux.HandleFunc("/img/card.png", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(img.Bytes())
	})
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)
	return site, &hits
}

// TestALinkGetsAPreviewAfterTheMessage: Ann sends Bob a link; Bob gets
// the message while the page is still being fetched, then the preview
// entry with its thumbnail (served to the members only), and a history
// page shows the message with its preview folded in. Bob may not remove
// it; Ann may, and then the history shows none.
func TestALinkGetsAPreviewAfterTheMessage(t *testing.T) {
	release := make(chan struct{})
	site, _ := previewSite(t, release)
	o := fast()
	o.LinkPreviews.Loopback = true
	s := chattest.New(t, o)
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")

	link := site.URL + "/article"
	ack := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: "read " + link + " now"})
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Seq == ack.Seq && e.Kind == chat.EntryMessage })
	close(release) // the message came while the page had not answered

	pe := chattest.Expect(bob, func(e *chat.Entry) bool { return e.Kind == chat.EntryPreview && e.Target == ack.Seq })
	p := pe.Preview
	if p == nil || p.URL != link || p.Title != "A <b>bold</b> claim" || p.Description != "What the page says" ||
		p.Site != "Loopback News" || !strings.HasPrefix(p.Image, chat.FilesPath+"/") || p.Width == 0 || p.Height == 0 {
		t.Fatalf("the preview entry: %+v", p)
	}
	status := func(c *chattest.Client) int {
		resp, body := fetch(t, s, c.Jar, p.Image)
		if resp.StatusCode == http.StatusOK && !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
			t.Errorf("the thumbnail is served as %q (%d bytes)", resp.Header.Get("Content-Type"), len(body))
		}
		return resp.StatusCode
	}
	if got := status(bob); got != http.StatusOK {
		t.Errorf("a member gets the thumbnail: %d", got)
	}
	if got := status(cid); got != http.StatusForbidden {
		t.Errorf("another user gets the thumbnail: %d", got)
	}

	page := func() chat.Entry {
		bob.Send(&chat.History{Conv: ack.Conv, Before: ack.Seq + 1, Limit: 1})
		return chattest.Expect(bob, func(p *chat.Page) bool { return len(p.Entries) == 1 && p.Entries[0].Seq == ack.Seq }).Entries[0]
	}
	if got := page(); got.Preview == nil || got.Preview.Title != p.Title {
		t.Fatalf("the history shows %+v", got.Preview)
	}

	bob.Send(&chat.Unpreview{ID: actID("bob", 1), Conv: ack.Conv, Seq: ack.Seq})
	refused(t, bob, actID("bob", 1), chat.TypeUnpreview, chat.CodeNotAuthor)
	un := sent(t, ann, actID("ann", 2), &chat.Unpreview{ID: actID("ann", 2), Conv: ack.Conv, Seq: ack.Seq})
	if e := chattest.Expect(bob, func(e *chat.Entry) bool { return e.Seq == un.Seq }); e.Kind != chat.EntryPreview || e.Preview != nil || e.Target != ack.Seq {
		t.Errorf("the removal entry: %+v", e)
	}
	// The thumbnail went with the preview.
	if got := status(bob); got != http.StatusNotFound {
		t.Errorf("after the removal the thumbnail answers %d", got)
	}
	// Bob's history page arrives after the removal: the preview is gone.
	bob.Send(&chat.History{Conv: ack.Conv, Before: un.Seq + 1, Limit: 3})
	hp := chattest.Expect(bob, func(p *chat.Page) bool { return len(p.Entries) > 0 && p.Entries[len(p.Entries)-1].Seq == un.Seq })
	for _, e := range hp.Entries {
		if e.Seq == ack.Seq && e.Preview != nil {
			t.Errorf("after its removal the history shows %+v", e.Preview)
		}
	}
}

// TestALinkToAPrivateAddressGetsNoPreview: without the loopback allowance
// a link to 127.0.0.1 is refused by safehttp before any connection: the
// site sees nothing, the message is delivered and no preview follows.
func TestALinkToAPrivateAddressGetsNoPreview(t *testing.T) {
	release := make(chan struct{})
	close(release)
	site, hits := previewSite(t, release)
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	ack := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: site.URL + "/article"})
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Seq == ack.Seq })
	chattest.Eventually(t, chattest.Wait, func() bool {
		_, body := s.Get(t, nil, "/metrics")
		return strings.Contains(body, `chat_link_previews_total{outcome="failed"} 1`)
	}, "the refused preview was not counted")
	if n := hits.Load(); n != 0 {
		t.Errorf("the private site got %d requests", n)
	}
	// A later message arrives after anything the refusal could have sent.
	next := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), To: "bob", Text: "no link"})
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Seq == next.Seq })
	for _, f := range bob.Frames() {
		if e, ok := f.(*chat.Entry); ok && e.Kind == chat.EntryPreview {
			t.Errorf("a preview came: %+v", e)
		}
	}
}

// TestAnEditThatChangesTheLinkChangesThePreview: an edit that keeps the
// link does not bring back a preview its author removed; an edit to
// another link previews that one; an edit that keeps no link removes the
// preview.
func TestAnEditThatChangesTheLinkChangesThePreview(t *testing.T) {
	release := make(chan struct{})
	close(release)
	site, _ := previewSite(t, release)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<title>The other page</title><meta name="description" content="plain">`))
	}))
	t.Cleanup(other.Close)
	o := fast()
	o.LinkPreviews.Loopback = true
	s := chattest.New(t, o)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")

	ack := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: site.URL + "/article"})
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryPreview && e.Target == ack.Seq && e.Preview != nil
	})

	// Removed by Ann, the preview stays removed by an edit that keeps the link.
	sent(t, ann, actID("ann", 10), &chat.Unpreview{ID: actID("ann", 10), Conv: ack.Conv, Seq: ack.Seq})
	same := sent(t, ann, actID("ann", 11), &chat.Edit{ID: actID("ann", 11), Conv: ack.Conv, Seq: ack.Seq, Text: "again: " + site.URL + "/article"})
	chattest.Eventually(t, chattest.Wait, func() bool {
		_, body := s.Get(t, nil, "/metrics")
		return strings.Contains(body, `chat_link_previews_total{outcome="unchanged"} 1`)
	}, "the edit that kept the link was not handled")
	for _, f := range bob.Frames() {
		if e, ok := f.(*chat.Entry); ok && e.Kind == chat.EntryPreview && e.Seq > same.Seq {
			t.Fatalf("an edit that kept the link brought a preview back: %+v", e)
		}
	}

	ed := sent(t, ann, actID("ann", 2), &chat.Edit{ID: actID("ann", 2), Conv: ack.Conv, Seq: ack.Seq, Text: "rather " + other.URL + "/x"})
	p := chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryPreview && e.Seq > ed.Seq && e.Preview != nil
	}).Preview
	if p.URL != other.URL+"/x" || p.Title != "The other page" || p.Description != "plain" || p.Image != "" {
		t.Errorf("the new preview: %+v", p)
	}
	gone := sent(t, ann, actID("ann", 3), &chat.Edit{ID: actID("ann", 3), Conv: ack.Conv, Seq: ack.Seq, Text: "never mind"})
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Kind == chat.EntryPreview && e.Seq > gone.Seq && e.Preview == nil })
	bob.Send(&chat.History{Conv: ack.Conv, Before: ack.Seq + 1, Limit: 1})
	if m := chattest.Expect(bob, func(p *chat.Page) bool {
		return len(p.Entries) == 1 && p.Entries[0].Seq == ack.Seq && p.Entries[0].Edited == gone.Time
	}).Entries[0]; m.Preview != nil {
		t.Errorf("after the link went the history shows %+v", m.Preview)
	}
}

// TestADeletedMessageTakesItsPreviewThumbnail: deleting a message with a
// preview removes the thumbnail file too.
func TestADeletedMessageTakesItsPreviewThumbnail(t *testing.T) {
	release := make(chan struct{})
	close(release)
	site, _ := previewSite(t, release)
	o := fast()
	o.LinkPreviews.Loopback = true
	s := chattest.New(t, o)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	ack := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: site.URL + "/article"})
	p := chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryPreview && e.Target == ack.Seq && e.Preview != nil && e.Preview.Image != ""
	}).Preview
	if resp, _ := fetch(t, s, bob.Jar, p.Image); resp.StatusCode != http.StatusOK {
		t.Fatalf("the thumbnail answers %d", resp.StatusCode)
	}
	sent(t, ann, actID("ann", 2), &chat.Delete{ID: actID("ann", 2), Conv: ack.Conv, Seq: ack.Seq})
	if resp, _ := fetch(t, s, bob.Jar, p.Image); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after the delete the thumbnail answers %d", resp.StatusCode)
	}
}

// TestARoomOwnerRemovesAPreview: the owner of a room moderates it, so
// they may remove the preview of another's message.
func TestARoomOwnerRemovesAPreview(t *testing.T) {
	release := make(chan struct{})
	close(release)
	site, _ := previewSite(t, release)
	o := fast()
	o.LinkPreviews.Loopback = true
	s := chattest.New(t, o)
	cy, ann := s.User(t, "cy"), s.User(t, "ann")
	cy.Send(&chat.Join{Room: "den"})
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == "r:den" })
	ann.Send(&chat.Join{Room: "den"})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == "r:den" })
	ack := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: "r:den", Text: site.URL + "/article"})
	chattest.Expect(cy, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryPreview && e.Target == ack.Seq && e.Preview != nil
	})
	un := sent(t, cy, actID("cy", 1), &chat.Unpreview{ID: actID("cy", 1), Conv: "r:den", Seq: ack.Seq})
	if e := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Seq == un.Seq }); e.Kind != chat.EntryPreview || e.Preview != nil {
		t.Errorf("the owner's removal: %+v", e)
	}
}
