package server

import (
	"slices"
	"testing"
)

// TestLiveSessionsByGroup: a browser group's sessions are listed until each
// is removed, a session added twice is listed once, and an emptied group
// leaves nothing behind.
func TestLiveSessionsByGroup(t *testing.T) {
	var l liveSessions
	tab, other, elsewhere := &session{}, &session{}, &session{}
	l.add("g", tab)
	l.add("g", other)
	l.add("g", tab)
	l.add("h", elsewhere)
	if got := l.of("g"); len(got) != 2 || !slices.Contains(got, tab) || !slices.Contains(got, other) {
		t.Fatalf("group g lists %v, want its two sessions", got)
	}
	l.remove("g", tab)
	if got := l.of("g"); !slices.Equal(got, []*session{other}) {
		t.Fatalf("after one tab closed, group g lists %v, want the other", got)
	}
	got := l.of("g")
	got[0] = nil // a caller's copy, not the set itself
	if !slices.Equal(l.of("g"), []*session{other}) {
		t.Fatal("changing the returned list changed the group")
	}
	l.remove("g", other)
	l.remove("g", other)
	if got := l.of("g"); len(got) != 0 {
		t.Fatalf("emptied group g lists %v", got)
	}
	if _, left := l.by["g"]; left {
		t.Fatal("an emptied group stays in the map")
	}
	if !slices.Equal(l.of("h"), []*session{elsewhere}) {
		t.Fatal("another group's session went with g's")
	}
}
