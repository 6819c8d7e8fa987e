package chattest

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// ModelClient is a browser tab as the real client runs it: a client.Session,
// the controller app/ui renders, keeps the websocket alive (client.Conn:
// backoff, resume, app-level ping), holds the conversations (client.Model)
// and, given a client.Local, keeps the outbox and the conversations there as
// the browser keeps them in IndexedDB. Like the browser's UI goroutine, the
// test goroutine owns the Session: the connection's events wait in a queue
// and are handed to Session.Handle only by Until, Drain and Poll, which so
// send whatever the Model asks for (resume, history to fill gaps, resent
// messages). The queue never blocks the Conn, unless StopReading is in
// force.
//
// Every method must be called from the test goroutine.
type ModelClient struct {
	t       testing.TB
	Name    string // the name picked when the server asks for one; "" picks none
	Session *client.Session
	Model   *client.Model  // the Session's
	Conn    *client.Conn   // the Session's
	Jar     http.CookieJar // the browser: another ModelClient or Client with it is the same user
	URL     string         // the server, http://host:port

	// What the client saw, in order, for tests to inspect.
	State    client.State
	Welcomes []*chat.Welcome // every Welcome (NeedName ones too)
	Acks     []chat.Ack      // every Ack
	Errors   []*chat.Error   // every Error frame
	Ends     []client.Event  // the state events that followed the end of a connection
	Onlines  int             // how many times a connection came up
	Written  int             // messages handed to a connection, retries included

	// OnFrame, when set, sees every frame from the server as it is
	// applied, before the Model does.
	OnFrame func(chat.Frame)

	// Patience is how long Until waits. Defaults to 30s: the machine may
	// be loaded, and failing late costs nothing when things work.
	Patience time.Duration

	mu      sync.Mutex
	pending []client.Event
	signal  chan struct{}
	gate    chan struct{} // not nil while reading is stopped
	conns   []net.Conn    // TCP connections dialed, newest last
}

// ModelOptions configure NewModelClient. Zero values mean the defaults.
type ModelOptions struct {
	// Name is picked when the server asks for a name.
	Name string
	// Jar is the browser's cookie jar. Nil means a new browser.
	Jar http.CookieJar
	// Model is what the tab already holds. Nil means NewModel().
	Model *client.Model
	// Local is what the browser keeps (the outbox, the conversations): a
	// tab opened on a Local that another closed tab used takes over its
	// waiting messages. Nil means nothing is kept. The test closes it.
	Local *client.Local
	// Backoff spaces reconnects. Defaults to 50ms..1s, to keep tests quick.
	Backoff client.Backoff
	// PingInterval is the client's app-level ping interval. Defaults to the
	// Conn's default.
	PingInterval time.Duration
}

// ModelClient connects a tab to s; see NewModelClient.
func (s *Server) ModelClient(t testing.TB, name string, jar http.CookieJar) *ModelClient {
	t.Helper()
	return NewModelClient(t, s.URL, ModelOptions{Name: name, Jar: jar})
}

// NewModelClient starts a tab on the chat server at baseURL (http://host:port)
// and returns at once; Until waits for what the test needs. The tab stops
// when the test ends.
func NewModelClient(t testing.TB, baseURL string, o ModelOptions) *ModelClient {
	t.Helper()
	if o.Jar == nil {
		o.Jar = NewJar()
	}
	if o.Backoff.Min <= 0 {
		o.Backoff = client.Backoff{Min: 50 * time.Millisecond, Max: time.Second}
	}
	mc := &ModelClient{
		t: t, Name: o.Name, Jar: o.Jar, URL: baseURL,
		Patience: 30 * time.Second,
		signal:   make(chan struct{}, 1),
	}
	dialer := &net.Dialer{Timeout: Wait, Control: fixReceiveBuffer}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			mc.mu.Lock()
			mc.conns = append(mc.conns, c)
			mc.mu.Unlock()
			return c, nil
		},
	}
	apiTransport := &http.Transport{} // the handover's POST: not a connection Cut or LocalAddr sees
	session, err := client.NewSession(client.SessionOptions{
		Conn: client.Options{
			URL:          "ws" + strings.TrimPrefix(baseURL, "http") + "/ws",
			HTTPClient:   &http.Client{Jar: o.Jar, Transport: apiApart{ws: transport, api: apiTransport}},
			Header:       http.Header{"Origin": {baseURL}},
			Backoff:      o.Backoff,
			PingInterval: o.PingInterval,
		},
		Deliver: mc.onEvent,
		Model:   o.Model,
		Local:   o.Local,
	})
	if err != nil {
		t.Fatalf("%s: %v", o.Name, err)
	}
	mc.Session, mc.Model, mc.Conn = session, session.Model(), session.Conn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		session.Run(ctx)
	}()
	t.Cleanup(func() {
		mc.ResumeReading()
		cancel()
		select {
		case <-done:
		case <-time.After(Wait):
			t.Errorf("%s: the client's Conn.Run did not return after its context ended", mc.Name)
		}
		transport.CloseIdleConnections()
		apiTransport.CloseIdleConnections()
	})
	return mc
}

// onEvent runs on the Conn's goroutine: it queues the event for the test
// goroutine. While reading is stopped it blocks, and with it the Conn's
// read loop: the socket is no longer read, as with a stuck browser tab.
func (mc *ModelClient) onEvent(e client.Event) {
	mc.mu.Lock()
	gate := mc.gate
	mc.mu.Unlock()
	if gate != nil {
		<-gate
	}
	mc.mu.Lock()
	mc.pending = append(mc.pending, e)
	mc.mu.Unlock()
	select {
	case mc.signal <- struct{}{}:
	default:
	}
}

// StopReading makes the tab stop reading its socket: the next event the
// Conn reports blocks its read loop until ResumeReading, so what the server
// writes backs up in the network buffers and then in the server's queue.
func (mc *ModelClient) StopReading() {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.gate == nil {
		mc.gate = make(chan struct{})
	}
}

// ResumeReading undoes StopReading.
func (mc *ModelClient) ResumeReading() {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.gate != nil {
		close(mc.gate)
		mc.gate = nil
	}
}

// take returns the queued events and empties the queue.
func (mc *ModelClient) take() []client.Event {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	events := mc.pending
	mc.pending = nil
	return events
}

// apply notes what the event tells and hands it to the Session, as the UI
// does.
func (mc *ModelClient) apply(e client.Event) {
	mc.t.Helper()
	defer mc.noteWritten()
	if e.Later != nil {
		mc.handle(e) // the Session's own: a delayed save, another tab's change
		return
	}
	if e.Changed {
		if mc.State == client.Online && e.State != client.Online {
			mc.Ends = append(mc.Ends, e)
		}
		if e.State == client.Online && mc.State != client.Online {
			mc.Onlines++
		}
		mc.State = e.State
		mc.handle(e)
		return
	}
	if e.Frame == nil {
		mc.t.Errorf("%s: the server sent a frame the client cannot read: %v", mc.Name, e.Err)
		return
	}
	if mc.OnFrame != nil {
		mc.OnFrame(e.Frame)
	}
	switch f := e.Frame.(type) {
	case *chat.Welcome:
		mc.Welcomes = append(mc.Welcomes, f)
		if f.NeedName && mc.Name != "" {
			mc.Send(&chat.Nick{Name: mc.Name})
		}
	case *chat.Ack:
		mc.Acks = append(mc.Acks, *f)
	case *chat.Error:
		mc.Errors = append(mc.Errors, f)
		mc.t.Logf("%s: server error %s: %s", mc.Name, f.Code, f.Message)
	}
	mc.handle(e)
}

// handle hands e to the Session; what fails there fails the test.
func (mc *ModelClient) handle(e client.Event) {
	mc.t.Helper()
	if err := mc.Session.Handle(e); err != nil {
		mc.t.Errorf("%s: %v", mc.Name, err)
	}
}

// noteWritten copies the Session's count of written messages into Written.
func (mc *ModelClient) noteWritten() { mc.Written = mc.Session.Written() }

// Poll applies the events waiting now, without waiting for more.
func (mc *ModelClient) Poll() {
	mc.t.Helper()
	for _, e := range mc.take() {
		mc.apply(e)
	}
}

// Until applies events until cond holds, failing the test after Patience.
func (mc *ModelClient) Until(what string, cond func() bool) {
	mc.t.Helper()
	if !mc.UntilWithin(mc.Patience, cond) {
		mc.t.Fatalf("%s: %s did not happen within %v", mc.Name, what, mc.Patience)
	}
}

// UntilWithin applies events until cond holds or d passes, and reports
// whether cond holds.
func (mc *ModelClient) UntilWithin(d time.Duration, cond func() bool) bool {
	mc.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		mc.Poll()
		if cond() {
			return true
		}
		select {
		case <-mc.signal:
		case <-deadline.C:
			mc.Poll()
			return cond()
		}
	}
}

// Drain applies events for d: long enough for anything in flight, such as
// a duplicate, to show up.
func (mc *ModelClient) Drain(d time.Duration) {
	mc.t.Helper()
	mc.UntilWithin(d, func() bool { return false })
}

// Send writes f on the current connection, if there is one, and reports
// whether it could. A message written is marked as in flight; one that
// could not be written stays in the outbox and goes after the next Welcome.
func (mc *ModelClient) Send(f chat.Frame) bool {
	defer mc.noteWritten()
	return mc.Session.Send(f) == nil
}

// Say puts a message for conversation conv (or, with to set, for the private
// conversation with that user) in the outbox and writes what may go, oldest
// first, as the composer of app/ui does; it returns the message's id. A
// message the Session refuses fails the test.
func (mc *ModelClient) Say(conv, to, text string) chat.MsgID {
	mc.t.Helper()
	defer mc.noteWritten()
	id, err := mc.Session.Compose(conv, to, text)
	if err != nil {
		mc.t.Errorf("%s: saying %q: %v", mc.Name, text, err)
	}
	return id
}

// Flush writes every message of the outbox that is not in flight, oldest
// first, as the Model does after a Welcome.
func (mc *ModelClient) Flush() {
	mc.t.Helper()
	defer mc.noteWritten()
	if err := mc.Session.Flush(); err != nil {
		mc.t.Errorf("%s: %v", mc.Name, err)
	}
}

// ApplyUntil applies events one at a time until one that match accepts has
// been applied, leaving the ones after it queued; it fails the test after
// Patience.
func (mc *ModelClient) ApplyUntil(what string, match func(client.Event) bool) {
	mc.t.Helper()
	deadline := time.NewTimer(mc.Patience)
	defer deadline.Stop()
	for {
		mc.mu.Lock()
		var e client.Event
		ok := len(mc.pending) > 0
		if ok {
			e = mc.pending[0]
			mc.pending = mc.pending[1:]
		}
		mc.mu.Unlock()
		if ok {
			mc.apply(e)
			if match(e) {
				return
			}
			continue
		}
		select {
		case <-mc.signal:
		case <-deadline.C:
			mc.t.Fatalf("%s: %s did not happen within %v", mc.Name, what, mc.Patience)
		}
	}
}

// Ready reports whether the tab has its name and the first page of the
// conversation id.
func (mc *ModelClient) Ready(id string) bool {
	c := mc.Model.Convs[id]
	return mc.State == client.Online && !mc.Model.NeedName && mc.Model.Me != "" && c != nil && c.Ready
}

// Settled reports whether the tab is online and every message it wrote is
// acknowledged.
func (mc *ModelClient) Settled() bool {
	return mc.State == client.Online && len(mc.Model.Outbox) == 0
}

// Entries returns the window of conversation id (nil when unknown).
func (mc *ModelClient) Entries(id string) []chat.Entry {
	if c := mc.Model.Convs[id]; c != nil {
		return c.Entries
	}
	return nil
}

// Count returns how many entries of conversation id hold text.
func (mc *ModelClient) Count(id, text string) int {
	want := html.EscapeString(text)
	n := 0
	for _, e := range mc.Entries(id) {
		if strings.Contains(e.HTML, want) {
			n++
		}
	}
	return n
}

// CheckWindow returns an error when the window of conversation id is not a
// run of consecutive sequences, each once, or was marked lost.
func (mc *ModelClient) CheckWindow(id string) error { return mc.checkWindow(id, true) }

// CheckFoldedWindow is CheckWindow for a conversation with actions (edits,
// deletes, reactions): the Model folds them into the messages they change
// and keeps none, so the window skips their sequences; it must still hold
// each sequence once, in order.
func (mc *ModelClient) CheckFoldedWindow(id string) error { return mc.checkWindow(id, false) }

// checkWindow checks the window of id: rising sequences, consecutive when
// gapless, and not marked lost.
func (mc *ModelClient) checkWindow(id string, gapless bool) error {
	c := mc.Model.Convs[id]
	if c == nil {
		return fmt.Errorf("%s: no conversation %s", mc.Name, id)
	}
	if c.Lost {
		return fmt.Errorf("%s: conversation %s is marked lost", mc.Name, id)
	}
	for i := 1; i < len(c.Entries); i++ {
		prev, cur := c.Entries[i-1].Seq, c.Entries[i].Seq
		if cur <= prev || gapless && cur != prev+1 {
			return fmt.Errorf("%s: the window of %s goes from seq %d to %d (entry %d)", mc.Name, id, prev, cur, i)
		}
	}
	return nil
}

// Complete reports whether the window of conversation id holds it all, from
// the oldest entry the server keeps to the newest it announced.
func (mc *ModelClient) Complete(id string) bool {
	c := mc.Model.Convs[id]
	if c == nil || !c.Ready || !c.Start {
		return false
	}
	n := len(c.Entries)
	return (n == 0 && c.Info.Last == 0) || (n > 0 && c.Entries[n-1].Seq >= c.Info.Last)
}

// LoadOlder asks for older pages of conversation id, as scrolling up does,
// until the window reaches the oldest entry the server keeps.
func (mc *ModelClient) LoadOlder(id string) {
	mc.t.Helper()
	for range 10_000 {
		c := mc.Model.Convs[id]
		if c == nil {
			mc.t.Fatalf("%s: no conversation %s", mc.Name, id)
		}
		if c.Start {
			return
		}
		if f := mc.Model.Older(id); f != nil {
			mc.Send(f)
		}
		first := uint64(0)
		if len(c.Entries) > 0 {
			first = c.Entries[0].Seq
		}
		mc.Until("an older page of "+id, func() bool {
			c := mc.Model.Convs[id]
			if c == nil || c.Start || (len(c.Entries) > 0 && c.Entries[0].Seq < first) {
				return true
			}
			if !c.LoadingOlder() && mc.State == client.Online {
				// The request was lost with a connection: ask again.
				if f := mc.Model.Older(id); f != nil {
					mc.Send(f)
				}
			}
			return false
		})
	}
	mc.t.Fatalf("%s: the history of %s has no beginning", mc.Name, id)
}

// Disconnect closes the connection and stays offline until Reconnect.
func (mc *ModelClient) Disconnect() { mc.Conn.Disconnect() }

// Reconnect drops the connection, if any, with a normal close, and dials
// again at once.
func (mc *ModelClient) Reconnect() { mc.Conn.Reconnect() }

// Cut closes the tab's TCP connections without a websocket close, as when
// the network goes away; the Conn notices and reconnects on its own.
func (mc *ModelClient) Cut() {
	mc.mu.Lock()
	conns := mc.conns
	mc.conns = nil
	mc.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// LocalAddr returns the local address of the tab's newest TCP connection,
// which is the remote address the server sees; "" before the first dial.
func (mc *ModelClient) LocalAddr() string {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if len(mc.conns) == 0 {
		return ""
	}
	return mc.conns[len(mc.conns)-1].LocalAddr().String()
}

// Welcome returns the newest Welcome that named the user, or nil.
func (mc *ModelClient) Welcome() *chat.Welcome {
	for i := len(mc.Welcomes) - 1; i >= 0; i-- {
		if !mc.Welcomes[i].NeedName {
			return mc.Welcomes[i]
		}
	}
	return nil
}

// apiApart sends the requests of /api (the handover) over their own
// transport, so that the tab's tracked connections are its websockets only.
type apiApart struct{ ws, api http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t apiApart) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return t.api.RoundTrip(r)
	}
	return t.ws.RoundTrip(r)
}
