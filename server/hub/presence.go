package hub

import (
	"context"
	"sort"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/names"
)

// Presence: who is online. Everything that decides
// it is in this file: a user comes online with their first connection
// (comeOnline), stays online through a grace period after their last one
// closes (startGrace), then goes offline (goOffline); the other online
// members of their rooms hear of each change (presence) or, in a crowded
// room, get a renewed roster with a count. The rest of the hub calls only
// these functions and the roster frames; the online sets live on user
// (online) and conv (online), guarded by Hub.mu.
//
// With other nodes (cluster.go), comeOnline and goOffline also tell them
// (announce, withdraw), and a notice goes out only where no other node
// holds the user in that room: the first node to hold a user announces the
// arrival, the last one the departure. Rosters and counts cover the users
// online anywhere.

// comeOnline ends u's grace period, if any, and brings u online in every
// room, telling the others. Callers hold h.mu.
func (h *Hub) comeOnline(u *user) {
	if u.offTimer != nil {
		u.offTimer.Stop()
		u.offTimer = nil
	}
	if u.online {
		return
	}
	u.online = true
	h.opts.Metrics.Presence(metrics.PresenceOnline)
	for _, c := range u.rooms() {
		h.setOnline(c, u)
		if !h.onlineElsewhere(c.id, u.key) {
			h.presence(c, u, true, false)
		}
	}
	h.announce(u)
}

// startGrace starts the grace period after u's last connection closed,
// unless one is running. Callers hold h.mu.
func (h *Hub) startGrace(u *user) {
	if u.offTimer != nil {
		return
	}
	u.offGen++
	gen := u.offGen
	u.offTimer = time.AfterFunc(h.opts.PresenceGrace, func() { h.goOffline(u, gen) })
}

// goOffline ends a grace period that nobody came back in: the user goes
// offline, and this process forgets them until they connect again.
func (h *Hub) goOffline(u *user, gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || u.offTimer == nil || u.offGen != gen || len(u.sessions) > 0 || h.users[u.key] != u {
		return
	}
	u.offTimer = nil
	if u.online {
		u.online = false
		h.opts.Metrics.Presence(metrics.PresenceOffline)
		for _, c := range u.rooms() {
			h.setOffline(c, u.key)
			if !h.onlineElsewhere(c.id, u.key) {
				h.presence(c, u, false, false)
			}
		}
		h.withdraw(u)
	}
	if u.uses == 0 { // else the last release forgets u (api.go)
		h.forget(u)
	}
	key, now := u.key, time.Now().UnixMilli()
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.dir.SetSeen(ctx, key, now); err != nil {
			h.opts.Logger.Warn("last seen not recorded", "user", key, "err", err)
		}
	}()
}

// presence tells every other online member of c that u came or went.
// Callers hold h.mu.
func (h *Hub) presence(c *conv, u *user, online, quiet bool) {
	h.presenceOf(c, PresenceUser{Key: u.key, Name: u.name, Bot: u.bot}, u, online, quiet)
}

// presenceOf tells the members of c that who came or went, except the
// connections of own (nil for a user of another node). Callers hold h.mu.
func (h *Hub) presenceOf(c *conv, who PresenceUser, own *user, online, quiet bool) {
	if h.markCrowd(c) {
		return // its roster shows a count instead (see markCrowd)
	}
	frame := encode(&chat.Presence{Conv: c.id, User: escape(who.Name), Bot: who.Bot, Online: online, Quiet: quiet})
	c.each(func(s Sink) {
		if own == nil {
			s.Send(frame)
		} else if !own.sessions.has(s) {
			s.Send(frame)
		}
	})
}

// Online reports whether the user of name is online here, for tests and
// tools.
func (h *Hub) Online(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[h.known[names.Key(name)].Key]
	return u != nil && u.online
}

// roster lists c's members online here or on another node, at most limit
// of them, with the count when there are more. Callers hold Hub.mu.
func (h *Hub) roster(c *conv, limit int) *chat.Roster {
	n := h.onlineCount(c)
	r := &chat.Roster{Conv: c.id, Users: make([]string, 0, min(n, limit))}
	if n > limit {
		r.Count = n
	}
	for _, u := range c.online {
		if len(r.Users) == limit {
			break
		}
		rosterAdd(r, escape(u.name), u.bot)
	}
	for key, m := range h.remoteIn[c.id] {
		if len(r.Users) == limit {
			break
		}
		if c.online[key] == nil {
			rosterAdd(r, escape(m.name), m.bot)
		}
	}
	sort.Strings(r.Users)
	sort.Strings(r.Bots)
	return r
}

// rosterAdd puts the user called name (escaped) in r, and in r.Bots when
// a bot.
func rosterAdd(r *chat.Roster, name string, bot bool) {
	r.Users = append(r.Users, name)
	if bot {
		r.Bots = append(r.Bots, name)
	}
}

// onlineCount is how many of c's members are online, here or on another
// node. Callers hold Hub.mu.
func (h *Hub) onlineCount(c *conv) int { return len(c.online) + len(h.remoteIn[c.id]) - c.both }

// setOnline puts u in c's local online set. Callers hold Hub.mu.
func (h *Hub) setOnline(c *conv, u *user) {
	if c.online[u.key] != nil {
		return
	}
	c.online[u.key] = u
	if h.onlineElsewhere(c.id, u.key) {
		c.both++
	}
}

// setOffline takes the user key out of c's local online set. Callers hold
// Hub.mu.
func (h *Hub) setOffline(c *conv, key string) {
	if c.online[key] == nil {
		return
	}
	delete(c.online, key)
	if h.onlineElsewhere(c.id, key) {
		c.both--
	}
}

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
	n := h.onlineCount(c)
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
	h.convMu.RLock()
	defer h.convMu.RUnlock()
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
	c := h.conv(id)
	if c == nil {
		return false
	}
	others := h.onlineCount(c)
	if _, in := c.online[key]; in || h.onlineElsewhere(id, key) {
		others--
	}
	return others >= h.opts.PresenceLimit
}

// rosterFrame is the roster of c as a frame. Callers hold h.mu.
func (h *Hub) rosterFrame(c *conv) []byte { return encode(h.roster(c, h.opts.PresenceLimit)) }
