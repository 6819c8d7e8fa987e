package hub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// countingDirectory is a hub.Directory that counts the conversation
// records it is asked for.
type countingDirectory struct {
	hub.Directory
	convs atomic.Int64
}

func (d *countingDirectory) Conv(ctx context.Context, id string) (hub.ConvRecord, error) {
	d.convs.Add(1)
	return d.Directory.Conv(ctx, id)
}

// TestUnknownConversationsAreLookedUpOnce resumes the same made-up
// conversation ids again and again: the directory is asked about each
// once, every answer is still Gone, and a room created under one of those
// ids afterwards is found at once.
func TestUnknownConversationsAreLookedUpOnce(t *testing.T) {
	ctx := context.Background()
	dir := &countingDirectory{Directory: memory.NewDirectory()}
	h := newHub(t, hub.Options{Directory: dir})
	connect(h, "ann")
	connect(h, "bob")
	const unknown = 100
	cursors := map[string]uint64{}
	for i := range unknown {
		cursors[fmt.Sprintf("r:nowhere%d", i)] = 0
	}
	before := dir.convs.Load()
	for range 5 {
		frames, err := h.Resume(ctx, key("ann"), cursors)
		mustNot(t, err)
		if gone := framesOf[chat.Gone](frames, nil); len(gone) != unknown {
			t.Fatalf("%d Gone frames for %d unknown conversations: %s", len(gone), unknown, types(frames))
		}
	}
	if n := dir.convs.Load() - before; n != unknown {
		t.Errorf("5 resumes of %d unknown conversations asked the directory %d times, want %d", unknown, n, unknown)
	}

	// Bob creates one of them: it exists now, for everyone.
	room, err := h.Join(ctx, key("bob"), "nowhere7")
	mustNot(t, err)
	_, err = h.Page(ctx, key("ann"), chat.History{Conv: room.ID})
	wantCode(t, err, chat.CodeNotMember)
}

// fullLog is a hub.Log whose private conversations are out of room.
type fullLog struct{ hub.Log }

func (l fullLog) AppendMessage(ctx context.Context, e chat.Entry, o hub.Origin) (chat.Ack, bool, error) {
	if strings.HasPrefix(e.Conv, "p:") {
		return chat.Ack{}, false, fmt.Errorf("stream: %w", hub.ErrFull)
	}
	return l.Log.AppendMessage(ctx, e, o)
}

// TestAFullLogRefusesWithAClearError: a message the log has no room for is
// refused with an error that says so, and rooms carry on.
func TestAFullLogRefusesWithAClearError(t *testing.T) {
	h := newHub(t, hub.Options{Log: fullLog{memory.NewLog()}})
	connect(h, "ann")
	connect(h, "bob")
	_, err := h.PostTo(context.Background(), key("ann"), "bob", "hello", id("device-a", 1))
	var ce *chat.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "no room left for private messages") {
		t.Fatalf("a message to a full log: %v, want an error saying there is no room", err)
	}
	post(t, h, "ann", hub.LobbyID, "rooms go on", id("device-a", 2))
}
