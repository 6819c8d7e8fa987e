package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server/chattest"
)

// savedSeqs returns the sequences of conv's entries that local keeps.
func savedSeqs(t *testing.T, local *client.Local, conv string) []uint64 {
	t.Helper()
	s, err := local.Load()
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, c := range s.Convs {
		if c.Info.ID == conv {
			for _, e := range c.Entries {
				seqs = append(seqs, e.Seq)
			}
		}
	}
	return seqs
}

// TestRetentionRemovesAnOldMessageEverywhere: under a server-wide
// retention of a day, a sweep a day after Ann's first message removes it
// from the log, its file, its link preview's thumbnail and its search
// hit, while her later message stays; Bob's offline copy (his client's
// Local) loses it when his tab next syncs.
func TestRetentionRemovesAnOldMessageEverywhere(t *testing.T) {
	site, _ := previewSite(t, closed())
	o := searchOpts()
	o.LinkPreviews.Loopback = true
	o.Retention = 24 * time.Hour
	o.RetentionEvery = time.Hour // the test sweeps itself
	s := chattest.New(t, o)
	ann := s.User(t, "ann")
	bobJar := chattest.NewJar()
	bob := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "bob", Jar: bobJar})
	bob.Until("bob is in", func() bool { return bob.Model.Me == "bob" })

	f := mustUpload(t, s, ann.Jar, "photo.png", pngWithText(t, photo(40, 30), "x"))
	old := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: "zebracrossing " + site.URL + "/article", Files: []string{f.ID}})
	pv := chattest.Expect(ann, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryPreview && e.Target == old.Seq && e.Preview != nil && e.Preview.Image != ""
	})
	// The later message is stored at least 2 ms after the preview, so that
	// a cut-off between them exists.
	var fresh chat.Ack
	for n := uint64(2); fresh.Time < pv.Time+2; n++ {
		fresh = sent(t, ann, actID("ann", n), &chat.Send{ID: actID("ann", n), To: "bob", Text: "giraffeneck"})
	}
	findsEventually(t, ann, chat.Search{Q: "zebracrossing"}, "zebracrossing")
	findsEventually(t, ann, chat.Search{Q: "giraffeneck"}, "giraffeneck")

	local, err := client.OpenLocal("retention-" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	tab := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "bob", Jar: bobJar, Local: local})
	tab.Until("bob's tab saves both messages", func() bool {
		seqs := savedSeqs(t, local, old.Conv)
		return slices.Contains(seqs, old.Seq) && slices.Contains(seqs, fresh.Seq)
	})
	tab.Disconnect() // the tab goes offline with its copy
	bob.Conn.Disconnect()

	st, err := s.SweepRetention(context.Background(), time.UnixMilli(fresh.Time-1).Add(24*time.Hour))
	if err != nil || st.Expired != 1 || st.Entries < 2 || st.Files < 2 {
		t.Fatalf("the sweep: %+v, %v; want one conversation, the message and its preview, the file and the thumbnail", st, err)
	}
	wantFile(t, s, f, http.StatusNotFound, ann)
	if resp, _ := fetch(t, s, ann.Jar, pv.Preview.Image); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the expired preview's thumbnail answers %d", resp.StatusCode)
	}
	ann.Send(&chat.History{Conv: old.Conv, Before: fresh.Seq + 1, Limit: chat.MaxHistoryLimit})
	p := chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == old.Conv })
	if p.First <= pv.Seq || len(p.Entries) == 0 || p.Entries[0].Seq != p.First || !strings.Contains(p.Entries[0].HTML, "giraffeneck") {
		t.Errorf("history after the sweep: first %d, entries %+v", p.First, p.Entries)
	}
	chattest.Eventually(t, chattest.Wait, func() bool {
		return len(searchAs(t, ann, chat.Search{Q: "zebracrossing"}).Hits) == 0
	}, "the expired message is still found")
	findsEventually(t, ann, chat.Search{Q: "giraffeneck"}, "giraffeneck")

	// A second sweep finds nothing more to do.
	if st, err := s.SweepRetention(context.Background(), time.UnixMilli(fresh.Time-1).Add(24*time.Hour)); err != nil || st.Expired != 0 {
		t.Errorf("a second sweep: %+v, %v", st, err)
	}

	// Bob's tab comes back: its saved copy loses the expired message.
	tab.Reconnect()
	tab.Until("the offline copy loses the expired message", func() bool {
		seqs := savedSeqs(t, local, old.Conv)
		return !slices.Contains(seqs, old.Seq) && slices.Contains(seqs, fresh.Seq)
	})
}

// closed returns a closed channel: previewSite answers at once.
func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// TestARoomsOwnerSetsItsRetention: the owner of a room sets its policy;
// members see it in the room's description and its history records the
// change; a member who is not the owner may not; a room kept for ever
// loses nothing to the server's default, and a room of one day does.
func TestARoomsOwnerSetsItsRetention(t *testing.T) {
	o := fast()
	o.Retention = 10 * 24 * time.Hour
	s := chattest.New(t, o)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	den := room(t, ann, "den")
	if den.RetainDays != 10 {
		t.Errorf("the room shows a retention of %d days; want the server's 10", den.RetainDays)
	}
	room(t, bob, "den")
	refusedWith(t, bob, &chat.SetRetention{Conv: den.ID, Days: 1}, chat.CodeNotOwner)
	refusedWith(t, ann, &chat.SetRetention{Conv: den.ID, Days: chat.MaxRetainDays + 1}, chat.CodeBadRequest)

	ann.Send(&chat.SetRetention{Conv: den.ID, Days: chat.RetainForever})
	chattest.Expect(bob, func(c *chat.Conv) bool {
		return c.ID == den.ID && c.RetainDays == 0 && c.RetainPolicy == chat.RetainForever
	})
	e := moderationEntry(bob, den.ID, chat.EntryRetention, "")
	if e.Days != chat.RetainForever || e.From != "ann" {
		t.Errorf("the history records %+v", e)
	}
	later := time.UnixMilli(e.Time).Add(30 * 24 * time.Hour)
	if st, err := s.SweepRetention(context.Background(), later); err != nil {
		t.Fatal(err)
	} else if st.Expired != 0 || st.Convs == 0 {
		t.Errorf("a sweep 30 days on: %+v; want den (kept for ever) untouched", st)
	}

	ann.Send(&chat.SetRetention{Conv: den.ID, Days: 1})
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && c.RetainDays == 1 && c.RetainPolicy == 1 })
	e = chattest.Expect(bob, func(e *chat.Entry) bool { return e.Conv == den.ID && e.Kind == chat.EntryRetention && e.Days == 1 })
	if st, err := s.SweepRetention(context.Background(), time.UnixMilli(e.Time+1).Add(24*time.Hour)); err != nil || st.Expired != 1 {
		t.Errorf("a sweep a day after the change: %+v, %v; want den expired", st, err)
	}
	chattest.Expect(bob, func(x *chat.Entry) bool { return x.Conv == den.ID && x.Kind == chat.EntryExpire && x.Target > e.Seq })
}

// TestADeletedMessageLeavesTheOfflineCopy: Bob's tab saves Ann's message
// with its file, goes offline, Ann deletes it; when the tab syncs again its
// saved copy holds the message as deleted, without its text or file.
func TestADeletedMessageLeavesTheOfflineCopy(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	bobJar := chattest.NewJar()
	bob := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "bob", Jar: bobJar})
	bob.Until("bob is in", func() bool { return bob.Model.Me == "bob" })
	f := mustUpload(t, s, ann.Jar, "photo.png", pngWithText(t, photo(40, 30), "x"))
	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), To: "bob", Text: "okapisecret", Files: []string{f.ID}})

	local, err := client.OpenLocal("deleted-" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	tab := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "bob", Jar: bobJar, Local: local})
	saved := func() (chat.Entry, bool) {
		s, err := local.Load()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range s.Convs {
			for _, e := range c.Entries {
				if c.Info.ID == m.Conv && e.Seq == m.Seq {
					return e, true
				}
			}
		}
		return chat.Entry{}, false
	}
	tab.Until("bob's tab saves the message", func() bool {
		e, ok := saved()
		return ok && strings.Contains(e.HTML, "okapisecret") && len(e.Files) == 1
	})
	tab.Disconnect()
	bob.Conn.Disconnect()

	sent(t, ann, actID("ann", 2), &chat.Delete{ID: actID("ann", 2), Conv: m.Conv, Seq: m.Seq})
	tab.Reconnect()
	tab.Until("the offline copy holds the message as deleted", func() bool {
		e, ok := saved()
		return ok && e.Deleted && !strings.Contains(e.HTML, "okapisecret") && len(e.Files) == 0
	})
}

// TestRetentionCountsAnImportedMessageFromItsSlackTime: under a retention
// of 30 days, a sweep right after an admin imports a Slack export removes
// the message written there years ago (its Sent), though it was stored a
// moment ago, and keeps the one written an hour ago.
func TestRetentionCountsAnImportedMessageFromItsSlackTime(t *testing.T) {
	o := withAdmins("root")
	o.Retention = 30 * 24 * time.Hour
	o.RetentionEvery = time.Hour // the test sweeps itself
	s := chattest.New(t, o)
	root := withPassword(t, s, s.User(t, "root"))
	recent := time.Now().Add(-time.Hour).Unix()
	day := fmt.Sprintf(`[
	 {"type":"message","user":"U1","text":"long ago","ts":"1512085950.000100"},
	 {"type":"message","user":"U1","text":"an hour ago","ts":"%d.000100"}
	]`, recent)
	zip := slackZip(t, map[string][]byte{
		"users.json":              []byte(`[{"id":"U1","name":"ann"}]`),
		"channels.json":           []byte(`[{"id":"C1","name":"general"}]`),
		"general/2017-12-01.json": []byte(day),
	})
	if code, out := postImport(t, s, root.Jar, zip); code != http.StatusOK || out.Messages != 2 {
		t.Fatalf("the import: %d %+v", code, out)
	}
	conv := "r:general"
	room(t, root, "general")
	if msgs := messagesOf(t, root, conv, 2); msgs[0].Sent != 1512085950000 {
		t.Fatalf("imported: %+v", msgs)
	}
	st, err := s.SweepRetention(context.Background(), time.Now())
	if err != nil || st.Expired < 1 || st.Entries < 2 {
		t.Fatalf("the sweep: %+v, %v; want the old message and the join before it gone", st, err)
	}
	msgs := messagesOf(t, root, conv, 1)
	if !strings.Contains(msgs[0].HTML, "an hour ago") || msgs[0].Sent != recent*1000 {
		t.Errorf("after the sweep the room holds %+v", msgs)
	}
}
