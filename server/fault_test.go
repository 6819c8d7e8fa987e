package server_test

// Faults the durable chat must survive (issue 3, "Must hold under faults"):
// a client that stops reading during a flood, connections cut mid-stream by
// the server, a sender whose connection keeps flapping, a long private
// conversation with one side offline, and bad input on the frames of
// history, resume, read and exactly-once send. Clients are the real
// client.Conn and client.Model (chattest.ModelClient), so what is checked is
// what a person would see.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/names"
	"github.com/founding/chat/server/wsconn"
)

// faultPatience bounds every wait of these tests: generous, because the
// machine may be loaded and -race is slow; a test that works never waits it.
const faultPatience = 60 * time.Second

// faultOptions lift the rate limits: the tests send fast on purpose.
func faultOptions() server.Options {
	return server.Options{
		PresenceGrace: 200 * time.Millisecond,
		MessageRate:   1e6, MessageBurst: 1e6,
		Transport: wsconn.Transport{FrameRate: 1e6, FrameBurst: 1e6},
	}
}

// noOtherEnd lifts the transport's clocks (pings, the write timeout) out of
// the way of a test about a full queue: on a loaded machine a flood can
// take longer than a ping's round, and a stuck tab would then be closed as
// silent, not evicted as slow.
func noOtherEnd(t *wsconn.Transport) {
	t.PingInterval, t.PingTimeout, t.WriteTimeout = 10*time.Minute, 10*time.Minute, 10*time.Minute
}

func faultID(device string, n int) chat.MsgID {
	return chat.MsgID{Device: "fault-" + device, N: uint64(n)}
}

// faultText is message number i of a run named prefix, padded. The mark
// comes first, so it can be found without scanning a long entry.
func faultText(prefix string, i int, pad string) string {
	return fmt.Sprintf("%s-%04d. %s", prefix, i, pad)
}

// faultNumber returns the number of the message of run prefix in an entry's
// HTML, or -1 when it is not one.
func faultNumber(prefix string, e chat.Entry) int {
	head := e.HTML[:min(len(e.HTML), 96)]
	i := strings.Index(head, prefix+"-")
	if i < 0 || len(head) < i+len(prefix)+6 {
		return -1
	}
	n, err := strconv.Atoi(head[i+len(prefix)+1 : i+len(prefix)+5])
	if err != nil {
		return -1
	}
	return n
}

// checkRun fails the test unless entries hold messages 1..n of run prefix,
// each exactly once and in order, at consecutive sequences.
func checkRun(t *testing.T, who, prefix string, entries []chat.Entry, n int) {
	t.Helper()
	var got []int
	var prev uint64
	for _, e := range entries {
		if prev != 0 && e.Seq != prev+1 {
			t.Errorf("%s: entries jump from seq %d to %d", who, prev, e.Seq)
		}
		prev = e.Seq
		if k := faultNumber(prefix, e); k >= 0 {
			got = append(got, k)
		}
	}
	seen := make(map[int]int)
	for _, k := range got {
		seen[k]++
	}
	for k := 1; k <= n; k++ {
		if seen[k] != 1 {
			t.Errorf("%s: message %s-%04d is there %d times, want once", who, prefix, k, seen[k])
		}
	}
	if len(got) != n {
		t.Errorf("%s: %d messages of %q, want %d", who, len(got), prefix, n)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Errorf("%s: message %d comes after message %d", who, got[i], got[i-1])
			break
		}
	}
}

// liveEntries returns the entries of conv a raw client received, in order.
func liveEntries(c *chattest.Client, conv string) []chat.Entry {
	var out []chat.Entry
	for _, f := range c.Frames() {
		if e, ok := f.(*chat.Entry); ok && e.Conv == conv {
			out = append(out, *e)
		}
	}
	return out
}

// isMessage matches message i of run prefix in conv.
func isMessage(conv, prefix string, i int) func(*chat.Entry) bool {
	return func(e *chat.Entry) bool { return e.Conv == conv && faultNumber(prefix, *e) == i }
}

// waitMessage waits until a raw client has received message i of run
// prefix in conv.
func waitMessage(t *testing.T, c *chattest.Client, who, conv, prefix string, i int) {
	t.Helper()
	chattest.Eventually(t, faultPatience, func() bool {
		frames := c.Frames()
		for j := len(frames) - 1; j >= 0; j-- {
			if e, ok := frames[j].(*chat.Entry); ok && e.Conv == conv && faultNumber(prefix, *e) == i {
				return true
			}
		}
		return false
	}, fmt.Sprintf("%s did not receive %s-%04d", who, prefix, i))
}

// waitAck waits until a raw client has the ack of id and returns it.
func waitAck(t *testing.T, c *chattest.Client, id chat.MsgID) chat.Ack {
	t.Helper()
	var ack chat.Ack
	chattest.Eventually(t, faultPatience, func() bool {
		frames := c.Frames()
		for j := len(frames) - 1; j >= 0; j-- {
			if a, ok := frames[j].(*chat.Ack); ok && a.ID == id {
				ack = *a
				return true
			}
		}
		return false
	}, fmt.Sprintf("no ack of %v", id))
	return ack
}

// catchUp waits until mc's window of conv reaches the newest entry, which
// is message n of run prefix, then scrolls up to the oldest. Scrolling is
// needed when the Model restarted its window on a stale resume page, as if
// history had been lost: TestFaultStalePageIsNotLostHistory shows that bug,
// which these tests leave aside to check that nothing is missing or doubled.
func catchUp(t *testing.T, mc *chattest.ModelClient, conv, prefix string, n int) {
	t.Helper()
	mc.Until("the newest of "+conv, func() bool {
		c, es := mc.Model.Convs[conv], mc.Entries(conv)
		return mc.State == client.Online && c != nil && c.Ready && len(es) > 0 &&
			es[len(es)-1].Seq >= c.Info.Last && faultNumber(prefix, es[len(es)-1]) == n
	})
	mc.LoadOlder(conv)
	mc.Until("the whole of "+conv, func() bool { return mc.Complete(conv) })
	if mc.Model.Convs[conv].Lost {
		t.Logf("%s: the window of %s was restarted as if history had been lost (TestFaultStalePageIsNotLostHistory)", mc.Name, conv)
	}
}

// cutListener remembers the connections a server accepted, so a test can
// cut one from the server's side, mid-stream, with no close frame.
type cutListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]net.Conn // by remote address
}

func (l *cutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns[c.RemoteAddr().String()] = c
		l.mu.Unlock()
	}
	return c, err
}

// cut closes the server's end of the connection from remote; it reports
// whether there was one.
func (l *cutListener) cut(remote string) bool {
	l.mu.Lock()
	c := l.conns[remote]
	delete(l.conns, remote)
	l.mu.Unlock()
	if c == nil {
		return false
	}
	c.Close()
	return true
}

type faultLogWriter struct{ t testing.TB }

func (w faultLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newCutServer is chattest.New with a listener that can cut connections.
func newCutServer(t *testing.T, opts server.Options) (*chattest.Server, *cutListener) {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(faultLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if opts.Storage == nil {
		opts.Storage = chattest.Durable(t, t.TempDir())
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &cutListener{Listener: inner, conns: make(map[string]net.Conn)}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Close()
	})
	addr := inner.Addr().String()
	return &chattest.Server{Server: srv, URL: "http://" + addr, WS: "ws://" + addr + "/ws", HTTP: hs}, ln
}

// welcomedSince waits until mc is online and has had more than since
// Welcomes (so the Model has resent its outbox on the newest connection),
// and returns how many it has had.
func welcomedSince(mc *chattest.ModelClient, since int) int {
	mc.Until("a Welcome on a new connection", func() bool { return mc.State == client.Online && len(mc.Welcomes) > since })
	return len(mc.Welcomes)
}

// cutServerSide cuts mc's current connection from the server's side.
func cutServerSide(t *testing.T, ln *cutListener, mc *chattest.ModelClient) {
	t.Helper()
	if !ln.cut(mc.LocalAddr()) {
		t.Fatalf("%s: the server has no connection from %q", mc.Name, mc.LocalAddr())
	}
}

// TestFaultSlowConsumerCatchesUpExactlyOnce: bob's tab stops reading while
// 1,000 large messages flow in the lobby. The server evicts it as a slow
// consumer; cid, who reads, gets all 1,000 in order while bob is still
// stuck; once bob's tab reads again, its Conn reconnects on its own and its
// Model ends up with all 1,000 exactly once, in order.
func TestFaultSlowConsumerCatchesUpExactlyOnce(t *testing.T) {
	t.Run("queue of 2.5 MiB", func(t *testing.T) {
		// A history page (at most about 2 MB of these entries) fits in
		// the queue, so the tab can catch up.
		floodStuckReader(t, 5<<19)
	})
	t.Run("queue of 64 KiB", func(t *testing.T) {
		// Pages are sized to fit and wait for room in the queue: the tab
		// catches up page by page instead of being evicted again.
		floodStuckReader(t, 64<<10)
	})
}

func floodStuckReader(t *testing.T, queueBytes int) {
	const n, chunk = 1000, 5
	opts := faultOptions()
	opts.QueueBytes = queueBytes
	noOtherEnd(&opts.Transport)
	s := chattest.New(t, opts)
	ann, cid := s.User(t, "ann"), s.User(t, "cid")
	bob := s.ModelClient(t, "bob", nil)
	bob.Until("a ready lobby", func() bool { return bob.Ready(hub.LobbyID) })
	bob.StopReading()

	// About 12 MB in all: far more than the network (the server's send
	// buffer grows to 4 MB) and the queue hold for a tab that does not
	// read. The sender waits every few messages, so the readers that keep
	// up never have more than about 60 KB waiting for them, however stuck
	// bob is.
	pad := strings.Repeat("字", 3900)
	for i := 1; i <= n; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: hub.LobbyID, Text: faultText("flood", i, pad)})
		if i%chunk == 0 {
			id := faultID("ann", i)
			chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == id })
			chattest.Expect(cid, isMessage(hub.LobbyID, "flood", i))
			chattest.Expect(ann, isMessage(hub.LobbyID, "flood", i))
		}
	}
	chattest.Eventually(t, faultPatience, func() bool { return s.Stats().SlowConsumers >= 1 },
		"the tab that stopped reading was not evicted")
	checkRun(t, "cid, while bob was stuck", "flood", liveEntries(cid, hub.LobbyID), n)
	if ann.Closed() != nil || cid.Closed() != nil {
		t.Fatalf("a reader that kept up was closed: ann %v, cid %v", ann.Closed(), cid.Closed())
	}

	bob.ResumeReading()
	// With a tiny queue the pages are tiny too: catching up takes many
	// round trips (about 500 here), slower still under -race.
	patience := bob.Patience
	if queueBytes < 1<<20 {
		// One page of two entries per round trip, each request waiting for
		// the user's turn: about 190 s under -race on a loaded 2-core
		// machine. The bound only says when to give up on a stuck tab.
		patience = 8 * time.Minute
	}
	if !bob.UntilWithin(patience, func() bool {
		return bob.State == client.Online && bob.Complete(hub.LobbyID) && len(bob.Entries(hub.LobbyID)) >= n
	}) {
		t.Fatalf("bob's tab did not catch up within %v: it holds %d entries; its connection ended %d times and the server evicted %d slow consumers",
			patience, len(bob.Entries(hub.LobbyID)), len(bob.Ends), s.Stats().SlowConsumers)
	}
	bob.Drain(300 * time.Millisecond) // anything duplicated would arrive now
	if err := bob.CheckWindow(hub.LobbyID); err != nil {
		t.Error(err)
	}
	checkRun(t, "bob after the eviction", "flood", bob.Entries(hub.LobbyID), n)
	if len(bob.Ends) == 0 || bob.Onlines < 2 {
		t.Errorf("bob's tab did not reconnect: %d connections ended, %d came up", len(bob.Ends), bob.Onlines)
	}
	if got := s.Stats().SlowConsumers; got != 1 {
		t.Errorf("SlowConsumers = %d, want 1: only bob, once", got)
	}
}

// TestFaultServerCutsMidStream: the server's end of bob's connection is
// closed twice, without a close frame, while 1,000 messages flow; bob's
// tab reconnects on its own each time and ends up with all of them exactly
// once, in order, like cid who stayed connected.
func TestFaultServerCutsMidStream(t *testing.T) {
	const n, chunk = 1000, 50
	s, ln := newCutServer(t, faultOptions())
	ann, cid := s.User(t, "ann"), s.User(t, "cid")
	bob := s.ModelClient(t, "bob", nil)
	bob.Until("a ready lobby", func() bool { return bob.Ready(hub.LobbyID) })

	pad := strings.Repeat("x", 200)
	cuts, onlines := 0, 0
	for i := 1; i <= n; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: hub.LobbyID, Text: faultText("stream", i, pad)})
		if i%chunk != 0 {
			continue
		}
		waitAck(t, ann, faultID("ann", i))
		if i == 300 || i == 650 {
			// Mid-stream: bob has part of the flood and more is coming.
			bob.Until("part of the stream", func() bool { return len(bob.Entries(hub.LobbyID)) >= i-2*chunk })
			onlines = welcomedSince(bob, onlines)
			cutServerSide(t, ln, bob)
			cuts++
		}
		bob.Poll()
	}
	waitMessage(t, cid, "cid", hub.LobbyID, "stream", n)
	catchUp(t, bob, hub.LobbyID, "stream", n)
	bob.Drain(300 * time.Millisecond)
	checkRun(t, "bob", "stream", bob.Entries(hub.LobbyID), n)
	checkRun(t, "cid", "stream", liveEntries(cid, hub.LobbyID), n)
	if len(bob.Ends) < cuts || bob.Onlines < cuts+1 {
		t.Errorf("bob's tab: %d connections ended and %d came up after %d cuts", len(bob.Ends), bob.Onlines, cuts)
	}
}

// TestFaultSenderFlapsExactlyOnce: ann sends 200 messages to a room while
// her connection is dropped every 20 messages, by her tab (a normal close),
// by the network on her side and by the server's side, with messages in
// flight each time. Every message is stored once: ann's own model, bob's
// model and cid's live frames each hold all 200 exactly once.
func TestFaultSenderFlapsExactlyOnce(t *testing.T) {
	const n, every = 200, 20
	s, ln := newCutServer(t, faultOptions())
	ann := s.ModelClient(t, "ann", nil)
	bob := s.ModelClient(t, "bob", nil)
	cid := s.User(t, "cid")

	ann.Until("online", func() bool { return ann.Ready(hub.LobbyID) })
	ann.Send(&chat.Join{Room: "flap"})
	room := "r:flap"
	ann.Until("the room", func() bool { return ann.Ready(room) })
	bob.Until("online", func() bool { return bob.Ready(hub.LobbyID) })
	bob.Send(&chat.Join{Room: "flap"})
	bob.Until("the room", func() bool { return bob.Ready(room) })
	cid.Send(&chat.Join{Room: "flap"})
	chattest.Expect(cid, func(c *chat.Conv) bool { return c.ID == room })
	// The conv frame may come before cid's join is in the log: wait for the
	// entry, so that the room holds three joins before the first message.
	chattest.Expect(cid, func(e *chat.Entry) bool { return e.Conv == room && e.Kind == chat.EntryJoin && e.From == "cid" })

	// Each run of 20: ten written right after the last flap, mostly while
	// offline, so they wait in the outbox; then, once the Welcome has had
	// them resent and they are acknowledged, ten more written at once and
	// the connection dropped at once, with them in flight. Messages go out
	// oldest first (Flush, not Say: see
	// TestFaultMessageWrittenBeforeTheResend), and no more than 20 are
	// ever unacknowledged (see TestFaultRetryAfterManyMessagesGetsItsAck).
	flaps, onlines := 0, 0
	for i := 1; i <= n; i++ {
		if i%every == every/2+1 {
			onlines = welcomedSince(ann, onlines)
			ann.Until("the queued messages acknowledged", func() bool { return len(ann.Model.Outbox) == 0 })
		}
		ann.Model.Compose(room, "", faultText("flap", i, "said while the line flaps"))
		ann.Flush()
		if i%every != 0 || i == n {
			continue
		}
		switch flaps % 3 {
		case 0:
			ann.Reconnect()
		case 1:
			ann.Cut()
		case 2:
			cutServerSide(t, ln, ann)
		}
		flaps++
	}
	ann.Until("every message acknowledged", func() bool { return ann.Settled() })
	catchUp(t, ann, room, "flap", n)
	catchUp(t, bob, room, "flap", n)
	waitMessage(t, cid, "cid", room, "flap", n)
	ann.Drain(300 * time.Millisecond)
	bob.Drain(100 * time.Millisecond)

	// The room holds three joins, then the messages.
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		checkRun(t, mc.Name, "flap", mc.Entries(room), n)
	}
	var live []chat.Entry
	for _, e := range liveEntries(cid, room) {
		if e.Kind == chat.EntryMessage {
			live = append(live, e)
		}
	}
	checkRun(t, "cid (live)", "flap", live, n)

	// Retries were answered with the first ack, never with a new entry.
	seqs := make(map[chat.MsgID]uint64)
	for _, a := range ann.Acks {
		if prev, ok := seqs[a.ID]; ok && prev != a.Seq {
			t.Errorf("message %v acked as seq %d and as seq %d", a.ID, prev, a.Seq)
		}
		seqs[a.ID] = a.Seq
	}
	if len(seqs) != n {
		t.Errorf("%d messages acknowledged, want %d", len(seqs), n)
	}
	for _, e := range ann.Errors {
		t.Errorf("ann got an error: %s: %s", e.Code, e.Message)
	}
	if len(ann.Ends) < flaps {
		t.Errorf("%d of ann's connections ended, want at least %d", len(ann.Ends), flaps)
	}
	if ann.Written <= n {
		t.Errorf("%d messages written for %d: no flap caught one in flight", ann.Written, n)
	}
	t.Logf("%d flaps; %d messages written and %d acks for %d messages", flaps, ann.Written, len(ann.Acks), n)
}

// TestFaultMessageWrittenBeforeTheResend: three messages wait in the
// outbox while ann is offline. The line comes back and, before the Welcome
// has had them resent, ann writes a fourth, as app/ui's composer does (it
// writes a new message at once). All four are stored, each once, in the
// order written, and none is marked failed.
func TestFaultMessageWrittenBeforeTheResend(t *testing.T) {
	s := chattest.New(t, faultOptions())
	ann := s.ModelClient(t, "ann", nil)
	ann.Until("a ready lobby", func() bool { return ann.Ready(hub.LobbyID) })
	ann.Disconnect()
	ann.Until("offline", func() bool { return ann.State == client.Offline })
	for i := 1; i <= 3; i++ {
		ann.Say(hub.LobbyID, "", faultText("queued", i, "while offline"))
	}
	ann.Reconnect()
	ann.ApplyUntil("the line coming back", func(e client.Event) bool { return e.Changed && e.State == client.Online })
	ann.Say(hub.LobbyID, "", faultText("queued", 4, "as the line came back"))
	ann.Until("every message settled", func() bool {
		for _, o := range ann.Model.Outbox {
			if o.Failed == "" {
				return false
			}
		}
		return ann.Count(hub.LobbyID, "queued-0004") == 1
	})
	for _, o := range ann.Model.Outbox {
		t.Errorf("message %d (%q) failed: %s", o.ID.N, o.Text, o.Failed)
	}
	ann.Drain(200 * time.Millisecond)
	checkRun(t, "ann", "queued", ann.Entries(hub.LobbyID), 4)
}

// TestFaultRetryAfterManyMessagesGetsItsAck: a message is retried after
// 59 later messages of the same device were stored, as when a tab sends a
// long offline outbox and the connection drops before the acks come back.
// The retry must get the first ack, not an error: the issue promises the
// same ack "with no time window".
func TestFaultRetryAfterManyMessagesGetsItsAck(t *testing.T) {
	// The server keeps the acks of a device's latest 64 messages, twice
	// client.MaxInFlight: any message a client may retry.
	const n = 60 // more than client.MaxInFlight, within what the server keeps
	s := chattest.New(t, faultOptions())
	ann := s.User(t, "ann")
	for i := 1; i <= n; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: hub.LobbyID, Text: faultText("outbox", i, "")})
	}
	last := waitAck(t, ann, faultID("ann", n))
	first := waitAck(t, ann, faultID("ann", 1))

	again := s.Dial(t, ann.Jar) // the connection after the drop
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "ann" })
	again.Send(&chat.Send{ID: faultID("ann", 1), Conv: hub.LobbyID, Text: faultText("outbox", 1, "")})
	chattest.Eventually(t, faultPatience, func() bool {
		return faultCount(again, func(a *chat.Ack) bool { return a.ID == first.ID }) > 0 ||
			faultCount(again, func(e *chat.Error) bool { return e.Ref == chat.TypeSend }) > 0
	}, "no answer to the retry")
	for _, f := range again.Frames() {
		switch f := f.(type) {
		case *chat.Ack:
			if *f != first {
				t.Errorf("the retry was acked %+v, want the first ack %+v", *f, first)
			}
		case *chat.Error:
			t.Errorf("the retry got an error: %s: %s", f.Code, f.Message)
		}
	}
	ann.Send(&chat.History{Conv: hub.LobbyID, After: last.Seq})
	if p := chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == hub.LobbyID }); len(p.Entries) != 0 {
		t.Errorf("the retry made %d new entries", len(p.Entries))
	}
}

// TestFaultStalePageIsNotLostHistory: after a reconnect the Model asks to
// resume; entries posted meanwhile arrive live, and can overtake the answer,
// whose Last was read before them (the session reads the page, then queues
// it behind what the fan-out queued). Such a page is stale, not a sign that
// the server lost history: the window must stay whole. The flap and cut
// tests above hit this race under load; here the frames come in that order
// on purpose.
func TestFaultStalePageIsNotLostHistory(t *testing.T) {
	const conv = "r:den"
	entry := func(seq uint64) *chat.Entry {
		return &chat.Entry{Conv: conv, Seq: seq, Time: int64(seq), Kind: chat.EntryMessage, From: "bob", HTML: fmt.Sprintf("<div>%d</div>", seq)}
	}
	m := client.NewModel()
	info := chat.ConvInfo{ID: conv, Kind: chat.KindRoom, Name: "den", Last: 3}
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{info}})
	m.Apply(&chat.Page{Conv: conv, Entries: []chat.Entry{*entry(1), *entry(2), *entry(3)}, First: 1, Last: 3})

	// The line drops and comes back; bob posts 4 and 5 meanwhile.
	m.Disconnected()
	out := m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{info}})
	if len(out) == 0 || out[0].FrameType() != chat.TypeResume {
		t.Fatalf("no resume after the Welcome: %v", out)
	}
	m.Apply(entry(4))
	m.Apply(entry(5))
	m.Apply(&chat.Page{Conv: conv, Entries: []chat.Entry{*entry(4)}, First: 1, Last: 4}) // read before 5 was posted

	c := m.Convs[conv]
	var seqs []uint64
	for _, e := range c.Entries {
		seqs = append(seqs, e.Seq)
	}
	if c.Lost || !c.Start || fmt.Sprint(seqs) != "[1 2 3 4 5]" {
		t.Errorf("window %v, lost %v, start %v; want [1 2 3 4 5], not lost, from the start", seqs, c.Lost, c.Start)
	}
}

// TestFaultOfflinePrivateConversationArrivesAtLogin: ann writes bob 300
// private messages while bob is offline the whole time. At his next login
// from the same browser, his Welcome lists the conversation with 300
// unread, Away and Back bracket the messages, and scrolling up gives all
// 300 exactly once, in order.
func TestFaultOfflinePrivateConversationArrivesAtLogin(t *testing.T) {
	const n = 300
	opts := faultOptions()
	opts.PresenceGrace = 100 * time.Millisecond
	st := chattest.Durable(t, t.TempDir())
	opts.Storage = st
	s := chattest.New(t, opts)

	bob := s.ModelClient(t, "bob", nil)
	bob.Until("bob's name", func() bool { return bob.Ready(hub.LobbyID) && bob.Model.Me == "bob" })
	if w := bob.Welcome(); w.Away != 0 {
		t.Errorf("first Welcome: Away = %d, want 0", w.Away)
	}
	bob.Disconnect()
	bob.Until("offline", func() bool { return bob.State == client.Offline })
	chattest.Eventually(t, faultPatience, func() bool {
		seen, err := st.Directory.Seen(context.Background(), names.Key("bob"))
		return err == nil && seen > 0 && !s.Hub().Online("bob")
	}, "bob was not recorded as gone")

	ann := s.User(t, "ann")
	ann.Send(&chat.Send{ID: faultID("ann", 1), To: "bob", Text: faultText("dm", 1, "")})
	first := waitAck(t, ann, faultID("ann", 1))
	conv := first.Conv
	for i := 2; i <= n; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: conv, Text: faultText("dm", i, "")})
	}
	last := waitAck(t, ann, faultID("ann", n))
	if last.Seq != n {
		t.Fatalf("the last message is entry %d of the conversation, want %d", last.Seq, n)
	}
	if s.Hub().Online("bob") {
		t.Fatal("bob came online during the conversation")
	}

	// bob's next login: another tab of the same browser, with nothing
	// cached, that picks no name: it must get bob from the cookie.
	tab := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Jar: bob.Jar})
	tab.Until("the private conversation", func() bool { return tab.Ready(conv) && tab.Model.Convs[hub.LobbyID] != nil })
	w := tab.Welcome()
	if w == nil || w.Me != "bob" {
		t.Fatalf("the same browser is not bob: %+v", tab.Welcomes)
	}
	var info *chat.ConvInfo
	for i := range w.Convs {
		if w.Convs[i].ID == conv {
			info = &w.Convs[i]
		}
	}
	switch {
	case info == nil:
		t.Fatalf("bob's Welcome does not list the private conversation: %+v", w.Convs)
	case info.Kind != chat.KindPrivate || info.Name != "ann":
		t.Errorf("the conversation is listed as %+v, want private with ann", *info)
	case info.Last-info.Read != n:
		t.Errorf("listed with last %d and read %d: %d unread, want %d", info.Last, info.Read, info.Last-info.Read, n)
	}
	if w.Away == 0 || w.Back < w.Away || first.Time < w.Away || last.Time > w.Back {
		t.Errorf("Away %d and Back %d do not bracket the messages (%d..%d)", w.Away, w.Back, first.Time, last.Time)
	}
	if got := tab.Model.Convs[conv].Unread; got != n {
		t.Errorf("the tab shows %d unread, want %d", got, n)
	}

	tab.LoadOlder(conv)
	tab.Until("the whole conversation", func() bool { return tab.Complete(conv) })
	tab.Drain(100 * time.Millisecond)
	if err := tab.CheckWindow(conv); err != nil {
		t.Error(err)
	}
	entries := tab.Entries(conv)
	checkRun(t, "bob", "dm", entries, n)
	for _, e := range entries {
		if e.From != "ann" || e.Time < w.Away || e.Time > w.Back {
			t.Errorf("entry %d: from %q at %d, want from ann between %d and %d", e.Seq, e.From, e.Time, w.Away, w.Back)
			break
		}
	}
}

// TestFaultBadInputOnTheNewFrames: history, read, send and leave with bad
// sequences, page sizes, conversations and device ids get one clear error
// frame each; nothing reaches anyone else, nothing leaks from ann and bob's
// private conversation, and nothing stored is lost or changed.
func TestFaultBadInputOnTheNewFrames(t *testing.T) {
	s := chattest.New(t, faultOptions())
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")

	// ann and bob's private conversation, with three secrets.
	ann.Send(&chat.Open{With: "bob"})
	private := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate }).ID
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == private })
	for i := 1; i <= 3; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: private, Text: faultText("secret", i, "")})
	}
	waitMessage(t, bob, "bob", private, "secret", 3)
	// Five lobby messages from ann; the last one's id is what cid forges.
	for i := 4; i <= 8; i++ {
		ann.Send(&chat.Send{ID: faultID("ann", i), Conv: hub.LobbyID, Text: faultText("lobby", i, "")})
	}
	annAck := waitAck(t, ann, faultID("ann", 8))
	waitMessage(t, cid, "cid", hub.LobbyID, "lobby", 8)
	lobbyLast := annAck.Seq

	annBefore, bobBefore := len(ann.Frames()), len(bob.Frames())
	mark := 0
	// try sends raw on cid's connection and returns the one error frame it
	// earns; a ping after it proves the connection carries on.
	try := func(what string, raw string) *chat.Error {
		t.Helper()
		before := len(cid.Frames())
		if err := cid.Conn.Write(context.Background(), websocket.MessageText, []byte(raw)); err != nil {
			t.Fatalf("%s: write: %v", what, err)
		}
		mark++
		cid.Send(&chat.Ping{N: uint64(mark)})
		n := mark
		chattest.Eventually(t, faultPatience, func() bool {
			for _, f := range cid.Frames()[before:] {
				if p, ok := f.(*chat.Pong); ok && p.N == uint64(n) {
					return true
				}
			}
			return false
		}, what+": no pong after it")
		var errs []*chat.Error
		for _, f := range cid.Frames()[before:] {
			switch f := f.(type) {
			case *chat.Error:
				errs = append(errs, f)
			case *chat.Page, *chat.Entry, *chat.Conv, *chat.Cursor, *chat.Ack:
				t.Errorf("%s: answered with a %s frame", what, f.FrameType())
			}
		}
		if len(errs) != 1 {
			t.Fatalf("%s: %d error frames, want 1", what, len(errs))
		}
		if errs[0].Message == "" {
			t.Errorf("%s: the error has no message", what)
		}
		return errs[0]
	}
	expect := func(what string, raw string, code chat.Code, ref chat.Type, says ...string) *chat.Error {
		t.Helper()
		e := try(what, raw)
		if e.Code != code || e.Ref != ref {
			t.Errorf("%s: error %s (ref %q): %s; want %s (ref %q)", what, e.Code, e.Ref, e.Message, code, ref)
		}
		for _, s := range says {
			if !strings.Contains(e.Message, s) {
				t.Errorf("%s: the error says %q; want it to mention %q", what, e.Message, s)
			}
		}
		return e
	}
	lobby := hub.LobbyID
	beyond := strconv.FormatUint(lobbyLast+1, 10)

	// Sequences outside the conversation.
	expect("history before the first entry", `{"type":"history","conv":"r:lobby","before":1}`, chat.CodeBadRequest, chat.TypeHistory)
	// (The message names the wrong sequence: TestFaultFutureErrorNamesTheSequence.)
	expect("history after a sequence from the future", `{"type":"history","conv":"r:lobby","after":`+beyond+`}`,
		chat.CodeBadRequest, chat.TypeHistory)
	expect("history after the largest sequence", `{"type":"history","conv":"r:lobby","after":18446744073709551615}`,
		chat.CodeBadRequest, chat.TypeHistory)
	expect("history before a sequence from the future", `{"type":"history","conv":"r:lobby","before":`+strconv.FormatUint(lobbyLast+2, 10)+`}`,
		chat.CodeBadRequest, chat.TypeHistory)
	expect("read beyond the last entry", `{"type":"read","conv":"r:lobby","seq":`+beyond+`}`, chat.CodeBadRequest, chat.TypeRead, "sequence "+beyond+" ")

	// Page sizes.
	expect("limit -1", `{"type":"history","conv":"r:lobby","limit":-1}`, chat.CodeBadRequest, chat.TypeHistory)
	expect("limit 201", `{"type":"history","conv":"r:lobby","limit":201}`, chat.CodeBadRequest, chat.TypeHistory)
	expect("limit too big for an int", `{"type":"history","conv":"r:lobby","limit":99999999999999999999999}`, chat.CodeBadJSON, chat.TypeHistory)
	expect("limit with a fraction", `{"type":"history","conv":"r:lobby","limit":2.5}`, chat.CodeBadJSON, chat.TypeHistory)

	// Someone else's private conversation: the same answer as for one that
	// does not exist, so cid learns nothing.
	for _, conv := range []string{private, "p:nobody|noone"} {
		q := strconv.Quote(conv)
		expect("history of "+conv, `{"type":"history","conv":`+q+`}`, chat.CodeNoSuchConv, chat.TypeHistory)
		expect("history after 1 of "+conv, `{"type":"history","conv":`+q+`,"after":1,"limit":200}`, chat.CodeNoSuchConv, chat.TypeHistory)
		e := expect("send to "+conv, `{"type":"send","id":{"d":"fault-cid","n":1},"conv":`+q+`,"text":"let me in"}`, chat.CodeNoSuchConv, chat.TypeSend)
		if e.ID == nil || *e.ID != faultID("cid", 1) {
			t.Errorf("send to %s: the error names message %v, want %v", conv, e.ID, faultID("cid", 1))
		}
		expect("read of "+conv, `{"type":"read","conv":`+q+`,"seq":1}`, chat.CodeNoSuchConv, chat.TypeRead)
		expect("leave "+conv, `{"type":"leave","conv":`+q+`}`, chat.CodeNoSuchConv, chat.TypeLeave)
	}
	// A resume naming it gets it removed, nothing more.
	before := len(cid.Frames())
	cid.Send(&chat.Resume{Cursors: map[string]uint64{private: 0}})
	chattest.Expect(cid, func(g *chat.Gone) bool { return g.Conv == private })
	for _, f := range cid.Frames()[before:] {
		if p, ok := f.(*chat.Page); ok {
			t.Errorf("a resume by cid got a page of %s with %d entries", p.Conv, len(p.Entries))
		}
	}

	// Malformed device ids.
	for _, d := range []string{"has spaces in it", "semi;colon-device", strings.Repeat("d", 65), "ok-but-\u00e9"} {
		raw := fmt.Sprintf(`{"type":"send","id":{"d":%q,"n":1},"conv":"r:lobby","text":"hi"}`, d)
		e := expect("device "+strconv.Quote(d), raw, chat.CodeBadDevice, chat.TypeSend)
		if e.ID == nil || e.ID.Device != d {
			t.Errorf("device %q: the error names message %v", d, e.ID)
		}
	}

	// A forged id: ann's device and counter, sent by cid. It is cid's own
	// new message, not a duplicate of ann's, and ann's ack stays hers.
	forged := chat.Send{ID: annAck.ID, Conv: lobby, Text: "forged by cid"}
	cid.Send(&forged)
	got := waitAck(t, cid, annAck.ID)
	if got.Seq == annAck.Seq {
		t.Errorf("the forged id was answered with ann's ack %+v", got)
	}
	if got.Seq != lobbyLast+1 {
		t.Errorf("the forged message is entry %d, want a new entry %d", got.Seq, lobbyLast+1)
	}
	e := chattest.Expect(ann, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "forged by cid") })
	if e.From != "cid" || e.Seq != got.Seq {
		t.Errorf("the forged message reached ann as %+v", *e)
	}
	// ann's retry of her own message still gets her own ack, and cid's
	// retry of the forged one its own: exactly once for both.
	ann.Send(&chat.Send{ID: annAck.ID, Conv: lobby, Text: faultText("lobby", 8, "")})
	cid.Send(&forged)
	chattest.Eventually(t, faultPatience, func() bool {
		return faultCount[chat.Ack](ann, func(a *chat.Ack) bool { return a.ID == annAck.ID }) == 2 &&
			faultCount[chat.Ack](cid, func(a *chat.Ack) bool { return a.ID == annAck.ID }) == 2
	}, "the retries were not acked")
	for _, c := range []struct {
		who  string
		c    *chattest.Client
		want chat.Ack
	}{{"ann", ann, annAck}, {"cid", cid, got}} {
		for _, f := range c.c.Frames() {
			if a, ok := f.(*chat.Ack); ok && a.ID == annAck.ID && *a != c.want {
				t.Errorf("%s's retry was acked %+v, want %+v", c.who, *a, c.want)
			}
		}
	}

	// Nothing leaked or was lost. cid never saw the private conversation.
	for _, f := range cid.Frames() {
		switch f := f.(type) {
		case *chat.Entry:
			if f.Conv == private {
				t.Errorf("cid received entry %d of ann and bob's conversation", f.Seq)
			}
		case *chat.Conv:
			if f.ID == private {
				t.Error("cid was told of ann and bob's conversation")
			}
		}
	}
	// ann and bob saw nothing of cid's attempts but the one lobby message.
	for _, w := range []struct {
		who    string
		c      *chattest.Client
		before int
	}{{"ann", ann, annBefore}, {"bob", bob, bobBefore}} {
		chattest.Expect(w.c, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "forged by cid") })
		for _, f := range w.c.Frames()[w.before:] {
			switch f := f.(type) {
			case *chat.Entry:
				if f.Conv != lobby || !strings.Contains(f.HTML, "forged by cid") {
					t.Errorf("%s received entry %d of %s: %.60s", w.who, f.Seq, f.Conv, f.HTML)
				}
			case *chat.Error, *chat.Gone, *chat.Conv, *chat.Page, *chat.Cursor:
				t.Errorf("%s received a %s frame because of cid", w.who, f.FrameType())
			}
		}
	}
	// The stored history is whole: three secrets, and the lobby's five plus
	// the forged message, each once.
	ann.Send(&chat.History{Conv: private})
	p := chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == private })
	checkRun(t, "ann and bob's history", "secret", p.Entries, 3)
	ann.Send(&chat.History{Conv: lobby})
	p = chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == lobby })
	if len(p.Entries) != 6 || p.Last != lobbyLast+1 || !strings.Contains(p.Entries[5].HTML, "forged by cid") {
		t.Errorf("the lobby's history has %d entries up to %d, want 6 up to %d ending with the forged one", len(p.Entries), p.Last, lobbyLast+1)
	}
	if st := s.Stats(); st.Policy != 0 {
		t.Errorf("%d connections closed for bad frames", st.Policy)
	}
}

// TestFaultFutureErrorNamesTheSequence: the error for a history request
// after a sequence beyond the last entry names the sequence asked for.
func TestFaultFutureErrorNamesTheSequence(t *testing.T) {
	s := chattest.New(t, faultOptions())
	ann := s.User(t, "ann")
	ann.Send(&chat.Send{ID: faultID("ann", 1), Conv: hub.LobbyID, Text: "one"})
	waitAck(t, ann, faultID("ann", 1))
	ann.Send(&chat.History{Conv: hub.LobbyID, After: 6})
	e := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeHistory })
	if e.Code != chat.CodeBadRequest || !strings.Contains(e.Message, "sequence 6 ") {
		t.Errorf("error %s: %q; want bad_request naming sequence 6", e.Code, e.Message)
	}
}

// faultCount returns how many frames of type T that match accepts c has.
func faultCount[T any](c *chattest.Client, match func(*T) bool) int {
	n := 0
	for _, f := range c.Frames() {
		if v, ok := any(f).(*T); ok && match(v) {
			n++
		}
	}
	return n
}
