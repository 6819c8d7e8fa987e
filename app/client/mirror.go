package client

import "github.com/founding/chat/app/chat"

// Mirror is what a Local holds of one Model, as far as this tab wrote it:
// the outbox's messages (and whether each is marked as gone over the wire
// or failed) and the saved conversations. Outbox and Convs compare the model
// with it and return the writes that bring the Local up to date, counting
// them as done; the Session makes them, and calls Unstored for a message
// whose write failed, so that it is not taken as kept.
//
// A Mirror is not safe for concurrent use: it belongs with its Model.
type Mirror struct {
	device string                    // this tab's own device, never released
	known  map[chat.MsgID]storedMark // the outbox as written
	saved  map[string]SaveMark       // conversations as written
	meta   Saved                     // the Saved record as written (without Convs)
}

// storedMark is what the Local holds of an outbox message.
type storedMark struct {
	wired  bool
	failed string
	text   string // edited in place while never written (EditOutgoing)
	target uint64 // an action's message, known once that message's ack came
	id     chat.MsgID
	// uploads and uploaded count the files waiting (uploads.go) and those
	// of them that went up.
	uploads, uploaded int
}

func markOf(o *Outgoing) storedMark {
	return storedMark{wired: o.Wired || o.InFlight, failed: o.Failed, text: o.Text, target: o.Target, id: o.TargetID,
		uploads: len(o.Uploads), uploaded: o.uploadsDone()}
}

// NewMirror returns the Mirror of a Local that holds nothing of the model
// yet, for a tab writing under device.
func NewMirror(device string) *Mirror {
	return &Mirror{device: device, known: make(map[chat.MsgID]storedMark), saved: make(map[string]SaveMark)}
}

// OutboxWrites are the writes that bring the Local's outbox up to date.
type OutboxWrites struct {
	Add    []Outgoing   // new messages, to store before they are wired
	Update []Outgoing   // messages whose mark changed (wired, failed)
	Done   []chat.MsgID // messages done with: acknowledged, discarded, sent under a new id
	Freed  []string     // adopted devices that have nothing left to send: release them
}

// Outbox returns the writes that bring the Local's outbox to the model's,
// and counts them as done.
func (mr *Mirror) Outbox(m *Model) OutboxWrites {
	var w OutboxWrites
	present := make(map[chat.MsgID]bool, len(m.Outbox))
	left := make(map[string]bool)
	for _, o := range m.Outbox {
		present[o.ID] = true
		left[o.ID.Device] = true
		mark := markOf(o)
		old, stored := mr.known[o.ID]
		if stored && old == mark {
			continue
		}
		mr.known[o.ID] = mark
		if stored {
			w.Update = append(w.Update, *o)
		} else {
			w.Add = append(w.Add, *o)
		}
	}
	freed := make(map[string]bool)
	for id := range mr.known {
		if present[id] {
			continue
		}
		delete(mr.known, id)
		w.Done = append(w.Done, id)
		if d := id.Device; d != mr.device && !left[d] && !freed[d] {
			freed[d] = true
			w.Freed = append(w.Freed, d)
		}
	}
	return w
}

// Stored records that the Local holds message o as it is (a message taken
// from it, or marked as gone over the wire there).
func (mr *Mirror) Stored(o *Outgoing) {
	mr.known[o.ID] = markOf(o)
}

// Unstored records that the Local does not hold message id (its write
// failed, or it was cancelled there).
func (mr *Mirror) Unstored(id chat.MsgID) { delete(mr.known, id) }

// Holds reports whether the Local holds message id.
func (mr *Mirror) Holds(id chat.MsgID) bool {
	_, ok := mr.known[id]
	return ok
}

// ConvWrites are the writes that bring the Local's conversations up to
// date.
type ConvWrites struct {
	Meta  *Saved      // who the user is and the conversation in view, when it changed
	Convs []SavedConv // conversations that changed
	Gone  []string    // conversations the model no longer has
}

// Empty reports whether there is nothing to write.
func (w ConvWrites) Empty() bool { return w.Meta == nil && len(w.Convs) == 0 && len(w.Gone) == 0 }

// Convs returns the writes that bring the Local's conversations to the
// model's, and counts them as done. A model without a named user saves
// nothing.
func (mr *Mirror) Convs(m *Model) ConvWrites {
	var w ConvWrites
	if m.Me == "" || m.NeedName {
		return w
	}
	if meta := metaOf(m); !sameMeta(meta, mr.meta) {
		mr.meta = meta
		w.Meta = &meta
	}
	for id := range m.Convs {
		mark := m.SaveMark(id)
		if old, ok := mr.saved[id]; ok && old == mark {
			continue
		}
		if c, ok := m.SaveConv(id); ok {
			w.Convs = append(w.Convs, c)
			mr.saved[id] = mark
		}
	}
	for id := range mr.saved {
		if m.Convs[id] == nil {
			w.Gone = append(w.Gone, id)
			delete(mr.saved, id)
		}
	}
	return w
}

// ConvsChanged reports whether the model's conversations differ from what
// the Local holds, without counting anything as written.
func (mr *Mirror) ConvsChanged(m *Model) bool {
	if m.Me == "" || m.NeedName {
		return false
	}
	if !sameMeta(metaOf(m), mr.meta) || len(mr.saved) != len(m.Convs) {
		return true
	}
	for id := range m.Convs {
		if mark, ok := mr.saved[id]; !ok || mark != m.SaveMark(id) {
			return true
		}
	}
	return false
}

// Restored records what the Local held when the model was restored from
// it.
func (mr *Mirror) Restored(s Saved, m *Model) {
	mr.meta = Saved{Me: s.Me, Password: s.Password, Active: s.Active}
	for _, c := range s.Convs {
		mr.saved[c.Info.ID] = m.SaveMark(c.Info.ID)
	}
}

// Unsaved forgets that the Local holds the conversations and the Saved
// record: the next Convs writes them all again (after a failed write).
func (mr *Mirror) Unsaved() {
	mr.saved = make(map[string]SaveMark)
	mr.meta = Saved{}
}

func metaOf(m *Model) Saved { return Saved{Me: m.Me, Password: m.Password, Active: m.Active} }

func sameMeta(a, b Saved) bool {
	return a.Me == b.Me && a.Password == b.Password && a.Active == b.Active
}
