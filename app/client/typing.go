package client

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
)

// Typing and "Seen" as the tab holds them. What this tab told the server
// of its user's typing: Typed turns each change of the composer's text
// into at most one Typing frame every chat.TypingEvery per conversation,
// and a stop when the box is emptied (a sent message empties it). Who
// else is typing: each Typist shows for chat.TypingShown after their last
// signal, and ends at once with a stop or with an entry from them. None
// of it is saved; a lost connection forgets it.

// typingState is the Model's share of typing (typing.go).
type typingState struct {
	told    map[string]time.Time            // conversation -> when this tab last sent Typing{On: true} there
	typists map[string]map[string]time.Time // conversation -> escaped name -> shown until
	order   map[string][]string             // conversation -> escaped names, in the order they started
}

// Typed is called with the composer's text after each change the user
// made to it (a key, a paste: not a focus) in conversation conv. It
// returns the Typing frame to send, or nil: a start at most every
// chat.TypingEvery, a stop once the text is empty again, nothing for a
// command ("/msg …"), nor in a crowded room (its roster has a count: the
// server would drop it).
func (m *Model) Typed(conv, text string) chat.Frame {
	c := m.Convs[conv]
	if c == nil {
		return nil
	}
	t := &m.typing
	last, told := t.told[conv]
	text = strings.TrimSpace(text)
	switch {
	case text == "" || strings.HasPrefix(text, "/"):
		if !told {
			return nil
		}
		delete(t.told, conv)
		return &chat.Typing{Conv: conv}
	case c.OnlineCount > 0:
		return nil
	case told && m.Now().Sub(last) < chat.TypingEvery:
		return nil
	}
	if t.told == nil {
		t.told = make(map[string]time.Time)
	}
	t.told[conv] = m.Now()
	return &chat.Typing{Conv: conv, On: true}
}

// typist shows or ends another member's typing.
func (m *Model) typist(f *chat.Typist) {
	if m.Convs[f.Conv] == nil {
		return
	}
	t := &m.typing
	if !f.On {
		t.stop(f.Conv, f.User)
		return
	}
	if t.typists == nil {
		t.typists, t.order = make(map[string]map[string]time.Time), make(map[string][]string)
	}
	shown := t.typists[f.Conv]
	if shown == nil {
		shown = make(map[string]time.Time)
		t.typists[f.Conv] = shown
	}
	if _, ok := shown[f.User]; !ok {
		t.order[f.Conv] = append(t.order[f.Conv], f.User)
	}
	shown[f.User] = m.Now().Add(chat.TypingShown)
}

// stop ends the typing of user (escaped) in conv.
func (t *typingState) stop(conv, user string) {
	if _, ok := t.typists[conv][user]; !ok {
		return
	}
	delete(t.typists[conv], user)
	order := t.order[conv]
	for i, u := range order {
		if u == user {
			t.order[conv] = append(order[:i:i], order[i+1:]...)
			break
		}
	}
}

// typingEnded ends the typing of the author of a message that arrived.
func (m *Model) typingEnded(e *chat.Entry) {
	if e.Kind == chat.EntryMessage {
		m.typing.stop(e.Conv, e.From)
	}
}

// forgetTyping drops what the tab knew of typing: after a lost connection
// no stop would reach it, and the server forgot what it was told.
func (m *Model) forgetTyping() { m.typing = typingState{} }

// Typists returns who is typing in conversation conv now (unescaped
// names, in the order they started), and when the first of them stops
// being shown unless a signal comes: the time to look again.
func (m *Model) Typists(conv string) (names []string, until time.Time) {
	now := m.Now()
	shown := m.typing.typists[conv]
	for _, user := range m.typing.order[conv] {
		end := shown[user]
		if !end.After(now) {
			continue
		}
		names = append(names, html.UnescapeString(user))
		if until.IsZero() || end.Before(until) {
			until = end
		}
	}
	return names, until
}

// seen raises how far the other member of a private conversation has read
// it.
func (m *Model) seen(f *chat.Seen) {
	c := m.Convs[f.Conv]
	switch {
	case c == nil || c.Info.Kind != chat.KindPrivate:
	case c.Info.Group != nil:
		groupSeen(c, f) // group.go
	case f.Seq > c.Info.Seen:
		c.Info.Seen = f.Seq
	}
}

// SeenAt returns the sequence of the last of the user's messages in
// conversation id that the other member has read (a private conversation,
// chat.ConvInfo.Seen), or in a group that one other member at least has
// read (GroupSeenBy says who), or 0: where the timeline shows "Seen".
// Rooms have none.
func (m *Model) SeenAt(id string) uint64 {
	c := m.Convs[id]
	if c == nil || c.Info.Kind != chat.KindPrivate {
		return 0
	}
	seen := c.Info.Seen
	if c.Info.Group != nil {
		seen = m.groupSeenMost(c) // read by one member at least (group.go)
	}
	if seen == 0 {
		return 0
	}
	for i := len(c.Entries) - 1; i >= 0; i-- {
		e := c.Entries[i]
		if e.Seq <= seen && e.Kind == chat.EntryMessage && html.UnescapeString(e.From) == m.Me {
			return e.Seq
		}
	}
	return 0
}

// Typed sends what Model.Typed makes of a change of the composer's text
// in conversation conv. Offline, or with the connection busy, the signal
// is dropped: it is worth nothing later.
func (s *Session) Typed(conv, text string) error {
	f := s.model.Typed(conv, text)
	if f == nil {
		return nil
	}
	if err := s.Send(f); err != nil && !errors.Is(err, ErrOffline) && !errors.Is(err, ErrBusy) {
		return fmt.Errorf("client: writing a typing signal: %w", err)
	}
	return nil
}
