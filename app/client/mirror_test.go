package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

func TestMirrorOutboxWrites(t *testing.T) {
	m := client.NewModel()
	m.Me = "ann"
	m.SetDevice("tab-device", 0)
	mr := client.NewMirror("tab-device")
	adopted := &client.Outgoing{ID: chat.MsgID{Device: "closed-tab", N: 7}, Conv: "r:lobby", Text: "left by a closed tab", User: "ann"}
	m.Adopt([]*client.Outgoing{adopted})
	mr.Stored(adopted)

	first := m.Compose("r:lobby", "", "one")
	w := mr.Outbox(m)
	if len(w.Add) != 1 || w.Add[0].ID != first.ID || len(w.Update) != 0 || len(w.Done) != 0 {
		t.Fatalf("after Compose: %+v, want one Add", w)
	}
	if w := mr.Outbox(m); len(w.Add)+len(w.Update)+len(w.Done) != 0 {
		t.Fatalf("nothing changed, yet %+v", w)
	}
	m.Sent(first.ID)
	if w := mr.Outbox(m); len(w.Update) != 1 || w.Update[0].ID != first.ID {
		t.Fatalf("after Sent: %+v, want one Update", w)
	}
	// Both acknowledged: both are done, and the closed tab's device is
	// freed, never this tab's own.
	m.Apply(&chat.Ack{ID: first.ID, Conv: "r:lobby", Seq: 1})
	m.Apply(&chat.Ack{ID: adopted.ID, Conv: "r:lobby", Seq: 2})
	w = mr.Outbox(m)
	if len(w.Done) != 2 || len(w.Freed) != 1 || w.Freed[0] != "closed-tab" {
		t.Fatalf("after the acks: %+v, want two Done and the closed tab's device freed", w)
	}
	// A write that failed is tried again.
	again := m.Compose("r:lobby", "", "two")
	mr.Outbox(m)
	mr.Unstored(again.ID)
	if w := mr.Outbox(m); len(w.Add) != 1 || w.Add[0].ID != again.ID {
		t.Fatalf("after Unstored: %+v, want the message added again", w)
	}
}

func TestMirrorConvWrites(t *testing.T) {
	m := client.NewModel()
	mr := client.NewMirror("d")
	if mr.ConvsChanged(m) || !mr.Convs(m).Empty() {
		t.Fatal("a model without a user saves something")
	}
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{{ID: "r:lobby", Kind: chat.KindRoom, Name: "lobby"}}})
	m.Apply(&chat.Page{Conv: "r:lobby", First: 1, Last: 1, Entries: []chat.Entry{{Conv: "r:lobby", Seq: 1, Kind: chat.EntryMessage, From: "bob", HTML: "hi"}}})
	if !mr.ConvsChanged(m) {
		t.Fatal("a new conversation is no change")
	}
	w := mr.Convs(m)
	if w.Meta == nil || w.Meta.Me != "ann" || len(w.Convs) != 1 || w.Convs[0].Info.ID != "r:lobby" {
		t.Fatalf("first save: %+v", w)
	}
	if mr.ConvsChanged(m) || !mr.Convs(m).Empty() {
		t.Fatal("saved, yet changed")
	}
	m.Apply(&chat.Gone{Conv: "r:lobby"})
	if w := mr.Convs(m); len(w.Gone) != 1 || w.Gone[0] != "r:lobby" {
		t.Fatalf("after leaving: %+v, want the conversation gone", w)
	}
}
