package hub_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// TestSilentNodeOfflineWithinTheTTL: a node sends one note and dies right
// after this hub's heartbeat. Its user is offline here no sooner than the
// TTL after that note, and no later than the TTL and a tenth of it
// (docs/cluster.md): silent nodes are looked for more often than
// heartbeats are sent, so the bound does not grow by a heartbeat interval.
func TestSilentNodeOfflineWithinTheTTL(t *testing.T) {
	const heartbeat, ttl = time.Second, 1500 * time.Millisecond
	presence := memory.NewPresence()
	var mu sync.Mutex
	var beats []time.Time
	var node string
	stop, err := presence.Watch(context.Background(), func(n hub.PresenceNote) {
		mu.Lock()
		defer mu.Unlock()
		if node != "" && n.Node == node && len(n.Online) == 0 && len(n.Offline) == 0 && !n.Bye {
			beats = append(beats, time.Now())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	h := newHub(t, hub.Options{Presence: presence, PresenceHeartbeat: heartbeat, PresenceTTL: ttl})
	mu.Lock()
	node = h.Node()
	mu.Unlock()
	eventually(t, 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(beats) >= 1 }, "a heartbeat of the hub")
	gus := []hub.PresenceUser{{Key: "gus", Name: "Gus", Rooms: []string{hub.LobbyID}}}
	stopServe, err := presence.Serve("ghost", func() []hub.PresenceUser { return gus })
	if err != nil {
		t.Fatal(err)
	}
	defer stopServe()
	if err := presence.Publish(context.Background(), hub.PresenceNote{Node: "ghost", Online: gus, Count: 1}); err != nil {
		t.Fatal(err)
	}
	last := time.Now() // the ghost's last word
	eventually(t, 10*time.Second, func() bool { return h.OnlineAnywhere() == 1 }, "Gus online through the ghost node")
	eventually(t, 10*time.Second, func() bool { return h.OnlineAnywhere() == 0 }, "Gus offline once the ghost node is silent")
	took := time.Since(last)
	t.Logf("offline %v after the silent node's last note (TTL %v)", took.Round(time.Millisecond), ttl)
	if took < ttl || took > ttl+ttl/10+300*time.Millisecond {
		t.Errorf("offline %v after the silent node's last note; want between the TTL (%v) and %v", took, ttl, ttl+ttl/10)
	}
}
