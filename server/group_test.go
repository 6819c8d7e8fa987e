package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// groupConv waits for the Conv frame of a group on c and returns it.
func groupConv(c *chattest.Client, members int) *chat.Conv {
	return chattest.Expect(c, func(f *chat.Conv) bool {
		return chat.IsGroup(f.ID) && f.Group != nil && len(f.Group.Members) == members
	})
}

// groupError waits for an error frame of code about frame type ref.
func groupError(c *chattest.Client, ref chat.Type, code chat.Code) *chat.Error {
	return chattest.Expect(c, func(e *chat.Error) bool { return e.Ref == ref && e.Code == code })
}

// TestGroupsOnTwoNodes: on two chat nodes of a 3-server NATS cluster, Ann
// starts a group with Bob and Cid; Bob adds Dee, who sees the group's
// history only from the entry that says so, in a page, a resume and a
// search alike, while the others see all of it; Cid leaves, and every
// device of Cid, on both nodes, loses the group while the others see
// "left" and the member list without Cid. The limits and every refusal
// give their error frames.
func TestGroupsOnTwoNodes(t *testing.T) {
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	limit := func(o *server.Options) { o.GroupLimit = 4 }
	n0, _ := startNode(t, urls, 3, limit)
	n1, _ := startNode(t, slices.Concat(urls[1:], urls[:1]), 3, limit)

	ann := n0.ModelClient(t, "ann", nil)
	bob := n1.ModelClient(t, "bob", nil)
	dee := n1.ModelClient(t, "dee", nil)
	for _, mc := range []*chattest.ModelClient{ann, bob, dee} {
		mc.Until("the lobby", func() bool { return mc.Ready("r:lobby") })
	}
	cid := n0.User(t, "cid")
	cidThere := n1.Dial(t, cid.Jar)
	chattest.Expect(cidThere, func(w *chat.Welcome) bool { return w.Me == "cid" })
	eve := n0.User(t, "eve")

	// Refusals of a new group.
	cid.Send(&chat.NewGroup{With: []string{"ann"}})
	groupError(cid, chat.TypeNewGroup, chat.CodeGroupTooFew)
	cid.Send(&chat.NewGroup{With: []string{"ann", "cid"}}) // oneself does not count
	groupError(cid, chat.TypeNewGroup, chat.CodeGroupTooFew)
	cid.Send(&chat.NewGroup{With: []string{"ann", "nobody1", "nobody2"}})
	if e := groupError(cid, chat.TypeNewGroup, chat.CodeNoSuchUser); !strings.Contains(e.Message, "nobody1, nobody2") {
		t.Errorf("unknown names: %q does not name them", e.Message)
	}
	cid.Send(&chat.NewGroup{With: []string{"ann", "bob", "dee", "eve"}})
	groupError(cid, chat.TypeNewGroup, chat.CodeGroupFull)
	cid.Send(&chat.NewGroup{Name: strings.Repeat("x", chat.MaxGroupNameRunes+1), With: []string{"ann", "bob"}})
	groupError(cid, chat.TypeNewGroup, chat.CodeBadGroupName)

	// Ann starts it, unnamed: each member sees it named by the others.
	ann.Send(&chat.NewGroup{With: []string{"bob", "cid"}})
	var id string
	ann.Until("the group", func() bool {
		for cid, c := range ann.Model.Convs {
			if chat.IsGroup(cid) && c.Ready {
				id = cid
				return true
			}
		}
		return false
	})
	if got := ann.Model.Convs[id].Info; got.Name != "bob, cid" || got.Kind != chat.KindPrivate || got.Group == nil || got.Group.Named {
		t.Errorf("Ann's group: %+v, want a private group named \"bob, cid\"", got)
	}
	bob.Until("the group", func() bool { return bob.Ready(id) })
	if got := bob.Model.Convs[id].Info.Name; got != "ann, cid" {
		t.Errorf("Bob's group is named %q, want \"ann, cid\"", got)
	}
	for _, tab := range []*chattest.Client{cid, cidThere} {
		groupConv(tab, 3)
	}
	ann.Say(id, "", "kiwis before dee")
	bob.Until("Ann's message", func() bool { return bob.Count(id, "before dee") == 1 })
	chattest.Expect(cidThere, entryWith("before dee"))
	if dee.Model.Convs[id] != nil {
		t.Fatal("Dee has the group before being added")
	}

	// Bob adds Dee; adding Dee again, or Eve past the limit, is refused.
	bob.Send(&chat.AddToGroup{Conv: id, Names: []string{"dee"}})
	dee.Until("the group", func() bool { return dee.Ready(id) })
	ann.Until("Dee in the member list", func() bool { return len(ann.Model.Convs[id].Info.Group.Members) == 4 })
	cid.Send(&chat.AddToGroup{Conv: id, Names: []string{"dee"}})
	groupError(cid, chat.TypeAddToGroup, chat.CodeAlreadyMember)
	cid.Send(&chat.AddToGroup{Conv: id, Names: []string{"eve"}})
	groupError(cid, chat.TypeAddToGroup, chat.CodeGroupFull)
	cid.Send(&chat.AddToGroup{Conv: id, Names: []string{"zed"}})
	groupError(cid, chat.TypeAddToGroup, chat.CodeNoSuchUser)
	eve.Send(&chat.AddToGroup{Conv: id, Names: []string{"eve"}})
	groupError(eve, chat.TypeAddToGroup, chat.CodeNoSuchConv)
	eve.Send(&chat.Send{ID: msgID(1), Conv: id, Text: "let me in"})
	groupError(eve, chat.TypeSend, chat.CodeNoSuchConv)
	eve.Send(&chat.History{Conv: id})
	groupError(eve, chat.TypeHistory, chat.CodeNoSuchConv)

	cidThere.Send(&chat.Send{ID: msgID(2), Conv: id, Text: "mangos after dee"})
	dee.Until("Cid's message", func() bool { return dee.Count(id, "after dee") == 1 })
	ann.Until("Cid's message", func() bool { return ann.Count(id, "after dee") == 1 })

	// What Dee sees starts at the entry that says Bob added Dee.
	dee.LoadOlder(id)
	entries := dee.Entries(id)
	if len(entries) == 0 || entries[0].Kind != chat.EntryAdd || entries[0].Subject != "dee" || entries[0].From != "bob" {
		t.Fatalf("Dee's window starts with %+v, want Bob adding Dee", entries)
	}
	since := entries[0].Seq
	if dee.Count(id, "before dee") != 0 {
		t.Error("Dee sees a message from before being added")
	}
	if ann.Count(id, "before dee") != 1 {
		t.Error("Ann no longer sees her message")
	}
	deeTab := n0.Dial(t, dee.Jar)
	chattest.Expect(deeTab, func(w *chat.Welcome) bool { return w.Me == "dee" })
	for i, q := range []chat.Frame{
		&chat.History{Conv: id, Limit: chat.MaxHistoryLimit},
		&chat.History{Conv: id, After: 1},
		&chat.History{Conv: id, Before: since},
		&chat.History{Conv: id, Before: since + 1, Limit: 50},
		&chat.Resume{Cursors: map[string]uint64{id: 1}},
		&chat.Resume{Cursors: map[string]uint64{id: 0}},
	} {
		seen := len(deeTab.Frames())
		deeTab.Send(q)
		var p *chat.Page
		chattest.Eventually(t, chattest.Wait, func() bool {
			for _, f := range deeTab.Frames()[seen:] {
				if pf, ok := f.(*chat.Page); ok && pf.Conv == id {
					p = pf
					return true
				}
			}
			return false
		}, "a page")
		if p.First != since {
			t.Errorf("request %d (%T): page starts at %d, want %d", i, q, p.First, since)
		}
		for _, e := range p.Entries {
			if e.Seq < since || strings.Contains(e.HTML, "before dee") {
				t.Errorf("request %d (%T) served Dee entry %d %q from before being added", i, q, e.Seq, e.HTML)
			}
		}
	}
	deeTab.Send(&chat.Send{ID: msgID(3), Conv: id, Text: "quoting", Reply: since - 1})
	groupError(deeTab, chat.TypeSend, chat.CodeNoSuchMessage)

	for _, q := range []struct {
		mc   *chattest.ModelClient
		word string
		hits int
	}{{dee, "kiwis", 0}, {dee, "mangos", 1}, {ann, "kiwis", 1}} { // not stop words
		var got *chat.Results
		n := uint64(len(q.word))
		q.mc.OnFrame = func(f chat.Frame) {
			if r, ok := f.(*chat.Results); ok && r.N == n {
				got = r
			}
		}
		// A search catches the index up with the log first: one answer.
		q.mc.Send(&chat.Search{N: n, Q: q.word, Conv: id})
		q.mc.Until("search results", func() bool { return got != nil })
		if len(got.Hits) != q.hits {
			t.Errorf("%s searching %q: %d hits, want %d", q.mc.Name, q.word, len(got.Hits), q.hits)
		}
		q.mc.OnFrame = nil
	}

	// Cid leaves: both of Cid's devices lose the group.
	cid.Send(&chat.Leave{Conv: id})
	for _, tab := range []*chattest.Client{cid, cidThere} {
		chattest.Expect(tab, func(g *chat.Gone) bool { return g.Conv == id })
	}
	ann.Until("Cid's leave", func() bool {
		for _, e := range ann.Entries(id) {
			if e.Kind == chat.EntryLeave && e.From == "cid" {
				return len(ann.Model.Convs[id].Info.Group.Members) == 3
			}
		}
		return false
	})
	bob.Until("Cid gone from the member list", func() bool {
		return !slices.Contains(bob.Model.Convs[id].Info.Group.Members, "cid")
	})
	cid.Send(&chat.Send{ID: msgID(4), Conv: id, Text: "still here?"})
	groupError(cid, chat.TypeSend, chat.CodeNoSuchConv)
	cid.Send(&chat.Leave{Conv: id})
	groupError(cid, chat.TypeLeave, chat.CodeNoSuchConv)

	// With Cid gone, Eve fits.
	ann.Send(&chat.AddToGroup{Conv: id, Names: []string{"eve"}})
	groupConv(eve, 4)

	// Ann names the group on her node: Bob, on the other, sees the name
	// and the entry; taking the name away shows the members' names again.
	ann.Send(&chat.RenameGroup{Conv: id, Name: " Trip  <2027> "})
	bob.Until("the new name", func() bool {
		info := bob.Model.Convs[id].Info
		return info.Name == "Trip &lt;2027&gt;" && info.Group.Named
	})
	bob.Until("the rename entry", func() bool {
		for _, e := range bob.Entries(id) {
			if e.Kind == chat.EntryRename && e.From == "ann" && e.Subject == "Trip &lt;2027&gt;" {
				return true
			}
		}
		return false
	})
	cid.Send(&chat.RenameGroup{Conv: id, Name: "mine now"})
	groupError(cid, chat.TypeRenameGroup, chat.CodeNoSuchConv)
	dee.Send(&chat.RenameGroup{Conv: id})
	ann.Until("no name", func() bool {
		return ann.Model.Convs[id].Info.Name == "bob, dee, eve" && !ann.Model.Convs[id].Info.Group.Named
	})
	bob.Until("no name", func() bool { return bob.Model.Convs[id].Info.Name == "ann, dee, eve" })
}

// TestGroupFilesFromBeforeAnAdditionStayHidden: a member added to a group
// may not fetch a file posted there before (403) unless it is posted again
// after; the other members fetch it, and Dee the files posted since.
func TestGroupFilesFromBeforeAnAdditionStayHidden(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, _, dee := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid"), s.User(t, "dee")
	ann.Send(&chat.NewGroup{With: []string{"bob", "cid"}})
	id := groupConv(ann, 3).ID
	status := func(c *chattest.Client, f chat.File) int {
		t.Helper()
		resp, _ := fetch(t, s, c.Jar, chat.FilesPath+"/"+f.ID)
		return resp.StatusCode
	}
	post := func(n uint64, f chat.File) {
		t.Helper()
		ann.Send(&chat.Send{ID: msgID(n), Conv: id, Files: []string{f.ID}})
		chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(n) })
	}
	before := mustUpload(t, s, ann.Jar, "before.png", pngWithText(t, photo(20, 10), "x"))
	post(1, before)
	ann.Send(&chat.AddToGroup{Conv: id, Names: []string{"dee"}})
	groupConv(dee, 4)
	after := mustUpload(t, s, ann.Jar, "after.png", pngWithText(t, photo(20, 10), "y"))
	post(2, after)
	for i, tc := range []struct {
		who  *chattest.Client
		f    chat.File
		want int
	}{{bob, before, http.StatusOK}, {dee, before, http.StatusForbidden}, {dee, after, http.StatusOK}, {bob, after, http.StatusOK}} {
		if got := status(tc.who, tc.f); got != tc.want {
			t.Errorf("case %d, fetching %s: %d, want %d", i, tc.f.Name, got, tc.want)
		}
	}
	post(3, before) // posted again, where Dee may see it
	if got := status(dee, before); got != http.StatusOK {
		t.Errorf("Dee fetching a file posted again since: %d", got)
	}
}
