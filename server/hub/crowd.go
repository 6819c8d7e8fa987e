package hub

import "time"

// A crowded room is one with more than PresenceLimit members online here.
// Announcing every arrival and departure to every member would cost the
// square of the crowd, so such a room sends no presence frames. Every
// RosterInterval, when someone came or went, its members get a fresh
// roster, with the count, along with the next frame each of them gets: an
// idle member costs nothing, and a member reading a busy room sees the
// count move.

// markCrowd notes that c's roster changed, and reports whether c is crowded
// (so that presence frames are not sent). A room at the limit is marked too:
// its members may still hold a crowded roster's count. Callers hold h.mu.
func (h *Hub) markCrowd(c *conv) (crowded bool) {
	n := len(c.online)
	if n >= h.opts.PresenceLimit {
		c.rosterStale = true
	}
	return n > h.opts.PresenceLimit
}

// watchCrowds sends the rosters of crowded rooms every RosterInterval until
// stop is closed.
func (h *Hub) watchCrowds(stop <-chan struct{}) {
	t := time.NewTicker(h.opts.RosterInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			h.sendStaleRosters()
		}
	}
}

// sendStaleRosters renews the roster of every room marked by markCrowd,
// encoded once per room, for each local connection's next frame.
func (h *Hub) sendStaleRosters() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.convs {
		if !c.rosterStale {
			continue
		}
		c.rosterStale = false
		frame := h.rosterFrame(c)
		c.each(func(s Sink) { s.SendWithNext(c.id, frame) })
	}
}

// crowded reports whether room id, the user key counted, has more than
// PresenceLimit members online here (whether or not the change has reached
// this process's view yet). In such a room joins and leaves are not
// entries: every one would reach every member, and the members would read
// nothing else.
func (h *Hub) crowded(key, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.convs[id]
	if c == nil {
		return false
	}
	others := len(c.online)
	if _, in := c.online[key]; in {
		others--
	}
	return others >= h.opts.PresenceLimit
}

// rosterFrame is the roster of c as a frame. Callers hold h.mu.
func (h *Hub) rosterFrame(c *conv) []byte { return encode(c.roster(h.opts.PresenceLimit)) }
