package hub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/names"
	"github.com/founding/chat/server/store/memory"
)

// recorder is a hub.Sink that keeps every frame it is given, as given.
type recorder struct {
	name string

	mu   sync.Mutex
	raw  [][]byte
	lazy int // how many came through SendWithNext
}

var _ hub.Sink = (*recorder)(nil)

func (r *recorder) Send(frame []byte) {
	r.mu.Lock()
	r.raw = append(r.raw, frame)
	r.mu.Unlock()
}

// SendWithNext records frame as received at once, and counts it.
func (r *recorder) SendWithNext(slot string, frame []byte) {
	r.mu.Lock()
	r.raw = append(r.raw, frame)
	r.lazy++
	r.mu.Unlock()
}

// rawFrames returns the frames received so far, the slices the hub passed.
func (r *recorder) rawFrames() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.raw...)
}

// frames decodes every frame received so far, failing on one a client could
// not decode.
func (r *recorder) frames(t testing.TB) []chat.Frame {
	t.Helper()
	var out []chat.Frame
	for _, b := range r.rawFrames() {
		f, err := chat.DecodeServer(b)
		if err != nil {
			t.Fatalf("%s got a frame that does not decode: %v: %.200s", r.name, err, b)
		}
		out = append(out, f)
	}
	return out
}

// count returns how many frames have arrived, to look only at later ones.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.raw)
}

// since decodes the frames that arrived after the first n.
func (r *recorder) since(t testing.TB, n int) []chat.Frame {
	t.Helper()
	return r.frames(t)[n:]
}

// framesOf returns the frames of type T that match accepts (nil: all).
func framesOf[T any](frames []chat.Frame, match func(*T) bool) []*T {
	var out []*T
	for _, f := range frames {
		if v, ok := any(f).(*T); ok && (match == nil || match(v)) {
			out = append(out, v)
		}
	}
	return out
}

// types lists the frame types in order, for messages and comparisons.
func types(frames []chat.Frame) string {
	s := make([]string, len(frames))
	for i, f := range frames {
		s[i] = string(f.FrameType())
	}
	return strings.Join(s, ",")
}

// pollInterval is how often eventually and throughout look again.
const pollInterval = 5 * time.Millisecond

// eventually polls cond until it holds, failing the test after d.
func eventually(t testing.TB, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(d)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("after %v: %s", d, what)
		case <-tick.C:
		}
	}
}

// throughout polls cond for d and fails the test as soon as it does not
// hold: the bounded check that something does not happen, for what has no
// event to wait for (a timer that must not fire, a tick that must send
// nothing). It asserts cond once more at the end.
func throughout(t testing.TB, d time.Duration, cond func() bool, what string) {
	t.Helper()
	end := time.After(d)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if !cond() {
			t.Fatal(what)
		}
		select {
		case <-end:
			if !cond() {
				t.Fatal(what)
			}
			return
		case <-tick.C:
		}
	}
}

// wantCode fails unless err is a *chat.Error with code.
func wantCode(t testing.TB, err error, code chat.Code) {
	t.Helper()
	var ce *chat.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// mustNot fails on a non-nil err.
func mustNot(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newHub returns a hub on fresh memory storage, closed when t ends.
func newHub(t testing.TB, opts hub.Options) *hub.Hub {
	t.Helper()
	if opts.Log == nil {
		opts.Log = memory.NewLog()
	}
	if opts.Directory == nil {
		opts.Directory = memory.NewDirectory()
	}
	if opts.PresenceGrace == 0 {
		opts.PresenceGrace = time.Hour // presence timers stay out of the way
	}
	if opts.Welcome.Version == "" {
		opts.Welcome.Version = "test"
	}
	h, err := hub.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// connect opens a connection of the user called name, as a session does
// once the name is known.
func connect(h *hub.Hub, name string) *recorder {
	r := &recorder{name: name}
	if err := h.Connect(context.Background(), hub.User{Key: names.Key(name), Name: name}, r); err != nil {
		panic(err)
	}
	return r
}

func key(name string) string { return names.Key(name) }

func id(device string, n uint64) chat.MsgID {
	return chat.MsgID{Device: device, N: n}
}

func post(t testing.TB, h *hub.Hub, name, conv, text string, msg chat.MsgID) chat.Ack {
	t.Helper()
	ack, err := h.Post(context.Background(), key(name), conv, text, msg)
	if err != nil {
		t.Fatalf("%s posting %q to %s: %v", name, text, conv, err)
	}
	return ack
}

func TestConnectSendsWelcomeFirstThenRosters(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann := connect(h, "Ann")
	frames := ann.frames(t)
	if types(frames) != "welcome,roster" {
		t.Fatalf("first connection got %s, want welcome,roster", types(frames))
	}
	w := frames[0].(*chat.Welcome)
	if w.Me != "Ann" || w.NeedName || w.Version != "test" || w.Limits != (chat.Limits{}) {
		t.Errorf("welcome = %+v", w)
	}
	if len(w.Convs) != 1 || w.Convs[0].ID != hub.LobbyID || w.Convs[0].Kind != chat.KindRoom {
		t.Errorf("welcome lists %+v, want the lobby alone", w.Convs)
	}
	if r := frames[1].(*chat.Roster); r.Conv != hub.LobbyID || strings.Join(r.Users, ",") != "Ann" {
		t.Errorf("roster = %+v", r)
	}

	if _, err := h.Join(context.Background(), key("Ann"), "zoo"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Join(context.Background(), key("Ann"), "aviary"); err != nil {
		t.Fatal(err)
	}
	before := ann.count()
	tab := connect(h, "Ann")
	frames = tab.frames(t)
	if types(frames) != "welcome,roster,roster,roster" {
		t.Fatalf("second tab got %s, want a welcome then three rosters", types(frames))
	}
	w = frames[0].(*chat.Welcome)
	var listed []string
	for _, c := range w.Convs {
		listed = append(listed, c.Name)
	}
	if strings.Join(listed, ",") != "lobby,aviary,zoo" {
		t.Errorf("welcome lists %v, want the lobby first, then by name", listed)
	}
	if got := ann.since(t, before); len(got) != 0 {
		t.Errorf("the first tab heard of the second: %s", types(got))
	}
}

func TestConnectTellsOthersOnce(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann := connect(h, "ann")
	bob := connect(h, "bob")
	connect(h, "bob") // a second tab is no news
	on := framesOf(ann.frames(t), func(p *chat.Presence) bool { return p.User == "bob" })
	if len(on) != 1 || !on[0].Online || on[0].Quiet || on[0].Conv != hub.LobbyID {
		t.Fatalf("ann heard %+v, want one loud online presence for bob", on)
	}
	if own := framesOf(bob.frames(t), func(p *chat.Presence) bool { return p.User == "bob" }); len(own) != 0 {
		t.Errorf("bob was told about himself: %+v", own)
	}
	r := framesOf[chat.Roster](bob.frames(t), nil)
	if len(r) != 1 || strings.Join(r[0].Users, ",") != "ann,bob" {
		t.Errorf("bob's roster = %+v", r)
	}
}

func TestPresenceGrace(t *testing.T) {
	const grace = 50 * time.Millisecond
	offline := func(p *chat.Presence) bool { return p.User == "bob" && !p.Online }

	t.Run("a quick reconnect makes no noise", func(t *testing.T) {
		t.Parallel()
		h := newHub(t, hub.Options{PresenceGrace: grace})
		ann := connect(h, "ann")
		bob := connect(h, "bob")
		before := ann.count()
		h.Disconnect(bob)
		again := connect(h, "bob")
		// The pending "went away" is a timer: nothing signals that it
		// fired and did nothing, so watch for four grace periods.
		throughout(t, 4*grace, func() bool { return ann.count() == before && h.Online("bob") },
			"ann heard of bob, or bob went offline, after bob reconnected within the grace")
		if got := ann.since(t, before); len(got) != 0 {
			t.Fatalf("ann heard %s after bob reconnected", types(got))
		}

		h.Disconnect(again)
		eventually(t, 5*time.Second, func() bool { return len(framesOf(ann.frames(t), offline)) > 0 }, "no offline presence after the last disconnect")
	})

	t.Run("the last disconnect goes offline once after the grace", func(t *testing.T) {
		t.Parallel()
		h := newHub(t, hub.Options{PresenceGrace: grace})
		ann := connect(h, "ann")
		bob := connect(h, "bob")
		tab := connect(h, "bob")
		if _, err := h.Join(context.Background(), key("bob"), "den"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Join(context.Background(), key("ann"), "den"); err != nil {
			t.Fatal(err)
		}
		h.Disconnect(tab)
		h.Disconnect(tab) // twice is harmless
		h.Disconnect(bob)
		eventually(t, 5*time.Second, func() bool { return len(framesOf(ann.frames(t), offline)) == 2 }, "no offline presence in the lobby and den")
		// A second "went away" would come from a second timer: nothing
		// signals its absence, so watch for four more grace periods.
		throughout(t, 4*grace, func() bool { return len(framesOf(ann.frames(t), offline)) == 2 },
			"bob went offline more than once per room")
		got := framesOf(ann.frames(t), offline)
		convs := map[string]int{}
		for _, p := range got {
			convs[p.Conv]++
			if p.Quiet {
				t.Errorf("going offline is a loud presence: %+v", p)
			}
		}
		if len(got) != 2 || convs[hub.LobbyID] != 1 || convs["r:den"] != 1 {
			t.Fatalf("offline presences %+v, want one per room", got)
		}
		if h.Online("bob") {
			t.Error("bob is still online")
		}

		// Coming back is news again, in every room.
		before := ann.count()
		connect(h, "bob")
		on := framesOf(ann.since(t, before), func(p *chat.Presence) bool { return p.User == "bob" && p.Online && !p.Quiet })
		if len(on) != 2 {
			t.Errorf("online presences %+v, want one per room", on)
		}
	})
}

func TestJoin(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann := connect(h, "ann")
	before := ann.count()

	info, err := h.Join(ctx, key("ann"), "  group   A ")
	mustNot(t, err)
	if info.ID != "r:group a" || info.Kind != chat.KindRoom || info.Name != "group A" {
		t.Fatalf("info = %+v", info)
	}
	got := ann.since(t, before)
	if types(got) != "conv,roster,entry" {
		t.Fatalf("joiner got %s, want conv,roster,entry", types(got))
	}
	if c := got[0].(*chat.Conv); c.ID != info.ID || c.Name != "group A" || c.Last != 0 {
		t.Errorf("conv = %+v", c)
	}
	if r := got[1].(*chat.Roster); r.Conv != info.ID || strings.Join(r.Users, ",") != "ann" {
		t.Errorf("roster = %+v", r)
	}
	if e := got[2].(*chat.Entry); e.Conv != info.ID || e.Seq != 1 || e.Kind != chat.EntryJoin || e.From != "ann" || e.Time == 0 {
		t.Errorf("entry = %+v", e)
	}
	p, err := h.Page(ctx, key("ann"), chat.History{Conv: info.ID})
	mustNot(t, err)
	if len(p.Entries) != 1 || p.Entries[0].Seq != 1 || p.Entries[0].Kind != chat.EntryJoin || p.Last != 1 {
		t.Fatalf("history = %+v", p)
	}

	t.Run("joining again sends the room but makes no entry", func(t *testing.T) {
		before := ann.count()
		again, err := h.Join(ctx, key("ann"), "GROUP a")
		mustNot(t, err)
		if again.ID != info.ID || again.Last != 1 {
			t.Errorf("info = %+v", again)
		}
		if got := ann.since(t, before); types(got) != "conv,roster" {
			t.Errorf("got %s, want conv,roster", types(got))
		}
		if p, _ := h.Page(ctx, key("ann"), chat.History{Conv: info.ID}); len(p.Entries) != 1 {
			t.Errorf("history has %d entries, want 1", len(p.Entries))
		}
	})

	t.Run("a second member is an entry and a quiet presence", func(t *testing.T) {
		bob := connect(h, "bob")
		before := ann.count()
		mine, err := h.Join(ctx, key("bob"), "ｇｒｏｕｐ a") // same room, full width
		mustNot(t, err)
		if mine.ID != info.ID || mine.Name != "group A" {
			t.Errorf("bob's info = %+v", mine)
		}
		got := ann.since(t, before)
		if types(got) != "presence,entry" {
			t.Fatalf("ann got %s, want presence,entry", types(got))
		}
		if p := got[0].(*chat.Presence); p.Conv != info.ID || p.User != "bob" || !p.Online || !p.Quiet {
			t.Errorf("presence = %+v", p)
		}
		if e := got[1].(*chat.Entry); e.Seq != 2 || e.Kind != chat.EntryJoin || e.From != "bob" {
			t.Errorf("entry = %+v", e)
		}
		r := framesOf(bob.frames(t), func(r *chat.Roster) bool { return r.Conv == info.ID })
		if len(r) != 1 || strings.Join(r[0].Users, ",") != "ann,bob" {
			t.Errorf("bob's roster = %+v", r)
		}
	})

	t.Run("bad names and too many rooms", func(t *testing.T) {
		h := newHub(t, hub.Options{MaxRooms: 2})
		connect(h, "cid")
		_, err := h.Join(ctx, key("cid"), "<b>")
		wantCode(t, err, chat.CodeBadRoom)
		_, err = h.Join(ctx, key("cid"), "one")
		mustNot(t, err)
		_, err = h.Join(ctx, key("cid"), "two")
		wantCode(t, err, chat.CodeTooManyRooms)
		_, err = h.Join(ctx, key("cid"), "One") // already in it
		mustNot(t, err)
		_, err = h.Join(ctx, key("nobody"), "one")
		wantCode(t, err, chat.CodeNeedName)
	})
}

func TestLeave(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann, bob := connect(h, "ann"), connect(h, "bob")
	room, err := h.Join(ctx, key("ann"), "den")
	mustNot(t, err)
	_, err = h.Join(ctx, key("bob"), "den")
	mustNot(t, err)

	annBefore, bobBefore := ann.count(), bob.count()
	mustNot(t, h.Leave(ctx, key("bob"), room.ID))
	// The membership ends first (so a second leave fails), then the entry
	// is appended for those still in the room.
	got := bob.since(t, bobBefore)
	if types(got) != "gone" {
		t.Fatalf("leaver got %s, want gone", types(got))
	}
	if g := got[0].(*chat.Gone); g.Conv != room.ID {
		t.Errorf("gone = %+v", g)
	}
	got = ann.since(t, annBefore)
	if types(got) != "presence,entry" {
		t.Fatalf("member got %s, want presence,entry", types(got))
	}
	if p := got[0].(*chat.Presence); p.User != "bob" || p.Online || !p.Quiet {
		t.Errorf("presence = %+v", p)
	}
	if e := got[1].(*chat.Entry); e.Conv != room.ID || e.Seq != 3 || e.Kind != chat.EntryLeave || e.From != "bob" {
		t.Errorf("leave entry = %+v", e)
	}

	bobBefore = bob.count()
	post(t, h, "ann", room.ID, "after bob", id("device-a", 1))
	if got := bob.since(t, bobBefore); len(got) != 0 {
		t.Errorf("bob still hears the room: %s", types(got))
	}
	_, err = h.Page(ctx, key("bob"), chat.History{Conv: room.ID})
	wantCode(t, err, chat.CodeNotMember)

	tests := []struct {
		name string
		conv string
		code chat.Code
	}{
		{"again", room.ID, chat.CodeNotMember},
		{"the lobby", hub.LobbyID, chat.CodeCannotLeave},
		{"no such room", "r:nowhere", chat.CodeNoSuchConv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, h.Leave(ctx, key("bob"), tt.conv), tt.code)
		})
	}
	t.Run("a private conversation", func(t *testing.T) {
		p, err := h.Open(context.Background(), key("ann"), "bob")
		mustNot(t, err)
		wantCode(t, h.Leave(ctx, key("bob"), p.ID), chat.CodeCannotLeave)
	})
}

// TestConcurrentLeavesMakeOneEntry has two tabs of one user leave a room at
// the same moment: the room gets one leave entry and one of them an error.
func TestConcurrentLeavesMakeOneEntry(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{MaxRooms: 1000})
	connect(h, "ann")
	connect(h, "auditor")
	for i := range 100 {
		room, err := h.Join(ctx, key("ann"), fmt.Sprintf("room%d", i))
		mustNot(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j := range errs {
			wg.Go(func() { errs[j] = h.Leave(ctx, key("ann"), room.ID) })
		}
		wg.Wait()
		if errs[0] != nil && errs[1] != nil {
			t.Fatalf("both leaves failed: %v, %v", errs[0], errs[1])
		}
		// Read the room as a new member, who may see its whole history.
		_, err = h.Join(ctx, key("auditor"), room.Name)
		mustNot(t, err)
		p, err := h.Page(ctx, key("auditor"), chat.History{Conv: room.ID})
		mustNot(t, err)
		leaves := 0
		for _, e := range p.Entries {
			if e.Kind == chat.EntryLeave {
				leaves++
			}
		}
		mustNot(t, h.Leave(ctx, key("auditor"), room.ID))
		if leaves != 1 {
			t.Fatalf("round %d: %d leave entries for one membership (errors %v, %v)", i, leaves, errs[0], errs[1])
		}
	}
}

func TestPostEncodesOnceForEverySubscriber(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann, bob, tab := connect(h, "ann"), connect(h, "bob"), connect(h, "bob")
	sinks := []*recorder{ann, bob, tab}
	before := make([]int, len(sinks))
	for i, s := range sinks {
		before[i] = s.count()
	}
	ack := post(t, h, "ann", hub.LobbyID, "<hello>", id("device-a", 1))
	if ack.Conv != hub.LobbyID || ack.Seq != 1 || ack.ID != id("device-a", 1) || ack.Time == 0 {
		t.Errorf("ack = %+v", ack)
	}
	var first []byte
	for i, s := range sinks {
		raw := s.rawFrames()[before[i]:]
		if len(raw) != 1 {
			t.Fatalf("sink %d got %d frames, want 1", i, len(raw))
		}
		if first == nil {
			first = raw[0]
			continue
		}
		if &raw[0][0] != &first[0] || len(raw[0]) != len(first) {
			t.Errorf("sink %d got its own copy of the entry: encoded more than once", i)
		}
	}
	f, err := chat.DecodeServer(first)
	mustNot(t, err)
	e := f.(*chat.Entry)
	if e.Seq != ack.Seq || e.Time != ack.Time || e.From != "ann" || strings.Contains(e.HTML, "<hello>") || !strings.Contains(e.HTML, "&lt;hello&gt;") {
		t.Errorf("entry = %+v", e)
	}
}

// TestClosingOneTabKeepsTheOthers: when one of a user's three connections
// closes, the other two still join what the user joins and get its
// entries, the closed one gets nothing, and the user stays online.
func TestClosingOneTabKeepsTheOthers(t *testing.T) {
	h := newHub(t, hub.Options{})
	connect(h, "ann")
	first, middle, last := connect(h, "bob"), connect(h, "bob"), connect(h, "bob")
	h.Disconnect(middle)
	h.Disconnect(middle) // twice is harmless
	for _, who := range []string{"bob", "ann"} {
		if _, err := h.Join(context.Background(), key(who), "den"); err != nil {
			t.Fatal(err)
		}
	}
	before := []int{first.count(), middle.count(), last.count()}
	post(t, h, "ann", "r:den", "still there?", id("device-a", 1))
	for i, want := range []int{1, 0, 1} {
		s := []*recorder{first, middle, last}[i]
		if got := len(s.rawFrames()[before[i]:]); got != want {
			t.Errorf("bob's connection %d got %d frames after the post, want %d", i, got, want)
		}
	}
	if !h.Online("bob") {
		t.Error("bob went offline with two connections open")
	}
}

func TestRetriedMessageIDIsStoredAndSentOnce(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann, bob := connect(h, "ann"), connect(h, "bob")
	first := post(t, h, "ann", hub.LobbyID, "once", id("device-a", 5))
	again := post(t, h, "ann", hub.LobbyID, "once", id("device-a", 5))
	if again != first {
		t.Fatalf("retry ack %+v, first %+v", again, first)
	}
	for _, s := range []*recorder{ann, bob} {
		if n := len(framesOf[chat.Entry](s.frames(t), nil)); n != 1 {
			t.Errorf("%s got %d entries, want 1", s.name, n)
		}
	}
	// The same counter from another device, or another user, is a new message.
	other := post(t, h, "ann", hub.LobbyID, "once", id("device-b", 5))
	bobs := post(t, h, "bob", hub.LobbyID, "once", id("device-a", 5))
	if other.Seq != 2 || bobs.Seq != 3 {
		t.Errorf("other device got seq %d, other user %d; want 2 and 3", other.Seq, bobs.Seq)
	}
	// A counter below the device's newest is not stored.
	post(t, h, "ann", hub.LobbyID, "newer", id("device-c", 5000))
	if _, err := h.Post(context.Background(), key("ann"), hub.LobbyID, "older", id("device-c", 1)); err == nil {
		t.Error("a stale id was accepted")
	}
}

func TestPostRefusals(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "ann")
	connect(h, "bob")
	room, err := h.Join(ctx, key("bob"), "den")
	mustNot(t, err)
	tests := []struct {
		name string
		user string
		conv string
		text string
		code chat.Code
	}{
		{"no such conversation", "ann", "r:nowhere", "hi", chat.CodeNoSuchConv},
		{"not a member", "ann", room.ID, "hi", chat.CodeNotMember},
		{"empty text", "ann", hub.LobbyID, " \n\t ", chat.CodeEmptyText},
		{"text too long", "ann", hub.LobbyID, strings.Repeat("字", chat.MaxTextRunes+1), chat.CodeTextTooLong},
		{"unknown user", "nobody", hub.LobbyID, "hi", chat.CodeNeedName},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Post(ctx, key(tt.user), tt.conv, tt.text, id("device-a", uint64(i+1)))
			wantCode(t, err, tt.code)
		})
	}
	if last, _ := h.Page(ctx, key("ann"), chat.History{Conv: hub.LobbyID}); len(last.Entries) != 0 {
		t.Errorf("refused posts left entries: %+v", last.Entries)
	}
}

func TestOpenMakesOnePrivateConversationPerPair(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann, bob, cid := connect(h, "ann"), connect(h, "Bob"), connect(h, "cid")
	bobTab := connect(h, "Bob")

	a, err := h.Open(context.Background(), key("ann"), "ｂｏｂ")
	mustNot(t, err)
	if !strings.HasPrefix(a.ID, "p:") || a.Kind != chat.KindPrivate || a.Name != "Bob" {
		t.Fatalf("ann's view = %+v", a)
	}
	for _, with := range []string{"Bob", "BOB", " bob "} {
		again, err := h.Open(context.Background(), key("ann"), with)
		mustNot(t, err)
		if again.ID != a.ID {
			t.Errorf("opening %q gave %s, want %s", with, again.ID, a.ID)
		}
	}
	b, err := h.Open(context.Background(), key("Bob"), "ＡＮＮ")
	mustNot(t, err)
	if b.ID != a.ID || b.Name != "ann" || b.Kind != chat.KindPrivate {
		t.Errorf("bob's view = %+v, ann's %+v", b, a)
	}

	for _, s := range []*recorder{ann, bob, bobTab} {
		convs := framesOf(s.frames(t), func(c *chat.Conv) bool { return c.ID == a.ID })
		if len(convs) != 1 {
			t.Errorf("%s was told of the conversation %d times, want once", s.name, len(convs))
		}
	}
	if convs := framesOf(cid.frames(t), func(c *chat.Conv) bool { return c.ID == a.ID }); len(convs) != 0 {
		t.Errorf("cid was told of ann and bob's conversation")
	}

	// Both tabs of bob are subscribed, and the conversation works both ways.
	before := bobTab.count()
	post(t, h, "ann", a.ID, "psst", id("device-a", 1))
	if got := framesOf[chat.Entry](bobTab.since(t, before), nil); len(got) != 1 || got[0].Conv != a.ID {
		t.Errorf("bob's other tab got %+v", got)
	}
	if ack := post(t, h, "Bob", a.ID, "yes?", id("device-b", 1)); ack.Seq != 2 {
		t.Errorf("bob's reply ack = %+v", ack)
	}
	ackTo, err := h.PostTo(context.Background(), key("ann"), "bob", "by name", id("device-a", 2))
	mustNot(t, err)
	if ackTo.Conv != a.ID || ackTo.Seq != 3 {
		t.Errorf("PostTo ack = %+v", ackTo)
	}

	tests := []struct {
		name string
		with string
		code chat.Code
	}{
		{"yourself", "ANN", chat.CodeBadRequest},
		{"nobody", "dan", chat.CodeNoSuchUser},
		{"bad name", "<b>", chat.CodeBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.Open(context.Background(), key("ann"), tt.with)
			wantCode(t, err, tt.code)
		})
	}

	t.Run("from both sides at once", func(t *testing.T) {
		h := newHub(t, hub.Options{})
		connect(h, "dan")
		connect(h, "eve")
		var wg sync.WaitGroup
		ids := make([]string, 2)
		for i, pair := range [][2]string{{"dan", "eve"}, {"eve", "dan"}} {
			wg.Go(func() {
				info, err := h.Open(context.Background(), key(pair[0]), pair[1])
				if err != nil {
					t.Error(err)
				}
				ids[i] = info.ID
			})
		}
		wg.Wait()
		if ids[0] != ids[1] || ids[0] == "" {
			t.Errorf("ids %q and %q", ids[0], ids[1])
		}
	})
}

func TestMarkRead(t *testing.T) {
	h := newHub(t, hub.Options{})
	ann, tab, bob := connect(h, "ann"), connect(h, "ann"), connect(h, "bob")
	for i := range uint64(3) {
		post(t, h, "bob", hub.LobbyID, "hi", id("device-b", i+1))
	}
	wantCode(t, h.MarkRead(context.Background(), key("ann"), hub.LobbyID, 4), chat.CodeBadRequest)
	wantCode(t, h.MarkRead(context.Background(), key("ann"), "r:nowhere", 1), chat.CodeNoSuchConv)

	before := []int{ann.count(), tab.count(), bob.count()}
	mustNot(t, h.MarkRead(context.Background(), key("ann"), hub.LobbyID, 2))
	for i, s := range []*recorder{ann, tab} {
		got := s.since(t, before[i])
		if len(got) != 1 {
			t.Fatalf("%s tab %d got %s, want one cursor", s.name, i, types(got))
		}
		if c, ok := got[0].(*chat.Cursor); !ok || c.Conv != hub.LobbyID || c.Seq != 2 {
			t.Errorf("tab %d got %+v", i, got[0])
		}
	}
	if got := bob.since(t, before[2]); len(got) != 0 {
		t.Errorf("bob got %s", types(got))
	}

	before = []int{ann.count(), tab.count()}
	mustNot(t, h.MarkRead(context.Background(), key("ann"), hub.LobbyID, 1)) // behind: nothing to say
	mustNot(t, h.MarkRead(context.Background(), key("ann"), hub.LobbyID, 2)) // unchanged
	if n := ann.count() + tab.count() - before[0] - before[1]; n != 0 {
		t.Errorf("%d frames for a cursor that did not move", n)
	}

	w := connect(h, "ann").frames(t)[0].(*chat.Welcome)
	if len(w.Convs) != 1 || w.Convs[0].Read != 2 || w.Convs[0].Last != 3 {
		t.Errorf("a new tab sees %+v, want read 2 of 3", w.Convs)
	}
}

func TestPageRefusesNonMembers(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "ann")
	connect(h, "bob")
	connect(h, "cid")
	room, err := h.Join(ctx, key("ann"), "secret")
	mustNot(t, err)
	private, err := h.Open(context.Background(), key("ann"), "bob")
	mustNot(t, err)
	post(t, h, "ann", private.ID, "between us", id("device-a", 1))

	tests := []struct {
		name string
		user string
		conv string
		code chat.Code // empty: allowed
	}{
		{"member of a room", "ann", room.ID, ""},
		{"outsider of a room", "cid", room.ID, chat.CodeNotMember},
		{"one of the pair", "bob", private.ID, ""},
		{"outsider of a pair", "cid", private.ID, chat.CodeNoSuchConv},
		{"no such conversation", "cid", "r:nowhere", chat.CodeNoSuchConv},
		{"unknown user", "nobody", hub.LobbyID, chat.CodeNeedName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := h.Page(ctx, key(tt.user), chat.History{Conv: tt.conv})
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if p != nil {
					t.Errorf("a refused page came with %+v", p)
				}
				return
			}
			mustNot(t, err)
			if len(p.Entries) != 1 || p.Conv != tt.conv {
				t.Errorf("page = %+v", p)
			}
		})
	}
	t.Run("after the last entry", func(t *testing.T) {
		_, err := h.Page(ctx, key("ann"), chat.History{Conv: room.ID, After: 2})
		wantCode(t, err, chat.CodeBadRequest)
	})
}

// TestConcurrentPostsAreGapFreeInOrder posts from many goroutines to one
// room while connections come and go; every connection that stays sees the
// room's entries in sequence, each once.
func TestConcurrentPostsAreGapFreeInOrder(t *testing.T) {
	const (
		users = 8
		each  = 50
	)
	h := newHub(t, hub.Options{PresenceGrace: time.Millisecond})
	var sinks []*recorder
	for u := range users {
		name := fmt.Sprintf("user%d", u)
		sinks = append(sinks, connect(h, name))
		if u%3 == 0 {
			sinks = append(sinks, connect(h, name))
		}
	}
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Go(func() { // tabs that come and go while the room is busy
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := connect(h, fmt.Sprintf("user%d", i%users))
			h.Disconnect(s)
		}
	})

	acks := make(chan chat.Ack, users*each)
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			for n := range uint64(each) {
				ack, err := h.Post(context.Background(), key(fmt.Sprintf("user%d", u)), hub.LobbyID, fmt.Sprintf("%d/%d", u, n), id("device-x", n+1))
				if err != nil {
					t.Error(err)
					return
				}
				acks <- ack
			}
		})
	}
	wg.Wait()
	close(stop)
	churn.Wait()
	close(acks)

	seen := make(map[uint64]bool)
	for a := range acks {
		if seen[a.Seq] {
			t.Errorf("seq %d acked twice", a.Seq)
		}
		seen[a.Seq] = true
	}
	if len(seen) != users*each {
		t.Errorf("%d distinct acks, want %d", len(seen), users*each)
	}
	for i, s := range sinks {
		entries := framesOf[chat.Entry](s.frames(t), nil)
		if len(entries) != users*each {
			t.Errorf("sink %d (%s) got %d entries, want %d", i, s.name, len(entries), users*each)
		}
		for j, e := range entries {
			if e.Seq != uint64(j+1) {
				t.Fatalf("sink %d (%s): entry %d has seq %d, want %d", i, s.name, j, e.Seq, j+1)
			}
		}
	}
}

func TestLargeRoomsShowACountInsteadOfNotices(t *testing.T) {
	h := newHub(t, hub.Options{PresenceLimit: 3})
	first := connect(h, "u0")
	for i := 1; i < 6; i++ {
		connect(h, fmt.Sprintf("u%d", i))
	}
	// u1 and u2 were announced while the lobby was small; later ones not.
	announced := framesOf(first.frames(t), func(p *chat.Presence) bool { return p.Online && !p.Quiet })
	if len(announced) != 2 {
		t.Errorf("%d arrivals announced to u0, want 2 (u1 and u2, while the lobby had at most 3 online)", len(announced))
	}
	late := connect(h, "u6")
	r := framesOf(late.frames(t), func(r *chat.Roster) bool { return r.Conv == hub.LobbyID })
	if len(r) != 1 || len(r[0].Users) != 3 || r[0].Count != 7 {
		t.Fatalf("roster of a large lobby = %+v, want 3 names and a count of 7", r)
	}
}

func TestJoinsOfACrowdAreNotEntries(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{PresenceLimit: 3})
	var room chat.ConvInfo
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("u%d", i)
		connect(h, name)
		info, err := h.Join(ctx, key(name), "crowd")
		mustNot(t, err)
		room = info
	}
	// A join is an entry while the room, the joiner counted, has at most 3
	// members online: u0 to u2.
	p, err := h.Page(ctx, key("u0"), chat.History{Conv: room.ID})
	mustNot(t, err)
	var who []string
	for _, e := range p.Entries {
		who = append(who, string(e.Kind)+" "+e.From)
	}
	if got := strings.Join(who, ", "); got != "join u0, join u1, join u2" {
		t.Errorf("entries of the crowded room: %s", got)
	}
	// Leaving a crowded room is no entry either; once it is small, it is.
	for _, name := range []string{"u5", "u4", "u3", "u2"} {
		mustNot(t, h.Leave(ctx, key(name), room.ID))
	}
	p, err = h.Page(ctx, key("u0"), chat.History{Conv: room.ID})
	mustNot(t, err)
	if last := p.Entries[len(p.Entries)-1]; len(p.Entries) != 4 || last.Kind != chat.EntryLeave || last.From != "u2" {
		t.Errorf("after four left: %d entries, the last %s %s; want 4, the last u2 leaving", len(p.Entries), last.Kind, last.From)
	}
}

func TestCrowdedRoomsGetTheirRosterAgainWhenSomeoneComesOrGoes(t *testing.T) {
	h := newHub(t, hub.Options{PresenceLimit: 2, RosterInterval: 20 * time.Millisecond, PresenceGrace: time.Millisecond})
	first := connect(h, "u0")
	others := make([]*recorder, 4)
	for i := 1; i < 4; i++ {
		others[i] = connect(h, fmt.Sprintf("u%d", i))
	}
	// lobbyRoster is the newest lobby roster u0 has.
	lobbyRoster := func() *chat.Roster {
		r := framesOf(first.frames(t), func(r *chat.Roster) bool { return r.Conv == hub.LobbyID })
		if len(r) == 0 {
			return nil
		}
		return r[len(r)-1]
	}
	eventually(t, 5*time.Second, func() bool { r := lobbyRoster(); return r != nil && r.Count == 4 },
		"u0 is told that 4 are online")
	if r := lobbyRoster(); len(r.Users) != 2 {
		t.Errorf("a crowded roster lists %v, want 2 of the 4", r.Users)
	}
	first.mu.Lock()
	lazy := first.lazy
	first.mu.Unlock()
	if lazy == 0 {
		t.Error("the renewed roster was sent with Send, waking an idle connection, not with SendWithNext")
	}

	// A quiet crowd sends nothing more: no event marks a roster tick that
	// sent nothing, so watch for five of them.
	n := first.count()
	throughout(t, 5*20*time.Millisecond, func() bool { return first.count() == n }, "with nobody coming or going, u0 got more frames")
	if got := first.since(t, n); len(got) != 0 {
		t.Errorf("with nobody coming or going, u0 got %s", types(got))
	}

	// Someone leaves: the count follows; back at the limit, the roster
	// names everyone again and has no count.
	h.Disconnect(others[3])
	eventually(t, 5*time.Second, func() bool { return lobbyRoster().Count == 3 }, "u0 is told that 3 are online")
	h.Disconnect(others[2])
	eventually(t, 5*time.Second, func() bool {
		r := lobbyRoster()
		return r.Count == 0 && strings.Join(r.Users, ",") == "u0,u1"
	}, "u0 gets the whole roster once the lobby is no longer crowded")
}

func TestNewRequiresItsSeams(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts hub.Options
	}{
		{"no log", hub.Options{Directory: memory.NewDirectory()}},
		{"no directory", hub.Options{Log: memory.NewLog()}},
	} {
		if h, err := hub.New(tt.opts); err == nil {
			h.Close()
			t.Errorf("%s: New made a hub", tt.name)
		}
	}
}

// TestRoomsThatLookAlikeAreRefused: a new room may not look like one that
// exists, nor break the rules for new names; existing rooms stay joinable.
func TestRoomsThatLookAlikeAreRefused(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "ann")
	connect(h, "bob")
	if _, err := h.Join(ctx, key("ann"), "group A"); err != nil {
		t.Fatal(err)
	}
	for _, look := range []string{"gr0up A", "gr\u043Eup A", "group A."} {
		_, err := h.Join(ctx, key("bob"), look)
		var ce *chat.Error
		if !errors.As(err, &ce) || ce.Code != chat.CodeBadRoom {
			t.Errorf("Join(%q) = %v, want bad_room", look, err)
		}
	}
	if info, err := h.Join(ctx, key("bob"), "GROUP a"); err != nil || info.ID != "r:group a" {
		t.Errorf("joining the room itself in another case: %+v %v", info, err)
	}
	if _, err := h.Join(ctx, key("bob"), "group B"); err != nil {
		t.Errorf("a room of another look: %v", err)
	}
}

// TestHubsSharingPresenceAreOneChat: two hubs on one Log, Directory and
// Presence (the in-process backend) are two nodes of one chat: a user on
// one is online for the other's users, in rosters and notices, and a user
// with connections on both leaves once, when the last one closes.
func TestHubsSharingPresenceAreOneChat(t *testing.T) {
	log, dir, presence := memory.NewLog(), memory.NewDirectory(), memory.NewPresence()
	opts := hub.Options{Log: log, Directory: dir, Presence: presence, PresenceGrace: 10 * time.Millisecond}
	a, b := newHub(t, opts), newHub(t, opts)
	ann := connect(a, "ann")
	bob := connect(b, "bob")
	eventually(t, 10*time.Second, func() bool {
		return len(framesOf[chat.Presence](ann.frames(t), func(p *chat.Presence) bool { return p.User == "bob" && p.Online })) == 1
	}, "ann hears bob arrive")
	// Bob learns of ann from his roster or, if her note came after it, from
	// a notice.
	eventually(t, 10*time.Second, func() bool {
		frames := bob.frames(t)
		rs := framesOf[chat.Roster](frames, nil)
		return len(rs) > 0 && strings.Join(rs[len(rs)-1].Users, ",") == "ann,bob" ||
			len(framesOf[chat.Presence](frames, func(p *chat.Presence) bool { return p.User == "ann" && p.Online })) == 1
	}, "bob knows ann is online")
	// A second connection of bob's on ann's hub: no news; then both close.
	tab := connect(a, "bob")
	b.Disconnect(bob)
	a.Disconnect(tab)
	eventually(t, 10*time.Second, func() bool {
		return len(framesOf[chat.Presence](ann.frames(t), func(p *chat.Presence) bool { return p.User == "bob" && !p.Online })) == 1
	}, "ann hears bob leave")
	if n := len(framesOf[chat.Presence](ann.frames(t), func(p *chat.Presence) bool { return p.User == "bob" })); n != 2 {
		t.Errorf("ann got %d notices of bob, want his arrival and his departure only", n)
	}
}

// laggingMemberships is a directory whose membership lists come from a
// replica that has not seen any write yet.
type laggingMemberships struct{ *memory.Directory }

func (laggingMemberships) Memberships(context.Context, string) ([]string, error) { return nil, nil }

// TestNewUserIsInTheLobbyWhenTheListLags: a user whose membership list is
// read before it holds the lobby just written for them (a replicated
// cluster) still gets the lobby and its entries.
func TestNewUserIsInTheLobbyWhenTheListLags(t *testing.T) {
	h := newHub(t, hub.Options{Directory: laggingMemberships{memory.NewDirectory()}})
	ann, bob := connect(h, "ann"), connect(h, "bob")
	post(t, h, "ann", hub.LobbyID, "hello lobby", id("device-a", 1))
	for _, r := range []*recorder{ann, bob} {
		var all []string
		for _, f := range r.rawFrames() {
			all = append(all, string(f))
		}
		if !strings.Contains(strings.Join(all, "\n"), "hello lobby") {
			t.Errorf("%s did not get the lobby's message", r.name)
		}
	}
}
