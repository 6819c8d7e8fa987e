package hub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// wantRefusal fails unless err is a *chat.Error of code.
func wantRefusal(t *testing.T, what string, err error, code chat.Code) {
	t.Helper()
	var ce *chat.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
}

// latest returns the folded latest page of conv as user name sees it.
func latest(t *testing.T, h *hub.Hub, name, conv string) []chat.Entry {
	t.Helper()
	p, err := h.Page(context.Background(), key(name), chat.History{Conv: conv, Limit: chat.MaxHistoryLimit})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

func entryAt(t *testing.T, entries []chat.Entry, seq uint64) chat.Entry {
	t.Helper()
	for _, e := range entries {
		if e.Seq == seq {
			return e
		}
	}
	t.Fatalf("no entry %d in %+v", seq, entries)
	return chat.Entry{}
}

func TestActionsAreAuthorized(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "Ann")
	connect(h, "Bob")
	connect(h, "Cy")
	if _, err := h.Join(ctx, key("Cy"), "attic"); err != nil {
		t.Fatal(err)
	}
	m := post(t, h, "Ann", hub.LobbyID, "hello @Bob", id("ann-device", 1))

	_, err := h.Edit(ctx, key("Bob"), hub.LobbyID, m.Seq, "mine now", id("bob-device", 2))
	wantRefusal(t, "Bob edits Ann's", err, chat.CodeNotAuthor)
	_, err = h.Delete(ctx, key("Bob"), hub.LobbyID, m.Seq, id("bob-device", 3))
	wantRefusal(t, "Bob deletes Ann's", err, chat.CodeNotAuthor)
	_, err = h.Edit(ctx, key("Ann"), hub.LobbyID, 999, "x", id("ann-device", 2))
	wantRefusal(t, "edit of no message", err, chat.CodeNoSuchMessage)
	_, err = h.React(ctx, key("Ann"), hub.LobbyID, m.Seq, "<b>", true, id("ann-device", 3))
	wantRefusal(t, "markup as a reaction", err, chat.CodeBadEmoji)
	_, err = h.React(ctx, key("Ann"), "r:attic", 1, "👍", true, id("ann-device", 4))
	wantRefusal(t, "reaction in a room Ann is not in", err, chat.CodeNotMember)
	attic := latest(t, h, "Cy", "r:attic")
	if len(attic) == 0 || attic[0].Kind != chat.EntryJoin {
		t.Fatalf("the attic starts with %+v, want Cy's join", attic)
	}
	_, err = h.React(ctx, key("Cy"), "r:attic", attic[0].Seq, "👍", true, id("cy-device-1", 1))
	wantRefusal(t, "reaction to a join", err, chat.CodeNoSuchMessage)
	_, err = h.PostReply(ctx, key("Ann"), hub.LobbyID, "re", 999, id("ann-device", 5))
	wantRefusal(t, "reply to no message", err, chat.CodeNoSuchMessage)

	if _, err := h.Edit(ctx, key("Ann"), hub.LobbyID, m.Seq, "hello @Cy, see https://x.example", id("ann-device", 6)); err != nil {
		t.Fatal(err)
	}
	got := entryAt(t, latest(t, h, "Bob", hub.LobbyID), m.Seq)
	if got.Edited == 0 || !strings.Contains(got.HTML, `data-user="cy"`) || strings.Contains(got.HTML, `data-user="bob"`) ||
		!strings.Contains(got.HTML, `<a href="https://x.example"`) {
		t.Errorf("edited message as served: %+v", got)
	}
	if _, err := h.Delete(ctx, key("Ann"), hub.LobbyID, m.Seq, id("ann-device", 7)); err != nil {
		t.Fatal(err)
	}
	_, err = h.Edit(ctx, key("Ann"), hub.LobbyID, m.Seq, "again", id("ann-device", 8))
	wantRefusal(t, "edit after delete", err, chat.CodeMessageDeleted)
	_, err = h.React(ctx, key("Bob"), hub.LobbyID, m.Seq, "👍", true, id("bob-device", 4))
	wantRefusal(t, "reaction to a deleted message", err, chat.CodeMessageDeleted)
	re, err := h.PostReply(ctx, key("Bob"), hub.LobbyID, "what?", m.Seq, id("bob-device", 5))
	if err != nil {
		t.Fatal(err)
	}
	if q := entryAt(t, latest(t, h, "Bob", hub.LobbyID), re.Seq).Reply; q == nil || !q.Deleted || q.Text != "" || q.From != "Ann" {
		t.Errorf("a reply to a deleted message quotes %+v", q)
	}
}

func TestModeratorsMayDelete(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{MayModerate: func(_ context.Context, user, conv string) bool {
		return user == key("Mod") && conv == hub.LobbyID
	}})
	connect(h, "Ann")
	connect(h, "Mod")
	m := post(t, h, "Ann", hub.LobbyID, "spam", id("ann-device", 1))
	if _, err := h.Edit(ctx, key("Mod"), hub.LobbyID, m.Seq, "x", id("mod-device", 1)); err == nil {
		t.Fatal("a moderator edited someone's message")
	}
	if _, err := h.Delete(ctx, key("Mod"), hub.LobbyID, m.Seq, id("mod-device", 2)); err != nil {
		t.Fatal(err)
	}
	if got := entryAt(t, latest(t, h, "Ann", hub.LobbyID), m.Seq); !got.Deleted {
		t.Errorf("not deleted: %+v", got)
	}
}

// TestPagesShowMessagesAsTheyAreNow checks the served page: edits, reactions
// and deletes folded in, no deleted text anywhere, replies quoting a deleted
// message marked, on a hub that read the log after the fact (a restart) as
// on the one that watched it happen.
func TestPagesShowMessagesAsTheyAreNow(t *testing.T) {
	ctx := context.Background()
	log, dir := memory.NewLog(), memory.NewDirectory()
	h := newHub(t, hub.Options{Log: log, Directory: dir})
	connect(h, "Ann")
	bob := connect(h, "Bob")
	secret := post(t, h, "Ann", hub.LobbyID, "the secret is 42\nline two", id("ann-device", 1))
	kept := post(t, h, "Ann", hub.LobbyID, "kept", id("ann-device", 2))
	re, err := h.PostReply(ctx, key("Bob"), hub.LobbyID, "what secret?", secret.Seq, id("bob-device", 1))
	if err != nil {
		t.Fatal(err)
	}
	reKept, err := h.PostReply(ctx, key("Bob"), hub.LobbyID, "nice", kept.Seq, id("bob-device", 2))
	if err != nil {
		t.Fatal(err)
	}
	if q := entryAt(t, latest(t, h, "Bob", hub.LobbyID), re.Seq).Reply; q == nil || q.Text != "the secret is 42" || q.From != "Ann" {
		t.Fatalf("quote = %+v", q)
	}
	steps := []func() (chat.Ack, error){
		func() (chat.Ack, error) {
			return h.Edit(ctx, key("Ann"), hub.LobbyID, secret.Seq, "the secret is 43", id("ann-device", 3))
		},
		func() (chat.Ack, error) {
			return h.React(ctx, key("Bob"), hub.LobbyID, kept.Seq, "👍", true, id("bob-device", 3))
		},
		func() (chat.Ack, error) {
			return h.React(ctx, key("Ann"), hub.LobbyID, kept.Seq, "👍", true, id("ann-device", 4))
		},
		func() (chat.Ack, error) {
			return h.React(ctx, key("Bob"), hub.LobbyID, kept.Seq, "🎉", true, id("bob-device", 4))
		},
		func() (chat.Ack, error) {
			return h.React(ctx, key("Bob"), hub.LobbyID, kept.Seq, "🎉", false, id("bob-device", 5))
		},
		func() (chat.Ack, error) {
			return h.Edit(ctx, key("Ann"), hub.LobbyID, kept.Seq, "kept, edited", id("ann-device", 5))
		},
		func() (chat.Ack, error) {
			return h.Delete(ctx, key("Ann"), hub.LobbyID, secret.Seq, id("ann-device", 6))
		},
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	check := func(t *testing.T, h *hub.Hub) {
		t.Helper()
		entries := latest(t, h, "Bob", hub.LobbyID)
		for _, e := range entries {
			for _, leak := range []string{"secret is 42", "secret is 43"} {
				if strings.Contains(fmt.Sprintf("%+v %+v", e, e.Reply), leak) {
					t.Errorf("served entry %d holds deleted text %q: %+v", e.Seq, leak, e)
				}
			}
		}
		if s := entryAt(t, entries, secret.Seq); !s.Deleted || s.HTML != chat.DeletedHTML {
			t.Errorf("deleted message: %+v", s)
		}
		k := entryAt(t, entries, kept.Seq)
		want := []chat.Reaction{{Emoji: "👍", Users: []string{"Bob", "Ann"}}}
		if fmt.Sprint(k.Reactions) != fmt.Sprint(want) || k.Edited == 0 || !strings.Contains(k.HTML, "kept, edited") {
			t.Errorf("kept message: %+v", k)
		}
		if q := entryAt(t, entries, re.Seq).Reply; q == nil || !q.Deleted || q.Text != "" {
			t.Errorf("reply to the deleted message: %+v", q)
		}
		if q := entryAt(t, entries, reKept.Seq).Reply; q == nil || q.Deleted || q.Text != "kept" {
			t.Errorf("reply to the kept message: %+v", q)
		}
		// A client that applies the page's actions again gets the same.
		if again := chat.Fold(entries); fmt.Sprint(again) != fmt.Sprint(entries) {
			t.Errorf("folding the served page again changed it:\n%+v\n%+v", again, entries)
		}
	}
	t.Run("watched", func(t *testing.T) { check(t, h) })
	t.Run("readAfterwards", func(t *testing.T) {
		restarted := newHub(t, hub.Options{Log: log, Directory: dir})
		connect(restarted, "Bob")
		check(t, restarted)
	})

	// A reaction reaches the room as the small entry, not the message again.
	var last chat.Frame
	for _, f := range bob.frames(t) {
		if e, ok := f.(*chat.Entry); ok && e.Kind == chat.EntryReact {
			last = e
		}
	}
	if e, ok := last.(*chat.Entry); !ok || e.HTML != "" || e.Target != kept.Seq || e.Emoji != "🎉" {
		t.Errorf("last reaction Bob got: %+v", last)
	}
}

func TestActionsAreStoredOnce(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "Ann")
	m := post(t, h, "Ann", hub.LobbyID, "v1", id("ann-device", 1))
	first, err := h.React(ctx, key("Ann"), hub.LobbyID, m.Seq, "👍", true, id("ann-device", 2))
	if err != nil {
		t.Fatal(err)
	}
	edit, err := h.Edit(ctx, key("Ann"), hub.LobbyID, m.Seq, "v2", id("ann-device", 3))
	if err != nil {
		t.Fatal(err)
	}
	del, err := h.Delete(ctx, key("Ann"), hub.LobbyID, m.Seq, id("ann-device", 4))
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.React(ctx, key("Ann"), hub.LobbyID, m.Seq, "👍", true, id("ann-device", 2))
	if err == nil && again.Seq != first.Seq {
		t.Errorf("a resent reaction was stored again: %d, first %d", again.Seq, first.Seq)
	}
	delAgain, err := h.Delete(ctx, key("Ann"), hub.LobbyID, m.Seq, id("ann-device", 4))
	if err != nil || delAgain.Seq != del.Seq {
		t.Errorf("resent delete: %+v, %v; want the first ack %+v", delAgain, err, del)
	}
	if last := latest(t, h, "Ann", hub.LobbyID); last[len(last)-1].Seq != del.Seq || edit.Seq+1 != del.Seq {
		t.Errorf("entries after the resends: %+v", last)
	}
}

// TestPagesMatchTheWholeLogFolded writes a long conversation with actions on
// old and new messages (edits, deletes, reactions, replies to messages
// deleted long before), then pages through it from the newest page back, on
// the hub that watched it and on a fresh one (a restart, which reads the
// log back only as far as each page needs): every page must show what
// folding the whole log gives.
func TestPagesMatchTheWholeLogFolded(t *testing.T) {
	ctx := context.Background()
	log, dir := memory.NewLog(), memory.NewDirectory()
	h := newHub(t, hub.Options{Log: log, Directory: dir})
	connect(h, "Ann")
	connect(h, "Bob")
	var msgs []uint64 // sequences of the messages posted so far
	n := map[string]uint64{}
	next := func(who string) chat.MsgID { n[who]++; return id(strings.ToLower(who)+"-device", n[who]) }
	emoji := []string{"👍", "🎉", "❤️"}
	for i := 0; i < 700; i++ {
		who := []string{"Ann", "Bob"}[i%2]
		var err error
		switch {
		case i%7 == 3 && len(msgs) > 0: // a reaction, often to an old message
			target := msgs[(i*31)%len(msgs)]
			_, err = h.React(ctx, key(who), hub.LobbyID, target, emoji[i%3], i%3 != 1, next(who))
		case i%11 == 5 && len(msgs) > 2: // an edit or a delete of one's own, old or new
			target := msgs[(i*17)%len(msgs)]
			if i%2 == 0 {
				_, err = h.Edit(ctx, key(who), hub.LobbyID, target, fmt.Sprintf("edited at %d", i), next(who))
			} else {
				_, err = h.Delete(ctx, key(who), hub.LobbyID, target, next(who))
			}
		case i%13 == 6 && len(msgs) > 0: // a reply to an old message
			var a chat.Ack
			a, err = h.PostReply(ctx, key(who), hub.LobbyID, fmt.Sprintf("reply %d", i), msgs[(i*7)%len(msgs)], next(who))
			msgs = append(msgs, a.Seq)
		default:
			msgs = append(msgs, post(t, h, who, hub.LobbyID, fmt.Sprintf("message %d", i), next(who)).Seq)
		}
		var ce *chat.Error
		if errors.As(err, &ce) && (ce.Code == chat.CodeNotAuthor || ce.Code == chat.CodeMessageDeleted) {
			continue // someone else's, or deleted: refused, as the rules say
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	all := readAll(t, log)
	truth := chat.Fold(all)

	check := func(t *testing.T, h *hub.Hub) {
		before := uint64(0)
		pages := 0
		for {
			q := chat.History{Conv: hub.LobbyID, Limit: 60}
			if before > 0 {
				q.Before = before
			}
			p, err := h.Page(ctx, key("Bob"), q)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, e := range p.Entries {
				want := truth[e.Seq-all[0].Seq]
				e.Upto, want.Upto = 0, 0
				if fmt.Sprintf("%+v %+v", e, e.Reply) != fmt.Sprintf("%+v %+v", want, want.Reply) {
					t.Fatalf("entry %d:\n got %+v %+v\nwant %+v %+v", e.Seq, e, e.Reply, want, want.Reply)
				}
			}
			if len(p.Entries) == 0 || p.Entries[0].Seq <= p.First {
				break
			}
			before = p.Entries[0].Seq
		}
		if pages < 10 {
			t.Errorf("only %d pages", pages)
		}
	}
	t.Run("watched", func(t *testing.T) { check(t, h) })
	t.Run("restarted", func(t *testing.T) {
		restarted := newHub(t, hub.Options{Log: log, Directory: dir})
		connect(restarted, "Bob")
		check(t, restarted)
	})
	t.Run("restartedActsOnAnOldMessageFirst", func(t *testing.T) {
		restarted := newHub(t, hub.Options{Log: log, Directory: dir})
		connect(restarted, "Bob")
		for _, e := range truth {
			if e.Kind == chat.EntryMessage && e.Deleted && e.From == "Bob" {
				_, err := restarted.Edit(ctx, key("Bob"), hub.LobbyID, e.Seq, "again", next("Bob"))
				wantRefusal(t, "edit of an old deleted message after a restart", err, chat.CodeMessageDeleted)
				return
			}
		}
		t.Fatal("no deleted message of Bob's")
	})
}

// readAll returns every entry of the lobby, oldest first.
func readAll(t *testing.T, log hub.Log) []chat.Entry {
	t.Helper()
	var all []chat.Entry
	p, err := log.Page(context.Background(), chat.History{Conv: hub.LobbyID, Before: 201, Limit: 200})
	for ; err == nil && len(p.Entries) > 0; p, err = log.Page(context.Background(), chat.History{Conv: hub.LobbyID, After: all[len(all)-1].Seq, Limit: 200}) {
		all = append(all, p.Entries...)
		if all[len(all)-1].Seq == p.Last {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestConcurrentPagesAndActions pages a fresh hub's view of a conversation
// from several goroutines while reactions and edits keep coming: under
// -race, and in the end every page agrees with the whole log folded.
func TestConcurrentPagesAndActions(t *testing.T) {
	ctx := context.Background()
	log, dir := memory.NewLog(), memory.NewDirectory()
	h := newHub(t, hub.Options{Log: log, Directory: dir})
	connect(h, "Ann")
	connect(h, "Bob")
	var msgs []uint64
	for i := 1; i <= 300; i++ {
		msgs = append(msgs, post(t, h, "Ann", hub.LobbyID, fmt.Sprintf("m%d", i), id("ann-device", uint64(i))).Seq)
	}
	fresh := newHub(t, hub.Options{Log: log, Directory: dir})
	connect(fresh, "Bob")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				before := msgs[(g*71+i*37)%len(msgs)] + 1
				if _, err := fresh.Page(ctx, key("Bob"), chat.History{Conv: hub.LobbyID, Before: before, Limit: 30}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 100; i++ {
		target := msgs[(i*13)%len(msgs)]
		if _, err := fresh.React(ctx, key("Bob"), hub.LobbyID, target, "👍", i%3 != 0, id("bob-device", uint64(i+1))); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := h.Edit(ctx, key("Ann"), hub.LobbyID, target, fmt.Sprintf("e%d", i), id("ann-device", uint64(1000+i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	truth := chat.Fold(readAll(t, log))
	for before := uint64(0); ; {
		q := chat.History{Conv: hub.LobbyID, Limit: 100, Before: before}
		p, err := fresh.Page(ctx, key("Bob"), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			want := truth[e.Seq-truth[0].Seq]
			e.Upto, want.Upto = 0, 0
			if fmt.Sprintf("%+v", e) != fmt.Sprintf("%+v", want) {
				t.Fatalf("entry %d:\n got %+v\nwant %+v", e.Seq, e, want)
			}
		}
		if len(p.Entries) == 0 || p.Entries[0].Seq <= p.First {
			break
		}
		before = p.Entries[0].Seq
	}
}
