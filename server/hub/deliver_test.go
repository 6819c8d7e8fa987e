package hub_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// gatedLog is a memory log whose watch can be held back, as a stream's
// subscription lags behind the store's acks.
type gatedLog struct {
	*memory.Log
	mu   sync.Mutex
	shut bool
	held []chat.Entry
	fn   func(chat.Entry)
}

func (l *gatedLog) Watch(ctx context.Context, fn func(chat.Entry)) (func(), error) {
	l.mu.Lock()
	l.fn = fn
	l.mu.Unlock()
	return l.Log.Watch(ctx, func(e chat.Entry) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.shut {
			l.held = append(l.held, e)
			return
		}
		fn(e)
	})
}

// hold keeps what the watch brings until release.
func (l *gatedLog) hold() {
	l.mu.Lock()
	l.shut = true
	l.mu.Unlock()
}

// release hands over, in order, what the watch held.
func (l *gatedLog) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.held {
		l.fn(e)
	}
	l.held, l.shut = nil, false
}

// lobbyTexts returns the lobby's messages a recorder received, in order,
// by sequence.
func lobbyTexts(t *testing.T, r *recorder) (seqs []uint64, texts []string) {
	t.Helper()
	for _, e := range framesOf[chat.Entry](r.frames(t), func(e *chat.Entry) bool {
		return e.Conv == hub.LobbyID && e.Kind == chat.EntryMessage
	}) {
		seqs, texts = append(seqs, e.Seq), append(texts, e.HTML)
	}
	return seqs, texts
}

// TestStoredMessagesFanOutBeforeTheWatchAndInOrder: a message this node
// stored goes to its subscribers at the store's ack, before the watch
// brings it back, and only once; a message stored after another node's
// entry this node has not watched yet waits for the watch, so nobody sees
// the conversation out of order or with a gap.
func TestStoredMessagesFanOutBeforeTheWatchAndInOrder(t *testing.T) {
	log := &gatedLog{Log: memory.NewLog()}
	h := newHub(t, hub.Options{Log: log})
	connect(h, "ann")
	bob := connect(h, "bob")
	post(t, h, "ann", hub.LobbyID, "one", id("a", 1))

	log.hold()
	two := post(t, h, "ann", hub.LobbyID, "two", id("a", 2))
	if seqs, _ := lobbyTexts(t, bob); len(seqs) != 2 || seqs[1] != two.Seq {
		t.Fatalf("before the watch brought it, bob has the lobby's messages %v, want the second (%d) too", seqs, two.Seq)
	}
	if _, err := log.Append(context.Background(), chat.Entry{Conv: hub.LobbyID, Kind: chat.EntryMessage, From: "cid", HTML: "three, from another node"}); err != nil {
		t.Fatal(err)
	}
	four := post(t, h, "ann", hub.LobbyID, "four", id("a", 3))
	if seqs, _ := lobbyTexts(t, bob); len(seqs) != 2 {
		t.Fatalf("bob has %v: the fourth went out before the third, which only the watch brings", seqs)
	}

	log.release()
	seqs, texts := lobbyTexts(t, bob)
	if len(seqs) != 4 || seqs[3] != four.Seq {
		t.Fatalf("after the watch, bob has %v %q, want four messages ending at %d", seqs, texts, four.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 && !strings.Contains(texts[i], "three") {
			t.Errorf("bob saw %v: out of order, a gap or a duplicate", seqs)
		}
		if seqs[i] <= seqs[i-1] {
			t.Errorf("bob saw %v: out of order or twice", seqs)
		}
	}
	if !strings.Contains(texts[2], "three") || !strings.Contains(texts[3], "four") {
		t.Errorf("bob saw %q, want the third, then the fourth", texts)
	}
	post(t, h, "ann", hub.LobbyID, "five", id("a", 4))
	if seqs, _ := lobbyTexts(t, bob); len(seqs) != 5 {
		t.Errorf("bob has %v after the fifth", seqs)
	}
}
