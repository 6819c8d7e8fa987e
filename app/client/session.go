package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/founding/chat/app/chat"
)

// Session is one tab's chat without a user interface: it owns the
// connection (Conn), what the tab knows (Model), the outbox and what the
// browser keeps (Local). It applies the connection's events to the model,
// writes what the model asks for (resume, gap fills, resent messages),
// keeps the outbox and the conversations in the Local, and returns every
// error instead of logging it: the caller is the one who can tell the user.
//
// Concurrency: a Session belongs to one goroutine, its owner (the browser's
// UI goroutine, or a test's goroutine). Call its methods and read its Model
// from the owner only. The connection runs on goroutines of its own (Run);
// its events reach the owner through SessionOptions.Deliver, and the owner
// hands each to Handle, in order. With a Local, no method blocks: the
// Local's work (an IndexedDB transaction in the browser, a map natively)
// runs in order on a goroutine of its own, and its answer comes back
// through Deliver as an event (Event.Later) that Handle applies, returning
// what failed. A message is stored before it is first written to the
// connection, and marked in the Local as gone over the wire (so that no tab
// may cancel it any more) before it is.
type Session struct {
	conn    *Conn
	model   *Model
	local   *Local
	deliver func(Event)
	device  string // the device the Local gave this tab, or ""
	state   State
	connNo  uint64 // the connection whose Online event Handle saw last (Event.Conn); 0 while not online
	written int
	mirror  *Mirror // what the Local holds of the model; nil without a Local

	saveDelay time.Duration
	saveDue   bool         // a delayed save of the conversations is scheduled
	polling   bool         // a look at the other tabs' outboxes is scheduled
	active    activePacing // when this tab last said its user is here (push.go)

	work    workQueue // the Local's work, in order, off the owner's goroutine
	waiting int       // jobs queued whose answer Handle has not had yet
	// gone lists the messages done with on this page: never adopted again.
	gone map[chat.MsgID]bool
	// wiring lists the messages the Local is marking as gone over the
	// wire; the messages after them wait, to keep each device's order.
	wiring map[chat.MsgID]bool
	// cancelling lists this tab's messages whose cancel the Local has not
	// confirmed yet: shown as cancelling, never sent, gone once it has.
	cancelling map[chat.MsgID]bool
}

// SessionOptions configure NewSession.
type SessionOptions struct {
	// Conn configures the connection. Its OnEvent is ignored: the
	// connection's events go to Deliver.
	Conn Options
	// Deliver receives each event of the connection, on the connection's
	// goroutine, in order, and the events the Session schedules for itself
	// (Event.Later, from a goroutine of its own); it must hand each to the
	// owner's goroutine, which calls Handle (the UI dispatches it, a test
	// queues it). It must be set.
	Deliver func(Event)
	// Model is what the tab holds already. Nil means NewModel().
	Model *Model
	// Local is where the tab keeps the outbox and the conversations. Nil
	// means nothing outlives the Session (until UseLocal). The caller opens
	// and closes it.
	Local *Local
	// SaveDelay batches the saves of the conversations into the Local: a
	// burst of entries is one write, SaveDelay after the first (the
	// browser's 300ms). Zero saves them at every change. The outbox is
	// never delayed: a message is stored before it is sent.
	SaveDelay time.Duration
}

// Errors of Session.
var (
	// ErrNotSaved means a message could not be stored on this device: it
	// was not sent, and the Session forgot it, so the text is the
	// caller's to keep (in the composer).
	ErrNotSaved = errors.New("client: could not save this message on this device")
	// ErrNoDeliver means SessionOptions.Deliver is missing.
	ErrNoDeliver = errors.New("client: a Session needs a Deliver function")
)

// NewSession returns a Session; Run starts its connection. With a Local it
// first takes this tab's device, restores the saved conversations and takes
// over the messages that wait in the outbox (a closed tab's, or this tab's
// before a reload); it fails when the Local does.
func NewSession(o SessionOptions) (*Session, error) {
	if o.Deliver == nil {
		return nil, ErrNoDeliver
	}
	if o.Model == nil {
		o.Model = NewModel()
	}
	s := &Session{model: o.Model, deliver: o.Deliver, saveDelay: o.SaveDelay,
		gone: make(map[chat.MsgID]bool), wiring: make(map[chat.MsgID]bool), cancelling: make(map[chat.MsgID]bool)}
	o.Conn.OnEvent = o.Deliver
	s.conn = New(o.Conn)
	if o.Local != nil {
		kept, err := ReadLocal(o.Local)
		if err != nil {
			return nil, err
		}
		s.UseLocal(o.Local, kept)
	}
	return s, nil
}

// Kept is what a Local holds for a tab that opens it: the device the tab
// writes under, what the profile saved, and the messages that wait.
type Kept struct {
	Device string
	Last   uint64      // the highest counter the device used
	Saved  Saved       // the saved conversations, and who the user is
	Mine   []*Outgoing // the waiting messages of the user: the device's own, and those closed tabs left
}

// ReadLocal takes a device for this tab in l and reads what l keeps. It
// blocks: in the browser, call it off the UI goroutine (then UseLocal on
// it).
func ReadLocal(l *Local) (Kept, error) {
	var k Kept
	var mine []*Outgoing
	var err error
	k.Device, k.Last, mine, err = l.TakeDevice()
	if err != nil {
		return Kept{}, fmt.Errorf("client: taking a device: %w", err)
	}
	if k.Saved, err = l.Load(); err != nil {
		return Kept{}, fmt.Errorf("client: reading the saved conversations: %w", err)
	}
	if k.Saved.Me == "" {
		return k, nil // nobody signed in here: nobody's messages to send
	}
	adopted, err := l.Adopt(k.Saved.Me)
	if err != nil {
		return Kept{}, fmt.Errorf("client: taking over waiting messages: %w", err)
	}
	k.Mine = append(forUser(mine, k.Saved.Me), adopted...)
	return k, nil
}

// UseLocal makes the Session keep its outbox and conversations in l from
// k (ReadLocal's) on: the tab writes under k's device, shows the saved
// conversations and takes over the waiting messages. NewSession does it
// for SessionOptions.Local; the browser opens IndexedDB while the page
// starts, and calls it then. What the model holds already (the server's
// word) stays. Other tabs' announcements reach Handle through Deliver from
// then on.
func (s *Session) UseLocal(l *Local, k Kept) {
	s.local, s.device = l, k.Device
	s.mirror = NewMirror(k.Device)
	s.model.SetDevice(k.Device, k.Last)
	s.model.Restore(k.Saved)
	s.mirror.Restored(k.Saved, s.model)
	s.adopt(k.Mine)
	l.OnChange(func(c Change) { s.deliver(Event{Later: &Later{kind: laterChange, change: c}}) })
	s.refreshOthers()
}

// Local returns the Local the Session keeps its data in, or nil.
func (s *Session) Local() *Local { return s.local }

// adopt puts messages taken from the Local into the outbox, as stored.
func (s *Session) adopt(list []*Outgoing) {
	var fresh []*Outgoing
	for _, o := range list {
		if !s.gone[o.ID] && s.model.Message(o.ID) == nil {
			fresh = append(fresh, o)
			s.mirror.Stored(o)
		}
	}
	s.model.Adopt(fresh)
	s.dropOthers(func(o *Outgoing) bool { return s.model.Message(o.ID) != nil })
}

// SetModel makes the Session go on with m, the model of another user
// after a sign-in in this browser; what it kept of the previous model in
// the Local stays there.
func (s *Session) SetModel(m *Model) {
	old := s.model
	s.model = m
	if s.local != nil {
		s.mirror = NewMirror(s.device)
		m.SetDevice(s.device, max(old.Counter(), m.Counter()))
	}
	s.saveDue = false
}

// Write writes frames in order, as Handle writes the model's answers: it
// stops at the first that cannot go (the rest waits for the next Welcome)
// and writes messages of the outbox only online.
func (s *Session) Write(frames []chat.Frame) error { return s.sendAll(frames) }

// Run keeps the connection up until ctx ends.
func (s *Session) Run(ctx context.Context) { s.conn.Run(ctx) }

// Model returns what the tab knows. Read and change it on the owner's
// goroutine only; after changing its outbox, call Flush.
func (s *Session) Model() *Model { return s.model }

// Conn returns the connection (Disconnect, Reconnect).
func (s *Session) Conn() *Conn { return s.conn }

// State returns the connection's state as the last event handled told it.
func (s *Session) State() State { return s.state }

// Written returns how many messages were handed to a connection, resends
// included.
func (s *Session) Written() int { return s.written }

// Handle applies one event of the connection: a state change, or a frame
// from the server, whose answers it writes. It returns the frame's decoding
// error for a frame the client cannot read, why a Handover's exchange
// failed (Conn makes it), and what failed in the Local.
func (s *Session) Handle(e Event) error {
	if e.Later != nil {
		return s.later(*e.Later)
	}
	if e.Changed {
		s.state, s.connNo = e.State, e.Conn
		if e.State != Online {
			s.model.Disconnected()
		}
		return nil
	}
	if e.Frame == nil {
		return e.Err
	}
	if _, ok := e.Frame.(*chat.Handover); ok {
		return e.Err // the name stays this browser's only if the exchange worked
	}
	answers := s.model.Apply(e.Frame)
	s.persist()
	if w, ok := e.Frame.(*chat.Welcome); ok && !w.NeedName {
		s.lookAround() // what closed tabs left, what other tabs hold
	}
	return s.sendAll(answers)
}

// Flush writes the messages of the outbox that wait, oldest first (after a
// change of the outbox, or a refusal to retry).
func (s *Session) Flush() error {
	s.persist()
	return s.sendAll(s.model.Unsent())
}

// Send writes f on the current connection. It fails with ErrOffline or
// ErrBusy when it cannot; a message of the outbox then waits for the next
// Welcome.
//
// It writes only on the connection whose Online event Handle saw last:
// until the session has seen the next one come up (and its Welcome ask
// for the outbox, oldest first), nothing goes on it, so a new message
// never overtakes the older ones waiting to be resent.
func (s *Session) Send(f chat.Frame) error {
	if s.connNo == 0 {
		return ErrOffline
	}
	if err := s.conn.SendOn(s.connNo, f); err != nil {
		return err
	}
	if id, ok := OutboxID(f); ok {
		s.model.Sent(id)
		s.written++
	}
	return nil
}

// sendAll writes frames in order and stops at the first that cannot go:
// the outbox's messages go in order or not at all (the server keeps each
// device's high-water mark), and they wait for the next Welcome. Messages
// go only online, so that offline they stay cancellable; before a message
// first goes over the wire the Local marks it (wireFirst).
func (s *Session) sendAll(frames []chat.Frame) error {
	for _, f := range s.wireFirst(frames) {
		if _, ok := OutboxID(f); ok && s.state != Online {
			break
		}
		if err := s.Send(f); err != nil {
			if errors.Is(err, ErrOffline) || errors.Is(err, ErrBusy) {
				break
			}
			return fmt.Errorf("client: writing a %T: %w", f, err)
		}
	}
	return nil
}

// wireFirst holds back the messages that have never gone over the wire, and
// everything of the outbox sent after them, until the Local has marked them
// as going out (so that no tab can cancel them any more, and one cancelled
// in another tab is not sent); wired then sends them. Other frames pass.
// Offline it marks nothing.
func (s *Session) wireFirst(frames []chat.Frame) []chat.Frame {
	if s.local == nil {
		return frames
	}
	out := frames[:0:0]
	var need []chat.MsgID
	hold := len(s.wiring) > 0
	for _, f := range frames {
		id, ok := OutboxID(f)
		if !ok {
			out = append(out, f)
			continue
		}
		msg := s.model.Message(id)
		switch {
		case s.cancelling[id]:
			hold = true // the Local decides; if the cancel fails, it goes later
		case s.state != Online:
			// Not now: nothing is written offline, so it stays cancellable.
		case msg == nil || (!hold && msg.Wired):
			out = append(out, f)
		default:
			hold = true
			if !msg.Wired && !s.wiring[id] {
				need = append(need, id)
			}
		}
	}
	if len(need) == 0 {
		return out
	}
	for _, id := range need {
		s.wiring[id] = true
	}
	s.persist() // stored before marked
	local := s.local
	s.async(func() func() error {
		present, err := local.Wire(need)
		if err != nil {
			present = need // the Local failed: send anyway, the server deduplicates
		} else {
			local.Announce(Change{Wired: present})
		}
		return func() error {
			return errors.Join(wrapErr("marking messages as sent", err), s.wired(need, present))
		}
	})
	return out
}

// wired sends the messages the Local marked as going out, and drops those
// cancelled meanwhile in another tab (or never stored).
func (s *Session) wired(asked, present []chat.MsgID) error {
	ok := make(map[chat.MsgID]bool, len(present))
	for _, id := range present {
		ok[id] = true
	}
	for _, id := range asked {
		delete(s.wiring, id)
		m := s.model.Message(id)
		if m == nil {
			continue
		}
		if ok[id] {
			m.Wired = true
			if s.mirror.Holds(id) {
				s.mirror.Stored(m)
			}
			continue
		}
		s.mirror.Unstored(id) // cancelled elsewhere: gone from the Local already
		s.gone[id] = true
		s.model.Discard(id)
	}
	return s.sendAll(s.model.Unsent())
}

// persist mirrors the model into the Local, on its queue: new and changed
// messages of the outbox, those done with (acknowledged, discarded, sent
// under a new id), and the conversations that changed (saveLater). What
// fails comes back through Handle: a new message the Local could not store
// is forgotten, with a NotSavedError.
func (s *Session) persist() {
	if s.local == nil {
		return
	}
	local := s.local
	w := s.mirror.Outbox(s.model)
	for _, m := range w.Add {
		s.async(func() func() error {
			err := local.Add(&m)
			return func() error {
				if err == nil {
					return nil
				}
				return s.notSaved(m, err)
			}
		})
	}
	for _, m := range w.Update {
		s.async(func() func() error {
			err := local.Update(&m)
			return func() error {
				if err != nil {
					s.mirror.Unstored(m.ID) // written again at the next change
				}
				return wrapErr("keeping a message's state", err)
			}
		})
	}
	for _, id := range w.Done {
		s.gone[id] = true
	}
	if len(w.Done) > 0 {
		s.async(func() func() error {
			err := local.Delete(w.Done...)
			for _, d := range w.Freed {
				local.Release(d)
			}
			local.Announce(Change{})
			return func() error { return wrapErr("forgetting sent messages", err) }
		})
	}
	s.saveLater()
}

// NotSavedError is what Handle returns when the Local could not store a
// message just written: it was never sent, and the Session forgot it, so
// its text is the caller's to give back (to the composer). It wraps
// ErrNotSaved and the Local's error.
type NotSavedError struct {
	Text string // what the composer held: "/msg <to> <text>" for a private message
	Err  error
}

func (e *NotSavedError) Error() string { return ErrNotSaved.Error() + ": " + e.Err.Error() }

// Unwrap returns ErrNotSaved and the Local's error.
func (e *NotSavedError) Unwrap() []error { return []error{ErrNotSaved, e.Err} }

// notSaved forgets message m, which the Local could not store.
func (s *Session) notSaved(m Outgoing, err error) error {
	s.mirror.Unstored(m.ID)
	s.gone[m.ID] = true
	s.model.Discard(m.ID)
	text := m.Text
	if m.To != "" {
		text = "/msg " + m.To + " " + m.Text
	}
	return &NotSavedError{Text: text, Err: err}
}

// saveConvs stores the conversations that changed and who the user is, and
// forgets the conversations gone, on the Local's queue.
func (s *Session) saveConvs() {
	if s.local == nil {
		return
	}
	w := s.mirror.Convs(s.model)
	if w.Empty() {
		return
	}
	local := s.local
	s.async(func() func() error {
		err := local.SaveConvs(w)
		return func() error {
			if err != nil {
				s.mirror.Unsaved() // everything again on the next change
			}
			return err
		}
	})
}

// wrapErr says what failed, or is nil.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("client: %s: %w", what, err)
}

// SaveConvs makes the writes w (Mirror.Convs): who the user is, the
// conversations that changed, those gone.
func (l *Local) SaveConvs(w ConvWrites) error {
	var errs []error
	if w.Meta != nil {
		if err := l.SaveMeta(*w.Meta); err != nil {
			errs = append(errs, fmt.Errorf("client: saving who the user is: %w", err))
		}
	}
	for _, c := range w.Convs {
		if err := l.SaveConv(c); err != nil {
			errs = append(errs, fmt.Errorf("client: saving conversation %s: %w", c.Info.ID, err))
		}
	}
	if err := l.DeleteConvs(w.Gone...); err != nil {
		errs = append(errs, fmt.Errorf("client: forgetting conversations: %w", err))
	}
	return errors.Join(errs...)
}
