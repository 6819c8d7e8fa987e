package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// notices returns the Notice frames r got after the first n frames.
func notices(t testing.TB, r *recorder, n int) []*chat.Notice {
	t.Helper()
	return framesOf[chat.Notice](r.since(t, n), nil)
}

// TestNoticeReachesOneUserOnEveryHub: a notice for ann reaches each of her
// connections, on both hubs sharing Notices, escaped; bob, on both, gets
// nothing, and nothing is stored.
func TestNoticeReachesOneUserOnEveryHub(t *testing.T) {
	ctx := context.Background()
	log, dir := memory.NewLog(), memory.NewDirectory()
	opts := hub.Options{Log: log, Directory: dir, Presence: memory.NewPresence(), Notices: memory.NewNotices()}
	a, b := newHub(t, opts), newHub(t, opts)
	annA, annB, bobA, bobB := connect(a, "ann"), connect(b, "ann"), connect(a, "bob"), connect(b, "bob")
	before := map[*recorder]int{annA: annA.count(), annB: annB.count(), bobA: bobA.count(), bobB: bobB.count()}

	mustNot(t, a.Notify(ctx, key("ann"), hub.LobbyID, "<echo>", `<div class="body">only you</div>`))
	want := chat.Notice{Conv: hub.LobbyID, From: "&lt;echo&gt;", HTML: `<div class="body">only you</div>`}
	for _, r := range []*recorder{annA, annB} {
		eventually(t, 5*time.Second, func() bool {
			got := notices(t, r, before[r])
			return len(got) == 1 && *got[0] == want
		}, r.name+" gets the notice once")
	}
	for _, r := range []*recorder{bobA, bobB} {
		if got := notices(t, r, before[r]); len(got) != 0 {
			t.Errorf("bob got %+v: a notice is for one user", got)
		}
	}
	p, err := a.Page(ctx, key("bob"), chat.History{Conv: hub.LobbyID})
	mustNot(t, err)
	for _, e := range p.Entries {
		if e.Kind != chat.EntryJoin {
			t.Errorf("the lobby holds a %s entry after a notice", e.Kind)
		}
	}
}
