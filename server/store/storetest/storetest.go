// Package storetest checks that a backend keeps the contract of a seam,
// the way testing/fstest checks a file system: the tests of each backend in
// server/store call it with a fresh, empty backend, so that the memory and
// the JetStream ones are held to the same behaviour.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/hub"
)

// TestDirectory checks an empty hub.Directory: conversations are created
// once, memberships change once and are watched, read positions only rise,
// last-seen times are kept.
func TestDirectory(t *testing.T, d hub.Directory) {
	t.Helper()
	ctx := context.Background()
	changes := make(chan hub.MembershipChange, 10)
	stop, err := d.WatchMemberships(ctx, func(c hub.MembershipChange) { changes <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	room := hub.ConvRecord{ID: "r:group a", Kind: chat.KindRoom, Name: "group A"}
	got, err := d.CreateConv(ctx, room)
	if err != nil || !reflect.DeepEqual(got, room) {
		t.Fatalf("create: %+v %v", got, err)
	}
	again, _ := d.CreateConv(ctx, hub.ConvRecord{ID: "r:group a", Kind: chat.KindRoom, Name: "GROUP A"})
	if again.Name != "group A" {
		t.Fatalf("second create replaced the room: %+v", again)
	}
	if _, err := d.Conv(ctx, "r:none"); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("missing conv: %v", err)
	}
	if holder, err := d.HoldLook(ctx, "group a", "r:group a"); err != nil || holder != "r:group a" {
		t.Fatalf("HoldLook first: %q %v", holder, err)
	}
	if holder, err := d.HoldLook(ctx, "group a", "r:gr0up a"); err != nil || holder != "r:group a" {
		t.Fatalf("HoldLook of a look-alike: %q %v, want the first holder", holder, err)
	}

	for _, step := range []struct {
		conv   string
		member bool
		change bool
	}{
		{"r:group a", true, true},
		{"r:group a", true, false},
		{"r:lobby", true, true},
		{"r:group a", false, true},
		{"r:group a", false, false},
		{"r:group a", true, true},
	} {
		changed, err := d.SetMember(ctx, "ann", step.conv, step.member)
		if err != nil || changed != step.change {
			t.Fatalf("SetMember(%s, %v) = %v, %v; want %v", step.conv, step.member, changed, err, step.change)
		}
		if changed {
			select {
			case c := <-changes:
				if c.User != "ann" || c.Conv != step.conv || c.Member != step.member {
					t.Fatalf("watched %+v", c)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no membership change was watched")
			}
		}
	}
	list, _ := d.Memberships(ctx, "ann")
	if !reflect.DeepEqual(list, []string{"r:group a", "r:lobby"}) {
		t.Fatalf("memberships = %v", list)
	}

	raised := make(chan hub.CursorChange, 10)
	stopCursors, err := d.WatchCursors(ctx, func(c hub.CursorChange) { raised <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer stopCursors()
	for _, step := range []struct {
		seq    uint64
		raised bool
	}{{5, true}, {3, false}, {5, false}, {9, true}} {
		if raised, err := d.RaiseCursor(ctx, "ann", "r:lobby", step.seq); err != nil || raised != step.raised {
			t.Fatalf("RaiseCursor(%d) = %v, %v", step.seq, raised, err)
		}
	}
	if c, _ := d.Cursors(ctx, "ann"); c["r:lobby"] != 9 || len(c) != 1 {
		t.Fatalf("cursors = %v", c)
	}
	for _, tc := range []struct {
		user, conv string
		want       uint64
	}{{"ann", "r:lobby", 9}, {"ann", "r:group a", 0}, {"bob", "r:lobby", 0}} {
		if seq, err := d.Cursor(ctx, tc.user, tc.conv); err != nil || seq != tc.want {
			t.Fatalf("Cursor(%s, %s) = %d, %v; want %d", tc.user, tc.conv, seq, err, tc.want)
		}
	}
	// The watch saw the raises in order, up to the last, and nothing else.
	// It may skip one a later raise replaced before it was delivered (a
	// bucket keeps one value per key, and a read position only rises).
	for last := uint64(0); last != 9; {
		select {
		case c := <-raised:
			if c.User != "ann" || c.Conv != "r:lobby" || (c.Seq != 5 && c.Seq != 9) || c.Seq <= last {
				t.Fatalf("watched %+v after seq %d, want a raise to 5 or 9, in order", c, last)
			}
			last = c.Seq
		case <-time.After(10 * time.Second):
			t.Fatalf("the watch did not see the raise to 9 (the last it saw: %d)", last)
		}
	}
	if err := d.SetSeen(ctx, "ann", 1234); err != nil {
		t.Fatal(err)
	}
	if ms, _ := d.Seen(ctx, "ann"); ms != 1234 {
		t.Fatalf("seen = %d", ms)
	}
}

// TestRecords checks empty auth.Records by driving auth.Accounts over them:
// claiming a name, sessions, passwords, signing in and out.
func TestRecords(t *testing.T, rec auth.Records) {
	t.Helper()
	a := auth.NewAccounts(rec)
	ctx := context.Background()
	visitor := func() string {
		t.Helper()
		v, err := a.Visit(ctx, "", auth.Client{})
		if err != nil || !v.Fresh || v.User.Key != "" {
			t.Fatalf("Visit = %+v, %v", v, err)
		}
		return v.Token
	}
	first, other := visitor(), visitor()
	u, code, err := a.Claim(ctx, first, "Ann")
	if err != nil || u.Key != "ann" || u.Name != "Ann" || u.HasPassword || code == "" {
		t.Fatalf("Claim = %+v, %q, %v", u, code, err)
	}
	if _, _, err := a.Claim(ctx, other, "ＡＮＮ"); !errors.Is(err, auth.ErrNameTaken) {
		t.Fatalf("another browser claiming ＡＮＮ: %v", err)
	}
	if _, err := a.Lookup(ctx, first); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("the visitor token that claimed holds the account: %v", err)
	}
	if _, _, err := a.Claim(ctx, first, "Annie"); !errors.Is(err, auth.ErrHasName) {
		t.Fatalf("claiming twice: %v", err)
	}
	ann, got, err := a.Exchange(ctx, code, auth.Client{Addr: "127.0.0.1"})
	if err != nil || got != u || ann == first {
		t.Fatalf("Exchange = %q %+v %v", ann, got, err)
	}
	if _, _, err := a.Exchange(ctx, code, auth.Client{}); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("exchanging a code twice: %v", err)
	}
	if got, err := a.Lookup(ctx, ann); err != nil || got != u {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	if _, err := a.Lookup(ctx, "not a token"); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("Lookup of garbage: %v", err)
	}

	// No password yet: nobody can sign in as Ann.
	if _, _, err := a.SignIn(ctx, "ann", "", auth.Client{Addr: "127.0.0.1"}); !errors.Is(err, auth.ErrWrongPassword) {
		t.Fatalf("sign in without a password set: %v", err)
	}
	if err := a.SetPassword(ctx, "ann", "", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Lookup(ctx, ann); !got.HasPassword {
		t.Fatal("HasPassword not set")
	}
	if err := a.SetPassword(ctx, "ann", "wrong", "another one"); !errors.Is(err, auth.ErrWrongPassword) {
		t.Fatalf("changing with a wrong current password: %v", err)
	}
	token, got, err := a.SignIn(ctx, "ANN", "correct horse", auth.Client{Addr: "127.0.0.1"})
	if err != nil || got.Key != "ann" || token == ann || token == "" {
		t.Fatalf("SignIn = %q %+v %v", token, got, err)
	}
	if u2, err := a.Lookup(ctx, token); err != nil || u2.Key != "ann" {
		t.Fatalf("the new session: %+v %v", u2, err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("after sign-out: %v", err)
	}
	if _, err := a.Lookup(ctx, ann); err != nil {
		t.Fatalf("signing out one session ended another: %v", err)
	}
	if _, err := a.Find(ctx, "Ａｎｎ"); err != nil {
		t.Fatalf("Find: %v", err)
	}
	if _, err := a.Find(ctx, "nobody"); !errors.Is(err, auth.ErrNoUser) {
		t.Fatalf("Find nobody: %v", err)
	}
}

// TestMessageOrigins checks that an empty hub.Log stores a client's
// message once per origin: a retry gets the first ack; a message overtaken
// by a newer one of its device (sent after it but stored first) is still
// stored when it comes; an id further below the device's newest than the
// backend keeps acks for (window of them) is ErrStaleID.
func TestMessageOrigins(t *testing.T, log hub.Log, window int) {
	t.Helper()
	ctx := context.Background()
	post := func(n uint64) (chat.Ack, bool, error) {
		e := chat.Entry{Conv: "r:origins", Kind: chat.EntryMessage, From: "ann", HTML: "message"}
		return log.AppendMessage(ctx, e, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: n}})
	}
	first, dup, err := post(10)
	if err != nil || dup {
		t.Fatalf("the first message: %+v, %v, %v", first, dup, err)
	}
	if again, dup, err := post(10); err != nil || !dup || again != first {
		t.Errorf("its retry: %+v dup %v, %v; want %+v", again, dup, err, first)
	}
	newer, _, err := post(12)
	if err != nil {
		t.Fatal(err)
	}
	overtaken, dup, err := post(11)
	if err != nil || dup || overtaken.Seq != newer.Seq+1 {
		t.Errorf("a message overtaken by a newer one: %+v dup %v, %v; want it stored after seq %d", overtaken, dup, err, newer.Seq)
	}
	if again, dup, err := post(11); err != nil || !dup || again != overtaken {
		t.Errorf("the overtaken message's retry: %+v dup %v, %v; want %+v", again, dup, err, overtaken)
	}
	for n := range uint64(window) + 10 {
		if _, _, err := post(100 + n); err != nil {
			t.Fatal(err)
		}
	}
	if ack, _, err := post(50); !errors.Is(err, hub.ErrStaleID) {
		t.Errorf("an id below the acks kept: %+v, %v; want ErrStaleID", ack, err)
	}
}
