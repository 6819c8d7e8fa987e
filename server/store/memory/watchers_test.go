package memory

import (
	"context"
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// TestWatchersOfEachBackend: the Log, Presence and Typing hand what is
// published to every watcher, in order, and to none once it stopped, even
// one that stops itself while it is being called.
func TestWatchersOfEachBackend(t *testing.T) {
	ctx := context.Background()
	log, presence, typing := NewLog(), NewPresence(), NewTyping()
	testCases := []struct {
		name    string
		watch   func(fn func(int)) (func(), error)
		publish func(n int)
	}{
		{"log", func(fn func(int)) (func(), error) {
			return log.Watch(ctx, func(e chat.Entry) { fn(int(e.Seq)) })
		}, func(int) {
			if _, err := log.Append(ctx, chat.Entry{Conv: "c", Kind: chat.EntryMessage}); err != nil {
				t.Fatal(err)
			}
		}},
		{"presence", func(fn func(int)) (func(), error) {
			return presence.Watch(ctx, func(n hub.PresenceNote) { fn(n.Count) })
		}, func(n int) {
			if err := presence.Publish(ctx, hub.PresenceNote{Count: n}); err != nil {
				t.Fatal(err)
			}
		}},
		{"typing", func(fn func(int)) (func(), error) {
			return typing.Watch(ctx, func(n hub.TypingNote) { fn(len(n.Conv)) })
		}, func(n int) {
			if err := typing.Publish(ctx, hub.TypingNote{Conv: string(make([]byte, n))}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			var a, b []int
			stopA, err := tc.watch(func(n int) { a = append(a, n) })
			if err != nil {
				t.Fatal(err)
			}
			stopB, err := tc.watch(func(n int) { b = append(b, n) })
			if err != nil {
				t.Fatal(err)
			}
			tc.publish(1)
			tc.publish(2)
			stopA()
			tc.publish(3)
			stopB()
			tc.publish(4)
			if want := []int{1, 2}; !slices.Equal(a, want) {
				t.Errorf("the first watcher got %v, want %v", a, want)
			}
			if want := []int{1, 2, 3}; !slices.Equal(b, want) {
				t.Errorf("the second watcher got %v, want %v", b, want)
			}
		})
	}
}

// TestWatcherMayStopWhileCalled: a watcher that stops itself (or adds
// another) while it is being handed a value does not deadlock, and is not
// called again.
func TestWatcherMayStopWhileCalled(t *testing.T) {
	var w watchers[int]
	var got, later []int
	var stop func()
	stop = w.add(func(n int) {
		got = append(got, n)
		stop()
		w.add(func(n int) { later = append(later, n) })
	})
	w.send(1)
	w.send(2)
	if !slices.Equal(got, []int{1}) || !slices.Equal(later, []int{2}) {
		t.Errorf("got %v and the later watcher %v, want [1] and [2]", got, later)
	}
}
