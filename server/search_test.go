package server_test

import (
	"html"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// Integration tests of search: real servers, real websocket clients, the
// index following the log.

// searchOpts lets the tests search as often as they poll.
func searchOpts() server.Options {
	o := fast()
	o.SearchRate, o.SearchBurst = 1000, 1000
	return o
}

var searchN atomic.Uint64

// searchAs sends q as c and returns the answer; a refusal fails the test.
func searchAs(t *testing.T, c *chattest.Client, q chat.Search) chat.Results {
	t.Helper()
	q.N = searchN.Add(1)
	c.Send(&q)
	var res *chat.Results
	chattest.Eventually(t, chattest.Wait, func() bool {
		for _, f := range c.Frames() {
			switch f := f.(type) {
			case *chat.Results:
				if f.N == q.N {
					res = f
					return true
				}
			case *chat.Error:
				if f.Ref == chat.TypeSearch {
					t.Fatalf("a search refused: %s: %s", f.Code, f.Message)
				}
			}
		}
		return false
	}, "no results")
	return *res
}

// findsEventually searches as c until a hit holds want, for what was just
// posted (the index follows the log's watch), and returns the hits.
func findsEventually(t *testing.T, c *chattest.Client, q chat.Search, want string) []chat.Hit {
	t.Helper()
	var hits []chat.Hit
	chattest.Eventually(t, chattest.Wait, func() bool {
		res := searchAs(t, c, q)
		hits = res.Hits
		for _, h := range hits {
			if strings.Contains(h.HTML, want) {
				return true
			}
		}
		return false
	}, "the search for "+q.Q+" never found "+want)
	return hits
}

func TestSearchPrivacy(t *testing.T) {
	s := chattest.New(t, searchOpts())
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")

	// A private conversation: only its two members find it.
	priv := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: "the secret pumpkin recipe"})
	findsEventually(t, bob, chat.Search{Q: "pumpkin"}, "pumpkin")
	findsEventually(t, ann, chat.Search{Q: "pumpkin"}, "pumpkin")
	if res := searchAs(t, cy, chat.Search{Q: "pumpkin"}); len(res.Hits) != 0 {
		t.Errorf("cy found the private message of ann and bob: %+v", res.Hits)
	}
	if res := searchAs(t, cy, chat.Search{Q: "pumpkin", Conv: priv.Conv}); len(res.Hits) != 0 {
		t.Errorf("cy, naming the private conversation, found %+v", res.Hits)
	}

	// A room: members find its messages, from before they joined too; no
	// more once they leave.
	ann.Send(&chat.Join{Room: "garden"})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == "r:garden" })
	sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: "r:garden", Text: "the turnip harvest is in"})
	findsEventually(t, ann, chat.Search{Q: "turnips"}, "turnip")
	if res := searchAs(t, cy, chat.Search{Q: "turnip"}); len(res.Hits) != 0 {
		t.Errorf("cy, not in the room, found %+v", res.Hits)
	}
	cy.Send(&chat.Join{Room: "garden"})
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == "r:garden" })
	findsEventually(t, cy, chat.Search{Q: "turnip"}, "turnip")
	cy.Send(&chat.Leave{Conv: "r:garden"})
	chattest.Expect(cy, func(g *chat.Gone) bool { return g.Conv == "r:garden" })
	sent(t, ann, actID("ann", 3), &chat.Send{ID: actID("ann", 3), Conv: "r:garden", Text: "turnip soup after cy left"})
	findsEventually(t, ann, chat.Search{Q: "turnip soup"}, "soup")
	if res := searchAs(t, cy, chat.Search{Q: "turnip"}); len(res.Hits) != 0 {
		t.Errorf("cy, after leaving the room, found %+v", res.Hits)
	}
}

func TestSearchFiltersAndEdits(t *testing.T) {
	s := chattest.New(t, searchOpts())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	a := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "release notes draft"})
	b := sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: hub.LobbyID, Text: "release is tomorrow"})
	hits := findsEventually(t, ann, chat.Search{Q: "release"}, "tomorrow")
	if len(hits) != 2 || hits[0].Seq != b.Seq || hits[1].Seq != a.Seq {
		t.Fatalf("hits %+v: want bob's then ann's, newest first", hits)
	}
	if h := hits[0]; h.From != "bob" || h.Conv != hub.LobbyID || h.Time == 0 {
		t.Errorf("hit %+v: want from bob, in the lobby, with a time", h)
	}
	if res := searchAs(t, ann, chat.Search{Q: "release", From: "Bob"}); len(res.Hits) != 1 || res.Hits[0].Seq != b.Seq {
		t.Errorf("from Bob: %+v", res.Hits)
	}
	if res := searchAs(t, ann, chat.Search{Q: "release", Before: hits[0].Time}); len(res.Hits) > 1 || (len(res.Hits) == 1 && res.Hits[0].Seq != a.Seq) {
		t.Errorf("before bob's message: %+v", res.Hits)
	}
	if res := searchAs(t, ann, chat.Search{Q: "release", Limit: 1}); len(res.Hits) != 1 || res.Cursor == "" {
		t.Errorf("a page of one: %+v", res)
	} else if next := searchAs(t, ann, chat.Search{Q: "release", Limit: 1, Cursor: res.Cursor}); len(next.Hits) != 1 || next.Hits[0].Seq != a.Seq || next.Cursor != "" {
		t.Errorf("the next page: %+v", next)
	}

	sent(t, bob, actID("bob", 2), &chat.Edit{ID: actID("bob", 2), Conv: hub.LobbyID, Seq: b.Seq, Text: "launch is tomorrow"})
	findsEventually(t, ann, chat.Search{Q: "launch"}, "launch")
	if res := searchAs(t, ann, chat.Search{Q: "release"}); len(res.Hits) != 1 || res.Hits[0].Seq != a.Seq {
		t.Errorf("after the edit, release found %+v", res.Hits)
	}
	sent(t, ann, actID("ann", 2), &chat.Delete{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: a.Seq})
	sent(t, ann, actID("ann", 3), &chat.Send{ID: actID("ann", 3), Conv: hub.LobbyID, Text: "a release marker"})
	findsEventually(t, ann, chat.Search{Q: "release"}, "marker")
	if res := searchAs(t, ann, chat.Search{Q: "notes draft"}); len(res.Hits) != 0 {
		t.Errorf("a deleted message found: %+v", res.Hits)
	}
}

func TestSearchEscapesHostileText(t *testing.T) {
	s := chattest.New(t, searchOpts())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	payload := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "look " + payload})
	for _, q := range []string{payload, "look", "onerror"} {
		hits := findsEventually(t, bob, chat.Search{Q: q}, "look")
		h := hits[0].HTML
		bare := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h)
		if strings.ContainsAny(bare, "<>") {
			t.Errorf("query %q: the hit %q holds markup besides <mark>", q, h)
		}
		if text := html.UnescapeString(bare); !strings.Contains(text, payload) {
			t.Errorf("query %q: the hit %q does not show the payload as text", q, h)
		}
	}
}

func TestSearchBadInputAndRate(t *testing.T) {
	o := fast()
	o.SearchRate, o.SearchBurst = 0.001, 2
	s := chattest.New(t, o)
	ann := s.User(t, "ann")
	for _, tc := range []struct {
		raw  string
		code chat.Code
	}{
		{`{"type":"search","q":"   "}`, chat.CodeEmptyText},
		{`{"type":"search","q":"` + strings.Repeat("a", chat.MaxSearchRunes+1) + `"}`, chat.CodeTextTooLong},
		{`{"type":"search","q":"x","limit":500}`, chat.CodeBadRequest},
		{`{"type":"search","q":"x","after":20,"before":10}`, chat.CodeBadRequest},
	} {
		ann.SendRaw([]byte(tc.raw))
		e := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeSearch && e.Code == tc.code })
		if e.Message == "" {
			t.Errorf("%s: an error without a reason", tc.raw)
		}
	}
	ann.Send(&chat.Search{N: 1, Q: "x", Cursor: "forged"})
	chattest.Expect(ann, func(e *chat.Error) bool {
		return e.Ref == chat.TypeSearch && e.Code == chat.CodeBadRequest && strings.Contains(e.Message, "cursor")
	})
	ann.Send(&chat.Search{N: 2, Q: "x"})
	chattest.Expect(ann, func(r *chat.Results) bool { return r.N == 2 })
	ann.Send(&chat.Search{N: 3, Q: "x"}) // the burst of 2 is spent
	chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeSearch && e.Code == chat.CodeRateLimited })
	// The connection carries on.
	sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "still here"})
}
