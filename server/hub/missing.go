package hub

import (
	"sync"
	"time"
)

// missingSet remembers, for a while, the conversation ids the directory
// did not have, so that a client naming unknown conversations again and
// again (a resume of 1000 made-up ids) does not reach storage each time.
// It is bounded: past missingMax ids it forgets the expired ones, then
// arbitrary ones. An id is forgotten as soon as this process creates the
// conversation or sees a membership of it change, and after missingTTL in
// any case (a conversation created by another process with no member
// here). All methods may be called concurrently.
type missingSet struct {
	mu  sync.Mutex
	ids map[string]time.Time // id -> when the directory said it was missing
}

// The bounds of a missingSet.
const (
	missingMax = 4096
	missingTTL = time.Minute
)

// has reports whether id was missing less than missingTTL before now.
func (m *missingSet) has(id string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.ids[id]
	if ok && now.Sub(at) >= missingTTL {
		delete(m.ids, id)
		return false
	}
	return ok
}

// add records that id was missing at now.
func (m *missingSet) add(id string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = make(map[string]time.Time)
	}
	if len(m.ids) >= missingMax {
		for k, at := range m.ids {
			if now.Sub(at) >= missingTTL {
				delete(m.ids, k)
			}
		}
		for k := range m.ids { // still full: forget arbitrary ones
			if len(m.ids) < missingMax/2 {
				break
			}
			delete(m.ids, k)
		}
	}
	m.ids[id] = now
}

// forget drops id: the conversation may exist now.
func (m *missingSet) forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ids, id)
}
