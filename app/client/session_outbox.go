package client

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
)

// The outbox as the Session keeps it, for the browser and the tests alike:
// a message is given its id, stored in the Local and marked there as going
// out before it is written; cancelled in the Local while it never went over
// the wire; taken over from closed tabs (and shown, not sent, while another
// live tab holds it). Its files that wait are uploaded by the owner (the
// browser's XMLHttpRequest), which reports each answer here.

// AdoptEvery is how often a Session whose user has messages waiting in
// other tabs looks whether one of those tabs went away, leaving them to it.
const AdoptEvery = 5 * time.Second

// Errors of cancelling, returned by Handle once the Local has answered.
var (
	// ErrCancelLate means the message had gone over the wire already.
	ErrCancelLate = errors.New("client: the message has been sent already")
	// ErrCancelFailed means the Local could not cancel the message: it
	// still waits to be sent.
	ErrCancelFailed = errors.New("client: could not cancel the message on this device")
)

// Later is an event a Session scheduled for itself (Event.Later): the
// Local's answer, a delayed save, another tab's announcement.
type Later struct {
	kind   laterKind
	change Change
	then   func() error
}

type laterKind int

const (
	laterDone   laterKind = iota + 1 // a job of the Local's queue is done: then applies its answer
	laterSave                        // the delayed save of the conversations
	laterPoll                        // another look at the other tabs' outboxes
	laterChange                      // another tab announced a change
)

// later handles an event the Session scheduled.
func (s *Session) later(l Later) error {
	switch l.kind {
	case laterDone:
		s.waiting--
		return l.then()
	case laterSave:
		if s.saveDue {
			s.saveDue = false
			s.saveConvs()
		}
	case laterPoll:
		s.polling = false
		s.lookAround()
	case laterChange:
		if len(l.change.Wired) > 0 {
			// Messages another tab is writing now stop showing as waiting
			// here at once, before their entries can come back.
			wired := make(map[chat.MsgID]bool, len(l.change.Wired))
			for _, id := range l.change.Wired {
				wired[id] = true
			}
			s.dropOthers(func(o *Outgoing) bool { return wired[o.ID] })
		}
		s.lookAround()
	}
	return nil
}

// async runs job on the Local's queue, off the owner's goroutine (the
// Local blocks), and hands what it returns to the owner through Deliver:
// Handle runs it and returns its error.
func (s *Session) async(job func() func() error) {
	s.waiting++
	s.work.do(func() {
		then := job()
		s.deliver(Event{Later: &Later{kind: laterDone, then: then}})
	})
}

// Idle reports whether the Local has answered everything asked of it (and
// Handle applied the answers): what the model shows is what it keeps.
func (s *Session) Idle() bool { return s.waiting == 0 }

// workQueue runs functions one after another, on a goroutine that lives
// while there is work.
type workQueue struct {
	mu      sync.Mutex
	queue   []func()
	running bool
}

func (q *workQueue) do(f func()) {
	q.mu.Lock()
	q.queue = append(q.queue, f)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go q.run()
	}
}

func (q *workQueue) run() {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		f := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()
		f()
	}
}

// Compose checks a message for conversation conv (or, with to set, for the
// private conversation with that user), keeps it in the outbox and has the
// Local store it, then writes what may go, oldest first: the message once
// the Local has it. A message the Local could not store is forgotten, and
// Handle returns a NotSavedError with its text: the caller's to give back.
// A message that cannot be written now waits for the next connection.
// Files are attachments uploaded already.
func (s *Session) Compose(conv, to, text string, files ...chat.File) (chat.MsgID, error) {
	return s.ComposeWaiting(conv, to, text, files, nil)
}

// ComposeWaiting is Compose for a message that also carries files not
// uploaded yet (attached offline): they are stored with it, and it waits,
// holding back the messages after it, until Uploaded has had them all.
func (s *Session) ComposeWaiting(conv, to, text string, files []chat.File, waiting []Upload) (chat.MsgID, error) {
	if _, err := chat.CleanCaption(text, len(files)+len(waiting)); err != nil {
		return chat.MsgID{}, err
	}
	if to != "" {
		if _, err := chat.CleanName(to); err != nil {
			return chat.MsgID{}, err
		}
	}
	id := s.model.Compose(conv, to, text, files...).ID
	s.model.AwaitUploads(id, waiting)
	return s.keep(id)
}

// ReplyWaiting is Reply with files, uploaded (files) or waiting (as in
// ComposeWaiting).
func (s *Session) ReplyWaiting(conv, text string, reply chat.Entry, files []chat.File, waiting []Upload) (chat.MsgID, error) {
	if _, err := chat.CleanCaption(text, len(files)+len(waiting)); err != nil {
		return chat.MsgID{}, err
	}
	id, _ := OutboxID(s.model.ComposeReply(conv, text, reply, files...))
	s.model.AwaitUploads(id, waiting)
	return s.keep(id)
}

// keep has the Local store the outbox's new entry id, then writes what may
// go: the entry once the Local has it.
func (s *Session) keep(id chat.MsgID) (chat.MsgID, error) {
	return id, s.Flush()
}

// EditPending changes the text of this tab's message id that has not gone
// over the wire yet, in the outbox and the Local; it reports false when
// the message is gone (sent, cancelled, failed).
func (s *Session) EditPending(id chat.MsgID, text string) (bool, error) {
	if _, err := chat.CleanText(text); err != nil {
		return false, err
	}
	if !s.model.EditOutgoing(id, text) {
		return false, nil
	}
	return true, s.Flush()
}

// Discard drops a message the server refused for good (or an action),
// from the outbox and the Local.
func (s *Session) Discard(id chat.MsgID) {
	s.model.Discard(id)
	s.persist()
}

// IsOther reports whether o waits in another live tab: shown here, sent
// there.
func (s *Session) IsOther(o *Outgoing) bool {
	for _, x := range s.model.Others {
		if x == o {
			return true
		}
	}
	return false
}

// Cancelling reports whether the cancel of message id waits for the
// Local's answer.
func (s *Session) Cancelling(id chat.MsgID) bool { return s.cancelling[id] }

// CanCancel reports whether the pending message o may be cancelled now:
// one of another tab while it waits there; one of this tab while it has
// never gone over the wire, is not being marked or cancelled, and the
// connection is down (online it is on its way: no button to flash by) or
// it waits for its files.
func (s *Session) CanCancel(o *Outgoing) bool {
	if s.IsOther(o) {
		return s.local != nil
	}
	return o.Cancellable() && !s.wiring[o.ID] && !s.cancelling[o.ID] && (s.state != Online || o.AwaitsUpload())
}

// Cancel cancels a message that has never gone over the wire, this tab's or
// one waiting in another tab, and reports whether it set about it. With a
// Local the message stays, shown as cancelling (Cancelling) and held back,
// until the Local has deleted it in a transaction that checks it never
// went out, against every tab: a reload right after must not find it and
// send it after all. Handle then returns ErrCancelLate when it had gone
// out, or ErrCancelFailed when the Local failed (it still waits).
func (s *Session) Cancel(id chat.MsgID) bool {
	local := s.local
	if s.other(id) != nil {
		if local == nil {
			return false
		}
		s.async(func() func() error {
			cancelled, err := local.Cancel(id)
			if err == nil {
				local.Announce(Change{})
			}
			return func() error {
				if err == nil {
					s.dropOthers(func(o *Outgoing) bool { return o.ID == id })
				}
				s.refreshOthers()
				return cancelOutcome(cancelled, err)
			}
		})
		return true
	}
	o := s.model.Message(id)
	if o == nil || !o.Cancellable() || s.wiring[id] || s.cancelling[id] {
		return false
	}
	if local == nil {
		s.model.Cancel(id)
		return true
	}
	s.cancelling[id] = true
	s.async(func() func() error {
		cancelled, err := local.Cancel(id)
		if err == nil {
			local.Announce(Change{})
		}
		return func() error { return s.cancelled(id, cancelled, err) }
	})
	return true
}

// cancelled follows the Local's answer to cancelling this tab's message id.
func (s *Session) cancelled(id chat.MsgID, cancelled bool, err error) error {
	delete(s.cancelling, id)
	if err == nil && cancelled {
		s.mirror.Unstored(id)
		s.gone[id] = true
		s.model.Cancel(id)
	}
	return errors.Join(cancelOutcome(cancelled, err), s.Flush()) // what waited behind it
}

// cancelOutcome is the error of a cancel the Local answered.
func cancelOutcome(cancelled bool, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrCancelFailed, err)
	case !cancelled:
		return ErrCancelLate
	}
	return nil
}

// other returns the message id waiting in another tab, or nil.
func (s *Session) other(id chat.MsgID) *Outgoing {
	for _, o := range s.model.Others {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// NextUpload returns the next file of the outbox to upload (Model.NextUpload)
// while the connection is up and the user known; ok is false otherwise.
func (s *Session) NextUpload() (id chat.MsgID, index int, u Upload, ok bool) {
	if s.state != Online || s.model.Me == "" || s.model.NeedName {
		return chat.MsgID{}, 0, Upload{}, false
	}
	id, index, u, ok = s.model.NextUpload()
	if ok && s.cancelling[id] {
		return chat.MsgID{}, 0, Upload{}, false
	}
	return id, index, u, ok
}

// Uploaded records the server's file for file index of message id: kept
// in the Local, and the message written once all its files are up.
func (s *Session) Uploaded(id chat.MsgID, index int, f chat.File) error {
	s.model.Uploaded(id, index, f)
	return s.Flush()
}

// UploadRefused fails message id for good, with reason: the server
// refused its file index (too large, over the quota, ...), or its bytes are
// gone.
func (s *Session) UploadRefused(id chat.MsgID, index int, reason string) {
	s.model.UploadRefused(id, index, reason)
	s.persist()
}

// Forget deletes everything the Local keeps (signing out, for the next
// person at a shared computer), then calls done, from Handle, with what
// failed.
func (s *Session) Forget(done func(error)) {
	local := s.local
	if local == nil {
		done(nil)
		return
	}
	s.async(func() func() error {
		err := local.Forget()
		return func() error {
			s.mirror = NewMirror(s.device)
			done(wrapErr("forgetting what this browser kept", err))
			return nil
		}
	})
}

// Changed keeps in the Local what the owner changed of the model itself
// (the conversation in view, say), as Handle does after every event.
func (s *Session) Changed() { s.persist() }

// SaveNow saves the conversations whose save was delayed (SaveDelay): the
// page is going away.
func (s *Session) SaveNow() {
	if s.saveDue {
		s.saveDue = false
		s.saveConvs()
	}
}

// saveLater saves the conversations that changed now, or schedules it
// SaveDelay later.
func (s *Session) saveLater() {
	if s.saveDelay <= 0 {
		s.saveConvs()
		return
	}
	if s.saveDue || s.model.Me == "" || s.model.NeedName || !s.mirror.ConvsChanged(s.model) {
		return
	}
	s.saveDue = true
	time.AfterFunc(s.saveDelay, func() { s.deliver(Event{Later: &Later{kind: laterSave}}) })
}

// lookAround takes over the messages that closed tabs left waiting and
// writes what can go, then reads those that wait in the profile's other
// live tabs, to show them.
func (s *Session) lookAround() {
	local, me := s.local, s.model.Me
	if local == nil || me == "" || s.model.NeedName {
		return
	}
	s.async(func() func() error {
		list, err := local.Adopt(me)
		return func() error {
			if err != nil || len(list) == 0 || s.model.Me != me {
				return wrapErr("taking over waiting messages", err)
			}
			s.adopt(list)
			return s.Flush()
		}
	})
	s.refreshOthers()
}

// refreshOthers reads the messages waiting in the other live tabs into
// Model.Others. While some wait, it looks again AdoptEvery later, to take
// them over should their tab go away.
func (s *Session) refreshOthers() {
	local, me := s.local, s.model.Me
	if local == nil || me == "" {
		return
	}
	s.async(func() func() error {
		list, err := local.Others(me)
		return func() error {
			if err != nil || s.model.Me != me {
				return wrapErr("reading the other tabs' messages", err)
			}
			var shown []*Outgoing
			for _, o := range list {
				if !s.gone[o.ID] && s.model.Message(o.ID) == nil {
					shown = append(shown, o)
				}
			}
			s.model.Others = shown
			if len(shown) > 0 && !s.polling {
				s.polling = true
				time.AfterFunc(AdoptEvery, func() { s.deliver(Event{Later: &Later{kind: laterPoll}}) })
			}
			return nil
		}
	})
}

// dropOthers removes the messages of other tabs that drop selects.
func (s *Session) dropOthers(drop func(*Outgoing) bool) {
	kept := s.model.Others[:0]
	for _, o := range s.model.Others {
		if !drop(o) {
			kept = append(kept, o)
		}
	}
	s.model.Others = kept
}
