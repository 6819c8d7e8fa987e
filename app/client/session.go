package client

import (
	"context"
	"errors"
	"fmt"

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
// hands each to Handle, in order. With a Local, the methods that change the
// outbox or the conversations block until the Local has stored them (an
// IndexedDB transaction in the browser, a map natively); a message is stored
// before it is first written to the connection.
type Session struct {
	hold    func([]chat.Frame) []chat.Frame
	conn    *Conn
	model   *Model
	local   *Local
	device  string // the device the Local gave this tab, or ""
	state   State
	connNo  uint64 // the connection whose Online event Handle saw last (Event.Conn); 0 while not online
	written int
	mirror  *Mirror // what the Local holds of the model; nil without a Local
}

// SessionOptions configure NewSession.
type SessionOptions struct {
	// Conn configures the connection. Its OnEvent is ignored: the
	// connection's events go to Deliver.
	Conn Options
	// Deliver receives each event of the connection, on the connection's
	// goroutine, in order; it must hand the event to the owner's goroutine,
	// which calls Handle (the UI dispatches it, a test queues it). It must
	// be set.
	Deliver func(Event)
	// Model is what the tab holds already. Nil means NewModel().
	Model *Model
	// Local is where the tab keeps the outbox and the conversations. Nil
	// means nothing outlives the Session. The caller opens and closes it.
	Local *Local
	// Hold, when set, sees each run of frames about to be written and
	// returns those to write now, in order. The browser's UI keeps its
	// store itself, asynchronously, and holds back a message until the
	// store has marked it as going out (app/ui, offline.go); it writes the
	// held ones later with Write. Nil writes everything.
	Hold func([]chat.Frame) []chat.Frame
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
	s := &Session{
		model: o.Model, local: o.Local, hold: o.Hold,
	}
	if s.local != nil {
		if err := s.restore(); err != nil {
			return nil, err
		}
	}
	o.Conn.OnEvent = o.Deliver
	s.conn = New(o.Conn)
	return s, nil
}

// restore reads what the Local keeps into the model.
func (s *Session) restore() error {
	device, last, mine, err := s.local.TakeDevice()
	if err != nil {
		return fmt.Errorf("client: taking a device: %w", err)
	}
	saved, err := s.local.Load()
	if err != nil {
		return fmt.Errorf("client: reading the saved conversations: %w", err)
	}
	s.device = device
	s.mirror = NewMirror(device)
	s.model.SetDevice(device, last)
	s.model.Restore(saved)
	s.mirror.Restored(saved, s.model)
	if saved.Me == "" {
		return nil // nobody signed in here: nobody's messages to send
	}
	adopted, err := s.local.Adopt(saved.Me)
	if err != nil {
		return fmt.Errorf("client: taking over waiting messages: %w", err)
	}
	s.adopt(append(forUser(mine, saved.Me), adopted...))
	return nil
}

// adopt puts messages taken from the Local into the outbox, as stored.
func (s *Session) adopt(list []*Outgoing) {
	var fresh []*Outgoing
	for _, o := range list {
		if s.model.Message(o.ID) == nil {
			fresh = append(fresh, o)
			s.mirror.Stored(o)
		}
	}
	s.model.Adopt(fresh)
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
	return errors.Join(s.persist(), s.sendAll(answers))
}

// Compose checks a message for conversation conv (or, with to set, for the
// private conversation with that user), keeps it in the outbox and stores
// it in the Local, then writes what may go, oldest first. A message the
// Local could not store is forgotten and the error wraps ErrNotSaved: the
// text is the caller's to keep. A message that cannot be written now
// waits for the next connection. Files are attachments uploaded already.
func (s *Session) Compose(conv, to, text string, files ...chat.File) (chat.MsgID, error) {
	if _, err := chat.CleanCaption(text, len(files)); err != nil {
		return chat.MsgID{}, err
	}
	if to != "" {
		if _, err := chat.CleanName(to); err != nil {
			return chat.MsgID{}, err
		}
	}
	return s.keep(s.model.Compose(conv, to, text, files...).ID)
}

// Cancel removes a message that has never gone over the wire, from the
// outbox and from the Local, and reports whether it did.
func (s *Session) Cancel(id chat.MsgID) (bool, error) {
	if !s.model.Cancel(id) {
		return false, nil
	}
	if s.local == nil {
		return true, nil
	}
	s.mirror.Unstored(id)
	if _, err := s.local.Cancel(id); err != nil {
		return true, fmt.Errorf("client: cancelling a kept message: %w", err)
	}
	s.local.Announce(Change{})
	return true, nil
}

// Flush writes the messages of the outbox that wait, oldest first (after a
// change of the outbox, or a refusal to retry).
func (s *Session) Flush() error {
	return errors.Join(s.persist(), s.sendAll(s.model.Unsent()))
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
// first goes over the wire the Local marks it (no tab may cancel it then),
// and one another tab cancelled meanwhile is dropped.
func (s *Session) sendAll(frames []chat.Frame) error {
	frames, wireErr := s.wire(frames)
	if s.hold != nil {
		frames = s.hold(frames)
	}
	for _, f := range frames {
		if _, ok := OutboxID(f); ok && s.state != Online {
			break
		}
		if err := s.Send(f); err != nil {
			if errors.Is(err, ErrOffline) || errors.Is(err, ErrBusy) {
				break
			}
			return errors.Join(wireErr, fmt.Errorf("client: writing a %T: %w", f, err))
		}
	}
	return wireErr
}

// wire marks the messages of frames that never went over the wire as going
// out now, in the Local, and returns frames without those cancelled in
// another tab meanwhile. Offline it marks nothing.
func (s *Session) wire(frames []chat.Frame) ([]chat.Frame, error) {
	if s.local == nil || s.state != Online {
		return frames, nil
	}
	var need []chat.MsgID
	for _, f := range frames {
		if id, ok := OutboxID(f); ok {
			if o := s.model.Message(id); o != nil && !o.Wired {
				need = append(need, id)
			}
		}
	}
	if len(need) == 0 {
		return frames, nil
	}
	present, err := s.local.Wire(need)
	if err != nil {
		// The Local failed: send anyway, the server deduplicates.
		return frames, fmt.Errorf("client: marking messages as sent: %w", err)
	}
	s.local.Announce(Change{Wired: present})
	kept := make(map[chat.MsgID]bool, len(present))
	for _, id := range present {
		kept[id] = true
	}
	out := frames[:0:0]
	for _, f := range frames {
		id, ok := OutboxID(f)
		if !ok {
			out = append(out, f)
			continue
		}
		o := s.model.Message(id)
		stored := s.mirror.Holds(id)
		switch {
		case o == nil || o.Wired:
			out = append(out, f)
		case kept[id] || !stored: // a message the Local never held goes anyway
			o.Wired = true
			if stored {
				s.mirror.Stored(o)
			}
			out = append(out, f)
		default: // cancelled in another tab: gone from the Local already
			s.mirror.Unstored(id)
			s.model.Discard(id)
		}
	}
	return out, nil
}

// persist mirrors the model into the Local: new and changed messages of the
// outbox, those done with (acknowledged, discarded, sent under a new id),
// and the conversations that changed.
func (s *Session) persist() error {
	if s.local == nil {
		return nil
	}
	var errs []error
	w := s.mirror.Outbox(s.model)
	for _, o := range w.Add {
		if err := s.local.Add(&o); err != nil {
			s.mirror.Unstored(o.ID) // tried again on the next change
			errs = append(errs, fmt.Errorf("%w: %w", ErrNotSaved, err))
		}
	}
	for _, o := range w.Update {
		if err := s.local.Update(&o); err != nil {
			s.mirror.Unstored(o.ID)
			errs = append(errs, fmt.Errorf("client: keeping a message's state: %w", err))
		}
	}
	if len(w.Done) > 0 {
		if err := s.local.Delete(w.Done...); err != nil {
			errs = append(errs, fmt.Errorf("client: forgetting sent messages: %w", err))
		}
		for _, d := range w.Freed {
			s.local.Release(d)
		}
		s.local.Announce(Change{})
	}
	errs = append(errs, s.saveConvs())
	return errors.Join(errs...)
}

// saveConvs stores the conversations that changed and who the user is, and
// forgets the conversations gone.
func (s *Session) saveConvs() error {
	w := s.mirror.Convs(s.model)
	if w.Empty() {
		return nil
	}
	err := s.local.SaveConvs(w)
	if err != nil {
		s.mirror.Unsaved() // everything again on the next change
	}
	return err
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
