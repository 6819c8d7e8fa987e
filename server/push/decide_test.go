package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/push/pushtest"
	"github.com/founding/chat/server/store/memory"
)

// world is a Notifier over a memory directory and store, sending to a
// loopback push service, with the users ann, bob, cat and dan; each has
// one subscription (session group "g-<name>").
type world struct {
	t    *testing.T
	ctx  context.Context
	dir  *memory.Directory
	st   push.Store
	svc  *pushtest.Service
	n    *push.Notifier
	subs map[string]chat.PushSubscription
	seq  map[string]uint64

	mu    sync.Mutex
	ended map[string]bool // groups signed out
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), dir: memory.NewDirectory(), svc: pushtest.New(t),
		subs: map[string]chat.PushSubscription{}, seq: map[string]uint64{}, ended: map[string]bool{}}
	s, st := newSender(t, push.SenderOptions{PerService: 1}) // one at a time: pushes arrive in order
	w.st = st
	w.n = push.NewNotifier(push.NotifierOptions{
		Store: st, Directory: w.dir, Send: s.Send, TTL: time.Hour, ReleaseEvery: 20 * time.Millisecond,
		FindUser: func(_ context.Context, name string) (string, error) {
			if slices.Contains([]string{"ann", "bob", "cat", "dan"}, name) {
				return name, nil
			}
			return "", errors.New("nobody")
		},
		LiveGroups: func(_ context.Context, user string) ([]string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.ended["g-"+user] {
				return nil, nil
			}
			return []string{"g-" + user, "other"}, nil
		},
	})
	t.Cleanup(w.n.Close)
	noErr(t, must(w.dir.CreateConv(w.ctx, hub.ConvRecord{ID: "r:x", Kind: chat.KindRoom, Name: "Group X"})))
	noErr(t, must(w.dir.CreateConv(w.ctx, hub.ConvRecord{ID: "p:ann|bob", Kind: chat.KindPrivate,
		Members: []hub.Member{{Key: "ann", Name: "Ann"}, {Key: "bob", Name: "Bob"}}})))
	for _, u := range []string{"ann", "bob", "cat", "dan"} {
		if u != "dan" {
			noErr(t, must(w.dir.SetMember(w.ctx, u, "r:x", true)))
		}
		w.subs[u] = w.svc.Subscribe()
		if err := push.Subscribe(w.ctx, st, u, subscription(w.subs[u], "g-"+u)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// must drops the value of a call that also returns an error.
func must[T any](_ T, err error) error { return err }

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// post has the user from store a message of text (markup) in conv.
func (w *world) post(conv, from, html string, reply *chat.Quote) chat.Entry {
	w.seq[conv]++
	e := chat.Entry{Conv: conv, Seq: w.seq[conv], Time: time.Now().UnixMilli(), Kind: chat.EntryMessage, From: from, HTML: "<p>" + html + "</p>", Reply: reply}
	w.n.Stored(e, from)
	return e
}

func mention(name string) string { return chat.MentionMarkup + name + `">@` + name + `</span>` }

// next returns the next push and whose it is.
func (w *world) next() (string, chat.Push, pushtest.Push) {
	w.t.Helper()
	p := receive(w.t, w.svc)
	var got chat.Push
	if err := json.Unmarshal(p.Body, &got); err != nil {
		w.t.Fatal(err)
	}
	for u, s := range w.subs {
		if pushtest.ID(s) == p.Sub {
			return u, got, p
		}
	}
	w.t.Fatalf("a push to an unknown subscription %s", p.Sub)
	return "", got, p
}

// expect posts a marker mention of bob by cat and checks that the pushes
// before it went to want, in order: nothing else was sent.
func (w *world) expect(want ...string) {
	w.t.Helper()
	w.post("r:x", "cat", "marker "+mention("bob"), nil)
	for _, u := range append(want, "bob") {
		got, p, _ := w.next()
		if got != u {
			w.t.Fatalf("a push to %s (%q); want one to %s", got, p.Body, u)
		}
	}
}

func TestNotifierRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A room message without a mention tells nobody; a mention tells the
	// one mentioned, a reply the author replied to, never the sender.
	w.post("r:x", "ann", "hello all", nil)
	w.post("r:x", "ann", "hi "+mention("bob")+" and "+mention("ann"), nil)
	w.post("r:x", "bob", "answer", &chat.Quote{Seq: 1, From: "cat"})
	w.expect("bob", "cat")

	// A private message tells the other member, urgently.
	e := w.post("p:ann|bob", "ann", "see you at 5", nil)
	u, p, raw := w.next()
	if u != "bob" || p.Title != "ann" || p.Body != "ann: see you at 5" || p.Tag != chat.PushTag("p:ann|bob") ||
		p.Entry == nil || p.Entry.Seq != e.Seq || p.Name != "Ann" || raw.Urgency != "high" {
		t.Fatalf("private push to %s: %+v (urgency %s)", u, p, raw.Urgency)
	}

	// Not a member, muted, level Nothing, "All". Each change of settings
	// waits for the decisions before it (expect).
	w.post("r:x", "ann", "hi "+mention("dan"), nil)
	noErr(t, must(w.dir.SetMute(w.ctx, "cat", hub.Member{Key: "ann", Name: "ann"}, true)))
	w.post("r:x", "ann", "hi "+mention("cat"), nil)
	w.expect()
	if err := push.SetSettings(w.ctx, w.st, "bob", chat.PushSettings{Levels: map[string]chat.PushLevel{"r:x": chat.PushNothing}}); err != nil {
		t.Fatal(err)
	}
	w.post("r:x", "ann", "hi "+mention("bob"), nil)
	w.post("r:x", "ann", "hi "+mention("cat"), nil)
	w.post("r:x", "cat", "marker "+mention("ann"), nil)
	if u, _, _ := w.next(); u != "ann" {
		t.Fatalf("a push to %s; bob is at Nothing, cat muted ann", u)
	}
	for _, u := range []string{"bob", "dan", "ann"} {
		level := chat.PushAll
		if u == "bob" {
			level = chat.PushMentions
		}
		if err := push.SetSettings(w.ctx, w.st, u, chat.PushSettings{Levels: map[string]chat.PushLevel{"r:x": level}}); err != nil {
			t.Fatal(err)
		}
	}
	w.post("r:x", "cat", "for everyone", nil) // ann wants all; dan is no member
	u, p, raw = w.next()
	if u != "ann" || p.Body != "cat: for everyone (+10 more)" || raw.Urgency != "normal" {
		t.Errorf("an All-level push to %s: %q, urgency %q", u, p.Body, raw.Urgency)
	}
	w.post("r:x", "cat", mention("bob"), nil)
	got := []string{}
	for range 2 {
		u, _, _ := w.next()
		got = append(got, u)
	}
	if slices.Sort(got); !slices.Equal(got, []string{"ann", "bob"}) {
		t.Errorf("a mention of bob went to %v; want ann (All) and bob", got)
	}

	// Banned from the room: none.
	noErr(t, must(w.dir.SetBan(w.ctx, "r:x", hub.Member{Key: "ann", Name: "ann"}, true)))
	w.post("r:x", "bob", "hi "+mention("ann"), nil)
	w.expect()
}

func TestNotifierHolds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Active on a device: none, until chat.ActiveFor has passed.
	if err := w.n.Active(w.ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if on, err := push.ActiveAt(w.ctx, w.st, "ann", time.Now()); !on || err != nil {
		t.Fatalf("ActiveAt = %v, %v", on, err)
	}
	if on, _ := push.ActiveAt(w.ctx, w.st, "ann", time.Now().Add(chat.ActiveFor+time.Second)); on {
		t.Fatal("still active after ActiveFor")
	}
	w.post("p:ann|bob", "bob", "you there?", nil)
	// Do-not-disturb: none.
	if err := push.SetSettings(w.ctx, w.st, "cat", chat.PushSettings{Quiet: chat.Quiet{Until: time.Now().Add(time.Hour).UnixMilli()}}); err != nil {
		t.Fatal(err)
	}
	w.post("r:x", "ann", mention("cat"), nil)
	// A session that ended: none, and its subscription goes.
	w.mu.Lock()
	w.ended["g-dan"] = true
	w.mu.Unlock()
	noErr(t, must(w.dir.SetMember(w.ctx, "dan", "r:x", true)))
	w.post("r:x", "ann", mention("dan"), nil)
	w.expect()
	if subs, _ := push.Subscriptions(w.ctx, w.st, "dan"); len(subs) != 0 {
		t.Errorf("the ended session's subscription is kept: %+v", subs)
	}

	// Text hidden: who and where only; the count of unread.
	if err := push.SetSettings(w.ctx, w.st, "bob", chat.PushSettings{HideText: true}); err != nil {
		t.Fatal(err)
	}
	noErr(t, must(w.dir.RaiseCursor(w.ctx, "bob", "r:x", w.seq["r:x"])))
	w.post("r:x", "ann", "one", nil)
	w.post("r:x", "ann", "secret "+mention("bob"), nil)
	_, p, _ := w.next()
	if strings.Contains(p.Body, "secret") || p.Entry != nil || p.Count != 2 || p.Body != "New message from ann (+1 more)" {
		t.Fatalf("hidden push: %+v", p)
	}
}

// TestNotifierReleasesHeld: what do-not-disturb held is pushed when it
// ends, one push per conversation with the count of what is new, unless
// the person read it meanwhile.
func TestNotifierReleasesHeld(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	quiet := func(d time.Duration) {
		t.Helper()
		noErr(t, push.SetSettings(w.ctx, w.st, "cat", chat.PushSettings{Quiet: chat.Quiet{Until: time.Now().Add(d).UnixMilli()}}))
	}
	quiet(2 * time.Second)
	for _, text := range []string{"one", "two", "three"} {
		w.post("r:x", "ann", text+" "+mention("cat"), nil)
	}
	w.expect() // nothing for cat while quiet
	u, p, raw := w.next()
	if u != "cat" || p.Conv != "r:x" || p.Seq != 3 || p.Count != 3 || !strings.HasPrefix(p.Body, "ann: three") || !strings.HasSuffix(p.Body, "(+2 more)") || raw.Urgency != "high" {
		t.Fatalf("released: a push to %s: %+v (urgency %s); want cat's, for the three mentions", u, p, raw.Urgency)
	}
	if n, err := push.Held(w.ctx, w.st, "cat"); n != 0 || err != nil {
		t.Fatalf("still held after the release: %d, %v", n, err)
	}

	// Read meanwhile: nothing when do-not-disturb ends.
	quiet(time.Second)
	w.post("r:x", "ann", "four "+mention("cat"), nil)
	held := func() int { n, _ := push.Held(w.ctx, w.st, "cat"); return n }
	waitFor(t, func() bool { return held() > 0 }, "the mention to be held")
	noErr(t, must(w.dir.RaiseCursor(w.ctx, "cat", "r:x", w.seq["r:x"])))
	waitFor(t, func() bool { return held() == 0 }, "the held push to be released")
	w.expect() // and nothing for cat
}

func TestPayloadFits(t *testing.T) {
	t.Parallel()
	rec := hub.ConvRecord{ID: "r:x", Kind: chat.KindRoom, Name: "X"}
	long := strings.Repeat("长文本 &amp; more ", 400) // about 8 KB of markup
	e := chat.Entry{Conv: "r:x", Seq: 9, Kind: chat.EntryMessage, From: "Ann", HTML: "<p>" + long + "</p>"}
	b, err := push.Payload(e, rec, "bob", 4, false)
	if err != nil {
		t.Fatal(err)
	}
	var p chat.Push
	if err := json.Unmarshal(b, &p); err != nil || len(b) > chat.MaxPushBytes {
		t.Fatalf("%d bytes: %v", len(b), err)
	}
	if p.Entry != nil || !strings.HasPrefix(p.Body, "Ann: 长文本 & more") || !strings.HasSuffix(p.Body, "… (+3 more)") || !utf8.ValidString(p.Body) {
		t.Fatalf("cut push: entry %v, body %q…%q", p.Entry != nil, p.Body[:20], p.Body[len(p.Body)-20:])
	}
	if len(b) < chat.MaxPushBytes-64 {
		t.Errorf("cut to %d bytes, far below %d", len(b), chat.MaxPushBytes)
	}
	short := chat.Entry{Conv: "r:x", Seq: 10, Kind: chat.EntryMessage, From: "Ann &amp; Co", HTML: "<p>a<br>b &lt;c&gt;</p>"}
	b, _ = push.Payload(short, rec, "bob", 1, false)
	_ = json.Unmarshal(b, &p)
	if p.Body != "Ann & Co: a b <c>" || p.Entry == nil || p.Entry.HTML != short.HTML {
		t.Fatalf("short push: %+v", p)
	}
}

// TestPayloadOfAGroup: a group's push is titled by its name, or by the
// other members' names as the hub shows them, escaped in Name.
func TestPayloadOfAGroup(t *testing.T) {
	t.Parallel()
	rec := hub.ConvRecord{ID: "g:abc", Kind: chat.KindPrivate, Members: []hub.Member{{Key: "ann", Name: "Ann"}, {Key: "bob", Name: "bob"}, {Key: "cid", Name: "<Cid>"}}}
	e := chat.Entry{Conv: "g:abc", Seq: 3, Kind: chat.EntryMessage, From: "Ann", HTML: "<p>hi</p>"}
	for _, tc := range []struct{ name, key, title string }{{"", "bob", "<Cid>, Ann"}, {"", "ann", "<Cid>, bob"}, {"Trip <2027>", "bob", "Trip <2027>"}} {
		rec.Name = tc.name
		b, err := push.Payload(e, rec, tc.key, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		var p chat.Push
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		if p.Title != tc.title || p.Name != html.EscapeString(tc.title) || p.Kind != chat.KindPrivate || p.Body != "Ann: hi" {
			t.Errorf("%s's push of %q: %+v", tc.key, tc.name, p)
		}
	}
}

// TestNotifierTellsAThreadsFollowers: a reply in a thread reaches those
// who follow it (not its sender), as a reply would, and only while they
// are in its parent; the others in the room hear nothing of it.
func TestNotifierTellsAThreadsFollowers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	thread := chat.ThreadID("r:x", 1)
	for _, u := range []string{"ann", "cat", "dan"} {
		noErr(t, push.SetFollowing(w.ctx, w.st, thread, u, true))
	}
	noErr(t, push.SetFollowing(w.ctx, w.st, thread, "cat", false))
	w.post(thread, "ann", "in the thread", nil) // ann sends; cat unfollowed; dan is not in r:x
	w.post(thread, "cat", "again", nil)
	w.expect("ann")
}
