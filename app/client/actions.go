package client

import (
	"encoding/json"
	"fmt"
	"html"

	"github.com/founding/chat/app/chat"
)

// Replies, edits, deletes and reactions in the outbox. An action is an
// Outgoing like a message: one device and counter, written in order with
// the messages, at most MaxInFlight out, acknowledged once (the server
// deduplicates by id), resent after a reconnect, kept in the Local so that
// it survives closing the tab and is adopted by another tab. Until its ack
// the UI shows it as pending on the message it changes (PendingOn).
//
// An action on a message that is itself still in the outbox does not go
// to the server as such when it can be done there: an edit of a message
// never written changes its text, a delete cancels it (the UI's cancel
// path). When the message may have reached the server already (written,
// not acknowledged), the action waits for the message's ack, which gives it
// the sequence to name (TargetID until then); the actions after it wait
// too, to keep the device's order.
//
// Conflicts: the server refuses for good an action on a message deleted
// meanwhile (message_deleted), of someone else's (not_author), no longer
// held (no_such_message), a bad emoji (bad_emoji) or one too many
// (too_many_reactions). The action is then marked failed with the code and
// the server's words; the timeline shows the server's state, and the UI
// says why until the user dismisses it (Discard).

// Action is what an Outgoing does besides posting a message.
type Action struct {
	// Kind is "" for a message, else chat.TypeEdit, chat.TypeDelete,
	// chat.TypeReact or chat.TypeUnpreview.
	Kind chat.Type `json:"k,omitempty"`
	// Target is the sequence of the message acted on; 0 while that message
	// is itself in the outbox, named by TargetID until its ack.
	Target   uint64     `json:"tg,omitempty"`
	TargetID chat.MsgID `json:"ti,omitempty"`
	Emoji    string     `json:"e,omitempty"` // a reaction's emoji
	On       bool       `json:"on,omitempty"`
	// Reply, for a message, is the quote of the message it answers, as the
	// timeline shows it while the message waits (the server makes its own).
	Reply    *chat.Quote `json:"rq,omitempty"`
	FailCode chat.Code   `json:"fc,omitempty"` // the code of Failed
	// Also, for a reply in a thread, sends it to the thread's parent too
	// (chat.Send.Also).
	Also bool `json:"al,omitempty"`
}

// IsAction reports whether o is an edit, delete or reaction rather than a
// message.
func (o *Outgoing) IsAction() bool { return chat.IsAction(entryKind(o.Kind)) }

// Waiting reports whether o is an action on a message still in the outbox,
// which waits for that message's ack.
func (o *Outgoing) Waiting() bool { return o.IsAction() && o.Target == 0 }

func entryKind(t chat.Type) chat.EntryKind {
	switch t {
	case chat.TypeEdit:
		return chat.EntryEdit
	case chat.TypeDelete:
		return chat.EntryDelete
	case chat.TypeReact:
		return chat.EntryReact
	case chat.TypeUnpreview:
		return chat.EntryPreview
	}
	return chat.EntryMessage
}

// frame returns the frame that sends o.
func (o *Outgoing) frame() chat.Frame {
	switch o.Kind {
	case chat.TypeEdit:
		return &chat.Edit{ID: o.ID, Conv: o.Conv, Seq: o.Target, Text: o.Text}
	case chat.TypeDelete:
		return &chat.Delete{ID: o.ID, Conv: o.Conv, Seq: o.Target}
	case chat.TypeReact:
		return &chat.React{ID: o.ID, Conv: o.Conv, Seq: o.Target, Emoji: o.Emoji, On: o.On}
	case chat.TypeUnpreview:
		return &chat.Unpreview{ID: o.ID, Conv: o.Conv, Seq: o.Target}
	}
	return o.send()
}

func (o *Outgoing) send() *chat.Send {
	s := &chat.Send{ID: o.ID, Conv: o.Conv, To: o.To, Text: o.Text, Also: o.Also}
	if o.Reply != nil {
		s.Reply = o.Reply.Seq
	}
	for _, file := range o.Files {
		s.Files = append(s.Files, file.ID)
	}
	return s
}

// OutboxID returns the id of f when f is a frame of the outbox (a Send,
// Edit, Delete, React or Unpreview).
func OutboxID(f chat.Frame) (chat.MsgID, bool) {
	switch f := f.(type) {
	case *chat.Send:
		return f.ID, true
	case *chat.Edit:
		return f.ID, true
	case *chat.Delete:
		return f.ID, true
	case *chat.React:
		return f.ID, true
	case *chat.Unpreview:
		return f.ID, true
	}
	return chat.MsgID{}, false
}

// QuoteOf returns the quote a reply to message e shows while it waits in
// the outbox: its author and the start of its first line (chat.QuoteText),
// escaped as the server's are.
func QuoteOf(e chat.Entry) chat.Quote {
	if e.Deleted {
		return chat.Quote{Seq: e.Seq, From: e.From, Deleted: true}
	}
	return chat.Quote{Seq: e.Seq, From: e.From, Text: chat.QuoteText(e.HTML)}
}

// ComposeReply adds to the outbox a message for conv answering message
// reply of it, with files uploaded already, and returns its frame.
func (m *Model) ComposeReply(conv, text string, reply chat.Entry, files ...chat.File) *chat.Send {
	q := QuoteOf(reply)
	o := m.queue(conv, Action{Reply: &q})
	o.Text, o.Files = text, files
	return o.send()
}

// Edit adds to the outbox an edit of the user's message seq of conv,
// and returns its frame.
func (m *Model) Edit(conv string, seq uint64, text string) chat.Frame {
	o := m.queue(conv, Action{Kind: chat.TypeEdit, Target: seq})
	o.Text = text
	return o.frame()
}

// Delete adds to the outbox the delete of message seq of conv, and
// returns its frame.
func (m *Model) Delete(conv string, seq uint64) chat.Frame {
	return m.queue(conv, Action{Kind: chat.TypeDelete, Target: seq}).frame()
}

// React adds to the outbox the user's reaction emoji to message seq of
// conv (on) or its removal, and returns its frame.
func (m *Model) React(conv string, seq uint64, emoji string, on bool) chat.Frame {
	return m.queue(conv, Action{Kind: chat.TypeReact, Target: seq, Emoji: emoji, On: on}).frame()
}

// Unpreview adds to the outbox the removal of the link preview of message
// seq of conv, and returns its frame.
func (m *Model) Unpreview(conv string, seq uint64) chat.Frame {
	return m.queue(conv, Action{Kind: chat.TypeUnpreview, Target: seq}).frame()
}

// EditOutgoing changes the text of id, a message of this tab's outbox,
// and reports whether it did. One never written changes in place (its
// text is sent once, as edited); one that may have reached the server gets
// an edit that waits for its ack. A message of another tab, an action or a
// failed message is not edited.
func (m *Model) EditOutgoing(id chat.MsgID, text string) bool {
	o := m.find(id)
	if o == nil || o.IsAction() || o.Failed != "" {
		return false
	}
	if o.Cancellable() {
		o.Text = text
		return true
	}
	e := m.queue(o.Conv, Action{Kind: chat.TypeEdit, TargetID: id})
	e.Text = text
	return true
}

// DeleteOutgoing takes back id, a message of this tab's outbox that may
// have reached the server already (Cancel removes one that has not): a
// delete that waits for its ack. It reports whether it queued one.
func (m *Model) DeleteOutgoing(id chat.MsgID) bool {
	o := m.find(id)
	if o == nil || o.IsAction() || o.Failed != "" || o.Cancellable() {
		return false
	}
	m.queue(o.Conv, Action{Kind: chat.TypeDelete, TargetID: id})
	return true
}

// queue adds an Outgoing for conv under the next id.
func (m *Model) queue(conv string, a Action) *Outgoing {
	m.counter++
	o := &Outgoing{ID: chat.MsgID{Device: m.device, N: m.counter}, Conv: conv, User: m.Me, Time: m.Now().UnixMilli(), Action: a}
	m.Outbox = append(m.Outbox, o)
	return o
}

// resolve gives the actions waiting on message a.ID the sequence its ack
// names.
func (m *Model) resolve(a *chat.Ack) {
	for _, o := range m.Outbox {
		if o.Waiting() && o.TargetID == a.ID {
			o.Target, o.Conv, o.TargetID = a.Seq, a.Conv, chat.MsgID{}
		}
	}
}

// orphan marks failed the actions waiting on a message that will never be
// acknowledged here: refused for good, cancelled, or not in this outbox
// (an action adopted without its message, which another tab sent).
func (m *Model) orphan() {
	for _, o := range m.Outbox {
		if !o.Waiting() || o.Failed != "" {
			continue
		}
		if t := m.find(o.TargetID); t == nil || t.Failed != "" {
			o.Failed, o.FailCode = "the message it changes is not in this outbox", chat.CodeNoSuchMessage
		}
	}
}

// renamed makes the actions waiting on message old wait on its new id.
func (m *Model) renamed(old, id chat.MsgID) {
	for _, o := range m.Outbox {
		if o.Waiting() && o.TargetID == old {
			o.TargetID = id
		}
	}
}

// PendingActions is what the outbox holds for one message of the timeline: the
// user's actions on it that wait for the server, as the UI shows them.
type PendingActions struct {
	Edit      *Outgoing       // the latest edit, its Text the new text
	Delete    *Outgoing       // a delete
	Unpreview *Outgoing       // the removal of the link preview
	Reactions map[string]bool // emoji -> the user's reaction as it will be
	Failed    []*Outgoing     // actions the server refused for good
}

// PendingOn returns the actions of this tab's outbox and of the other
// tabs' on message seq of conv, in order (the latest of each kind wins).
func (m *Model) PendingOn(conv string, seq uint64) PendingActions {
	var p PendingActions
	for _, list := range [][]*Outgoing{m.Outbox, m.Others} {
		for _, o := range list {
			if !o.IsAction() || o.Conv != conv || o.Target != seq || seq == 0 {
				continue
			}
			if o.Failed != "" {
				p.Failed = append(p.Failed, o)
				continue
			}
			switch o.Kind {
			case chat.TypeEdit:
				p.Edit = o
			case chat.TypeDelete:
				p.Delete = o
			case chat.TypeUnpreview:
				p.Unpreview = o
			case chat.TypeReact:
				if p.Reactions == nil {
					p.Reactions = make(map[string]bool)
				}
				p.Reactions[o.Emoji] = o.On
			}
		}
	}
	return p
}

// Empty reports whether nothing waits.
func (p PendingActions) Empty() bool {
	return p.Edit == nil && p.Delete == nil && p.Unpreview == nil && len(p.Reactions) == 0 && len(p.Failed) == 0
}

// Actions returns the actions of the outbox (this tab's, then the other
// tabs') for conversation conv: what the timeline marks as pending or
// failed.
func (m *Model) Actions(conv string) []*Outgoing {
	var out []*Outgoing
	for _, list := range [][]*Outgoing{m.Outbox, m.Others} {
		for _, o := range list {
			if o.IsAction() && o.Conv == conv {
				out = append(out, o)
			}
		}
	}
	return out
}

// Reacted reports whether the user's reaction emoji is on message e as
// the timeline should show it: the server's state, changed by what waits
// in the outbox (pending says so).
func (m *Model) Reacted(e chat.Entry, emoji string) (on, pending bool) {
	p := m.PendingOn(e.Conv, e.Seq)
	if v, ok := p.Reactions[emoji]; ok {
		return v, true
	}
	me := html.EscapeString(m.Me)
	for _, r := range e.Reactions {
		if r.Emoji == emoji {
			for _, u := range r.Users {
				if u == me {
					return true, false
				}
			}
		}
	}
	return false, false
}

// ReactionsShown returns the reactions of message e as the timeline shows
// them: the server's, with the user's pending reactions added or removed.
func (m *Model) ReactionsShown(e chat.Entry) []chat.Reaction {
	me := html.EscapeString(m.Me)
	for _, o := range m.Actions(e.Conv) {
		if o.Kind != chat.TypeReact || o.Target != e.Seq || o.Failed != "" {
			continue
		}
		// Folded as the server will fold it: adding twice or removing what
		// is not there changes nothing.
		e, _ = chat.Apply(e, chat.Entry{Kind: chat.EntryReact, Seq: e.Upto + 1, Target: e.Seq, From: me, Emoji: o.Emoji, On: o.On})
	}
	return e.Reactions
}

// actionJSON and parseAction keep an Outgoing's Action in a record as one
// JSON string (empty for a plain message).
func actionJSON(a Action) string {
	if a == (Action{}) {
		return ""
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("client: encoding an action: %v", err)) // plain fields: cannot fail
	}
	return string(b)
}

func parseAction(s string) (Action, error) {
	var a Action
	if s == "" {
		return a, nil
	}
	err := json.Unmarshal([]byte(s), &a)
	return a, err
}

// requeueWaiting moves the actions waiting on message id, sent again under
// that new id at the end of the outbox, after it, under new ids of their
// own: they were never written (they waited), and each device's ids must
// grow in the order they go.
func (m *Model) requeueWaiting(id chat.MsgID) {
	var moved []*Outgoing
	kept := m.Outbox[:0]
	for _, o := range m.Outbox {
		if o.Waiting() && o.TargetID == id {
			moved = append(moved, o)
			continue
		}
		kept = append(kept, o)
	}
	for _, o := range moved {
		m.counter++
		o.ID = chat.MsgID{Device: m.device, N: m.counter}
		kept = append(kept, o)
	}
	m.Outbox = kept
}
