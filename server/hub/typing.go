package hub

import (
	"context"
	"time"

	"github.com/founding/chat/app/chat"
)

// Typing: "Ann is typing…". A signal, not history: it takes presence's
// path (the hub's connections here, and the Typing seam to the other
// nodes, which keeps nothing), never the Log. Every rule is here: the
// sender must be a member; a crowded room (more than PresenceLimit online,
// the rule of markCrowd) relays nothing, since every keystroke's signal
// would reach every member; a user's repeats within typingRelayGap in one
// conversation, and stops with nothing to stop, are dropped, so a flood
// costs one map lookup a frame; the signal goes to every connection
// subscribed to the conversation except the typer's own, on every node
// (the typer's other tabs do not show "you are typing").

// Typing carries typing signals between the nodes that share a Log and a
// Directory, like Presence but with nothing to repair: a lost note only
// ends a "typing…" line early. One node alone has none (Options.Typing
// nil). Its methods may be called concurrently.
type Typing interface {
	// Publish sends n to every node.
	Publish(ctx context.Context, n TypingNote) error
	// Watch calls fn with every note any node publishes, this one's too.
	// It returns once the watch is set up; stop ends it.
	Watch(ctx context.Context, fn func(TypingNote)) (stop func(), err error)
}

// TypingNote is a member of Conv typing (On) or stopped, as the node that
// checked it tells the others. User is the user key, Name as shown (not
// escaped).
type TypingNote struct {
	Node string `json:"node"`
	Conv string `json:"conv"`
	User string `json:"user"`
	Name string `json:"name"`
	On   bool   `json:"on"`
}

// typingRelayGap is the least time between two relayed signals of one
// user in one conversation: under the client's chat.TypingEvery, so that
// a client on time is never dropped.
const typingRelayGap = chat.TypingEvery / 2

// Typing relays that the user key is typing in convID (on) or stopped, to
// the conversation's other members online here and on the other nodes. It
// stores nothing. A non-member gets not_member or no_such_conv; a signal
// in a crowded room, or too soon after the last one, is dropped without an
// error (nothing is wrong with the sender).
func (h *Hub) Typing(ctx context.Context, key, convID string, on bool) error {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	h.mu.Lock()
	relay := h.typingAllowed(u, c, on, time.Now())
	if relay {
		h.relayTyping(c, u.key, u.name, on)
	}
	name := u.name
	h.mu.Unlock()
	if !relay || h.opts.Typing == nil {
		return nil
	}
	n := TypingNote{Node: h.node, Conv: c.id, User: key, Name: name, On: on}
	if err := h.opts.Typing.Publish(ctx, n); err != nil {
		// Not logged: a bus that is down is logged by presence's sender
		// once, where a log line per keystroke would drown it.
		return chat.Errorf(chat.CodeInternal, "the other nodes were not told that you are typing: %v", err)
	}
	return nil
}

// typingAllowed decides whether u's signal in c is relayed, and notes it.
// Callers hold h.mu.
func (h *Hub) typingAllowed(u *user, c *conv, on bool, now time.Time) bool {
	if h.crowdedForTyping(c) {
		return false
	}
	last, typing := u.typing[c.id]
	if !on {
		delete(u.typing, c.id)
		return typing
	}
	if typing && now.Sub(last) < typingRelayGap {
		return false
	}
	if u.typing == nil {
		u.typing = make(map[string]time.Time)
	}
	u.typing[c.id] = now
	return true
}

// crowdedForTyping reports whether c is a room too crowded to relay typing
// in: the rule of markCrowd, without marking the roster. Callers hold h.mu.
func (h *Hub) crowdedForTyping(c *conv) bool {
	return c.kind == chat.KindRoom && h.onlineCount(c) > h.opts.PresenceLimit
}

// relayTyping sends the signal of the user key called name to c's
// connections here, except that user's own. Callers hold h.mu.
func (h *Hub) relayTyping(c *conv, key, name string, on bool) {
	frame := encode(&chat.Typist{Conv: c.id, User: escape(name), On: on})
	own := h.users[key]
	c.each(func(s Sink) {
		if own != nil {
			if own.sessions.has(s) {
				return
			}
		}
		s.Send(frame)
	})
}

// applyTyping relays another node's typing note to the connections here.
func (h *Hub) applyTyping(n TypingNote) {
	if n.Node == h.node || n.Node == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	c := h.localConv(n.Conv)
	if c == nil || h.crowdedForTyping(c) {
		return
	}
	h.relayTyping(c, n.User, n.Name, n.On)
}

// startTyping watches the other nodes' typing notes.
func (h *Hub) startTyping() error {
	if h.opts.Typing == nil {
		return nil
	}
	stop, err := h.opts.Typing.Watch(context.Background(), h.applyTyping)
	if err != nil {
		return err
	}
	h.stops = append(h.stops, stop)
	return nil
}
