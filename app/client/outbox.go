package client

import (
	"strings"

	"github.com/founding/chat/app/chat"
)

// Compose adds a message for conversation conv (or, with to set, for the
// private conversation with that user) to the outbox and returns the Send
// frame to write. The message stays in the outbox, shown as pending, until
// the server acknowledges it; after a reconnect it is sent again with the
// same id, and the server stores it once. Files are attachments uploaded
// already (chat.UploadPath).
func (m *Model) Compose(conv, to, text string, files ...chat.File) *chat.Send {
	m.counter++
	o := &Outgoing{ID: chat.MsgID{Device: m.device, N: m.counter}, Conv: conv, To: to, Text: text, User: m.Me, Time: m.Now().UnixMilli(), Files: files}
	if to != "" {
		o.Conv = ""
	}
	m.Outbox = append(m.Outbox, o)
	return o.send()
}

// Sent marks the message id as written on the current connection. From
// then on it may be stored, so it can no longer be cancelled.
func (m *Model) Sent(id chat.MsgID) {
	if o := m.find(id); o != nil {
		o.InFlight, o.Wired = true, true
	}
}

// SetDevice makes the model write new messages as device id, whose
// messages so far went up to last: a device id that the browser keeps (see
// Local) rather than the random one of NewModel.
func (m *Model) SetDevice(id string, last uint64) {
	m.device = id
	m.counter = max(m.counter, last)
}

// Adopt adds messages written earlier (restored from the browser's outbox,
// or left by a closed tab) to the outbox, after those it holds; messages it
// holds already are skipped. They keep their ids, device by device in
// order, so that a resend is deduplicated by the server.
func (m *Model) Adopt(list []*Outgoing) {
	for _, o := range list {
		if m.find(o.ID) == nil {
			o.InFlight = false
			m.Outbox = append(m.Outbox, o)
		}
	}
	m.orphan() // an action whose message went with another tab cannot name it: it must not hold up the rest
}

// Cancellable reports whether o may still be cancelled: it has never gone
// over the wire (and has not failed, which Discard handles).
func (o *Outgoing) Cancellable() bool {
	return !o.Wired && !o.InFlight && o.Failed == ""
}

// Cancel removes a message that has not gone over the wire yet and
// reports whether it did; a message that may have reached the server stays.
func (m *Model) Cancel(id chat.MsgID) bool {
	o := m.find(id)
	if o == nil || !o.Cancellable() {
		return false
	}
	m.Discard(id)
	return true
}

// MaxInFlight bounds the messages written and not yet acknowledged. The
// server remembers the acks of a device's latest messages only, so a client
// never has more out than that; the rest of the outbox follows as acks come.
const MaxInFlight = 32

// Unsent returns the Send frames of the pending messages to write now, oldest
// first, at most MaxInFlight in flight; Sent marks those that were written.
// Write them in this order, never a newer message before an older unsent
// one: the server keeps a high-water mark of each device's message ids.
func (m *Model) Unsent() []chat.Frame {
	room := MaxInFlight
	for _, o := range m.Outbox {
		if o.InFlight {
			room--
		}
	}
	var out []chat.Frame
	for _, o := range m.Outbox {
		if len(out) >= room {
			break
		}
		if o.InFlight || o.Failed != "" {
			continue
		}
		if o.Waiting() {
			break // an action on a message not acknowledged yet: it and what follows wait for the ack
		}
		if o.AwaitsUpload() {
			break // its files first (uploads.go): it and what follows wait for them
		}
		out = append(out, o.frame())
	}
	return out
}

// Pending returns the outbox messages meant for conversation id, then
// those of the browser's other tabs (Others); actions on messages are in
// Actions.
func (m *Model) Pending(id string) []*Outgoing {
	var out []*Outgoing
	for _, list := range [][]*Outgoing{m.Outbox, m.Others} {
		for _, o := range list {
			if o.IsAction() {
				continue
			}
			if o.Conv == id || (o.To != "" && id == m.Active) {
				out = append(out, o)
			}
		}
	}
	return out
}

// Discard removes a message that failed from the outbox (or an action);
// the actions waiting on a discarded message fail with it.
func (m *Model) Discard(id chat.MsgID) {
	m.remove(id)
	m.orphan()
}

func (m *Model) remove(id chat.MsgID) {
	for i, o := range m.Outbox {
		if o.ID == id {
			m.Outbox = append(m.Outbox[:i], m.Outbox[i+1:]...)
			return
		}
	}
}

// Message returns the outbox message id, or nil.
func (m *Model) Message(id chat.MsgID) *Outgoing { return m.find(id) }

// Counter returns the highest counter this model's device has used.
func (m *Model) Counter() uint64 { return m.counter }

func (m *Model) find(id chat.MsgID) *Outgoing {
	for _, o := range m.Outbox {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// ack removes an acknowledged message. A private message sent with /msg
// opens its conversation.
func (m *Model) ack(a *chat.Ack) {
	o := m.find(a.ID)
	if o == nil {
		return
	}
	m.remove(a.ID)
	m.resolve(a) // the actions waiting for this message now know its sequence
	if o.To != "" && m.Convs[a.Conv] != nil {
		m.Activate(a.Conv)
	}
}

// fail records an error. One about a pending message either keeps it for a
// retry under a new id (the server refused it, so the old id was never
// stored) or marks it failed for good.
func (m *Model) fail(e *chat.Error) {
	m.LastErr = e
	if e.ID == nil {
		return
	}
	o := m.find(*e.ID)
	if o == nil {
		return
	}
	switch e.Code {
	case chat.CodeRateLimited, chat.CodeInternal:
		// The server refused it, so its id was never stored: send it again
		// under a new id, after the messages that already have higher ones
		// (the server keeps a high-water mark per device).
		m.remove(o.ID)
		m.counter++
		old := o.ID
		o.ID = chat.MsgID{Device: m.device, N: m.counter} // this tab's device, also for an adopted message
		o.InFlight, o.Wired = false, false
		m.Outbox = append(m.Outbox, o)
		m.renamed(old, o.ID)
		m.requeueWaiting(o.ID)
	default:
		o.Failed, o.FailCode = e.Message, e.Code
		m.orphan() // the actions waiting on a refused message fail with it
	}
}

// Retryable reports whether some pending message waits to be resent.
func (m *Model) Retryable() bool {
	for _, o := range m.Outbox {
		if !o.InFlight && o.Failed == "" {
			return true
		}
	}
	return false
}

// ParseCommand splits a composer line of the form "/msg name text" into the
// user and the text; ok is false for anything else.
func ParseCommand(line string) (to, text string, ok bool) {
	rest, found := strings.CutPrefix(line, "/msg ")
	if !found {
		return "", "", false
	}
	rest = strings.TrimLeft(rest, " ")
	to, text, found = strings.Cut(rest, " ")
	if !found || strings.TrimSpace(text) == "" || to == "" {
		return "", "", false
	}
	return to, strings.TrimSpace(text), true
}
