package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestActionsGoThroughTheOutbox checks that an edit, a delete and a
// reaction take the message's path: one device and counter in order with
// the messages, resent under the same id after a reconnect, gone once
// acknowledged.
func TestActionsGoThroughTheOutbox(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	dev := m.Device()
	send := m.Compose(lobby, "", "hello")
	edit := m.Edit(lobby, 2, "new text")
	del := m.Delete(lobby, 1)
	react := m.React(lobby, 3, "👍", true)
	want := []chat.Frame{
		&chat.Send{ID: chat.MsgID{Device: dev, N: 1}, Conv: lobby, Text: "hello"},
		&chat.Edit{ID: chat.MsgID{Device: dev, N: 2}, Conv: lobby, Seq: 2, Text: "new text"},
		&chat.Delete{ID: chat.MsgID{Device: dev, N: 3}, Conv: lobby, Seq: 1},
		&chat.React{ID: chat.MsgID{Device: dev, N: 4}, Conv: lobby, Seq: 3, Emoji: "👍", On: true},
	}
	wantFrames(t, []chat.Frame{send, edit, del, react}, want...)
	wantFrames(t, m.Unsent(), want...)
	for _, f := range want {
		id, ok := client.OutboxID(f)
		if !ok {
			t.Fatalf("no outbox id for %T", f)
		}
		m.Sent(id)
	}
	wantFrames(t, m.Unsent())
	if p := m.Pending(lobby); len(p) != 1 || p[0].Text != "hello" {
		t.Errorf("Pending lists %d entries: actions are not messages", len(p))
	}
	if n := len(m.Actions(lobby)); n != 3 {
		t.Errorf("Actions = %d, want 3", n)
	}

	m.Disconnected()
	wantFrames(t, m.Unsent(), want...) // the same ids again
	for _, f := range want[:2] {
		id, _ := client.OutboxID(f)
		m.Apply(&chat.Ack{ID: id, Conv: lobby, Seq: 10 + id.N})
	}
	if len(m.Outbox) != 2 || m.Outbox[0].Kind != chat.TypeDelete {
		t.Fatalf("after two acks the outbox holds %+v", m.Outbox)
	}
}

// TestPendingActionsShow checks what the timeline shows of what waits: the
// new text of an edit, a delete, the user's reaction as it will be.
func TestPendingActionsShow(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 3)
	bobs := chat.Entry{Kind: chat.EntryReact, Conv: lobby, Seq: 4, Target: 2, From: "bob", Emoji: "🎉", On: true}
	m.Apply(&bobs)
	m.Edit(lobby, 1, "fixed")
	m.Delete(lobby, 3)
	m.React(lobby, 2, "🎉", true)
	m.React(lobby, 2, "👍", true)
	m.React(lobby, 2, "👍", false)
	m.React(lobby, 2, "❤️", true)

	if p := m.PendingOn(lobby, 1); p.Edit == nil || p.Edit.Text != "fixed" || p.Delete != nil {
		t.Errorf("message 1: %+v", p)
	}
	if p := m.PendingOn(lobby, 3); p.Delete == nil {
		t.Errorf("message 3 not shown as deleting: %+v", p)
	}
	got := m.ReactionsShown(c.Entries[1])
	want := []chat.Reaction{{Emoji: "🎉", Users: []string{"bob", "ann"}}, {Emoji: "❤️", Users: []string{"ann"}}}
	if len(got) != len(want) || got[0].Emoji != "🎉" || len(got[0].Users) != 2 || got[1].Emoji != "❤️" {
		t.Errorf("reactions shown = %+v, want %+v", got, want)
	}
	if on, pending := m.Reacted(c.Entries[1], "👍"); on || !pending {
		t.Errorf("👍 toggled twice: on %v pending %v, want off and pending", on, pending)
	}
	if on, pending := m.Reacted(c.Entries[1], "🎉"); !on || !pending {
		t.Errorf("🎉: on %v pending %v", on, pending)
	}
	if len(c.Entries[1].Reactions) != 1 {
		t.Errorf("the window's entry changed: %+v", c.Entries[1].Reactions)
	}
}

// TestEditOfAMessageInTheOutbox checks that an edit of a message never
// written changes its text there (no Edit frame), and that one of a
// message that may be stored waits for its ack, which names the sequence.
func TestEditOfAMessageInTheOutbox(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	s := m.Compose(lobby, "", "helo")
	if !m.EditOutgoing(s.ID, "hello") {
		t.Fatal("EditOutgoing refused a message never written")
	}
	wantFrames(t, m.Unsent(), &chat.Send{ID: s.ID, Conv: lobby, Text: "hello"})
	m.Sent(s.ID)
	m.Disconnected() // written, no ack: it may be stored
	if !m.EditOutgoing(s.ID, "hello!") {
		t.Fatal("EditOutgoing refused a written message")
	}
	later := m.Compose(lobby, "", "after")
	edit := m.Outbox[1]
	if !edit.Waiting() || edit.Kind != chat.TypeEdit {
		t.Fatalf("the edit of a written message: %+v", edit)
	}
	// The message goes again; the edit and what follows wait for its ack.
	wantFrames(t, m.Unsent(), &chat.Send{ID: s.ID, Conv: lobby, Text: "hello"})
	m.Sent(s.ID)
	wantFrames(t, m.Apply(&chat.Ack{ID: s.ID, Conv: lobby, Seq: 4}),
		&chat.Edit{ID: edit.ID, Conv: lobby, Seq: 4, Text: "hello!"},
		&chat.Send{ID: later.ID, Conv: lobby, Text: "after"})

	// A delete of a message never written is its cancel, not a frame.
	fresh := m.Compose(lobby, "", "oops")
	if m.DeleteOutgoing(fresh.ID) {
		t.Error("DeleteOutgoing queued a delete of a cancellable message")
	}
	if !m.Cancel(fresh.ID) {
		t.Error("the message could not be cancelled")
	}
}

// TestRefusedActionsFailWithTheirReason checks the conflict rule: an action
// refused for good is marked failed with its code, never sent again, shown
// until discarded; one refused for now is sent again under a new id, and
// the actions waiting on a message follow it.
func TestRefusedActionsFailWithTheirReason(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	edit := m.Edit(lobby, 2, "too late")
	id, _ := client.OutboxID(edit)
	m.Sent(id)
	m.Apply(&chat.Error{Code: chat.CodeMessageDeleted, Message: "the message was deleted", Ref: chat.TypeEdit, ID: &id})
	o := m.Message(id)
	if o == nil || o.Failed == "" || o.FailCode != chat.CodeMessageDeleted {
		t.Fatalf("refused edit: %+v", o)
	}
	wantFrames(t, m.Unsent())
	if p := m.PendingOn(lobby, 2); len(p.Failed) != 1 || p.Edit != nil {
		t.Errorf("pending on 2: %+v", p)
	}
	m.Discard(id)
	if !m.PendingOn(lobby, 2).Empty() {
		t.Error("a discarded action still shows")
	}

	// A message refused for now goes again under a new id; its waiting
	// edit goes after it, under a newer one.
	s := m.Compose(lobby, "", "busy")
	m.Sent(s.ID)
	m.EditOutgoing(s.ID, "busy!")
	m.Apply(&chat.Error{Code: chat.CodeRateLimited, Message: "slow down", Ref: chat.TypeSend, ID: &s.ID})
	if len(m.Outbox) != 2 || m.Outbox[0].IsAction() || !m.Outbox[1].Waiting() || m.Outbox[1].ID.N <= m.Outbox[0].ID.N {
		t.Fatalf("after the refusal the outbox is %+v, %+v", m.Outbox[0], m.Outbox[1])
	}
	msg := m.Outbox[0]
	wantFrames(t, m.Unsent(), &chat.Send{ID: msg.ID, Conv: lobby, Text: "busy"})

	// Refused for good: the waiting edit fails with it.
	m.Sent(msg.ID)
	m.Apply(&chat.Error{Code: chat.CodeNotMember, Message: "not a member", Ref: chat.TypeSend, ID: &msg.ID})
	if e := m.Outbox[1]; e.Failed == "" || e.FailCode != chat.CodeNoSuchMessage {
		t.Errorf("the edit of a refused message: %+v", e)
	}
	wantFrames(t, m.Unsent())
}

// TestReplyShowsItsQuote checks that a reply waiting in the outbox keeps
// the quote of the message it answers, and sends its sequence.
func TestReplyShowsItsQuote(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 3)
	target := c.Entries[1]
	target.HTML = `<div dir="auto">first &lt;b&gt; line<br>second</div>`
	s := m.ComposeReply(lobby, "yes", target)
	if s.Reply != 2 || s.Text != "yes" {
		t.Errorf("reply frame %+v", s)
	}
	o := m.Message(s.ID)
	if o.Reply == nil || o.Reply.From != "bob" || o.Reply.Text != "first &lt;b&gt; line" {
		t.Errorf("quote %+v", o.Reply)
	}
	if p := m.Pending(lobby); len(p) != 1 || p[0] != o {
		t.Error("a reply is a message of the outbox")
	}
}

// TestAdoptedActionWithoutItsMessageDoesNotHoldUpTheOutbox checks that an
// action adopted from a closed tab, waiting on a message that tab sent,
// fails instead of blocking what follows.
func TestAdoptedActionWithoutItsMessageDoesNotHoldUpTheOutbox(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	closed := chat.MsgID{Device: "closed-tab-device", N: 7}
	edit := &client.Outgoing{ID: chat.MsgID{Device: "closed-tab-device", N: 8}, Conv: lobby, Text: "x", User: "ann",
		Action: client.Action{Kind: chat.TypeEdit, TargetID: closed}}
	next := &client.Outgoing{ID: chat.MsgID{Device: "closed-tab-device", N: 9}, Conv: lobby, Text: "after", User: "ann"}
	m.Adopt([]*client.Outgoing{edit, next})
	if edit.Failed == "" || edit.FailCode != chat.CodeNoSuchMessage {
		t.Errorf("the orphaned edit: %+v", edit)
	}
	wantFrames(t, m.Unsent(), &chat.Send{ID: next.ID, Conv: lobby, Text: "after"})
}
