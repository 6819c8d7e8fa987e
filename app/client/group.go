package client

import (
	"fmt"
	"html"
	"slices"
	"sort"

	"github.com/founding/chat/app/chat"
)

// Group conversations as the client holds them (chat/group.go): a private
// conversation of three or more people, whose chat.ConvInfo.Group lists
// its members and how far each has read it. The Model keeps the read
// positions that Seen frames bring (each names its reader); the Session
// starts groups, adds people to them and leaves them. What a member was
// added too late to see, the server never sends: the window starts at the
// entry that says they were added.

// IsGroup reports whether conversation id is a group conversation the
// user is in.
func (m *Model) IsGroup(id string) bool {
	c := m.Convs[id]
	return c != nil && chat.IsGroup(id) && c.Info.Group != nil
}

// GroupMembers returns the members of group id (unescaped, sorted, the
// user too), or nil for a conversation that is not a group.
func (m *Model) GroupMembers(id string) []string {
	if !m.IsGroup(id) {
		return nil
	}
	return unescapeAll(m.Convs[id].Info.Group.Members)
}

// GroupSeenBy returns the other members of group id (unescaped, sorted)
// who have read it up to seq at least: who saw the user's message seq.
func (m *Model) GroupSeenBy(id string, seq uint64) []string {
	if !m.IsGroup(id) || seq == 0 {
		return nil
	}
	var by []string
	for name, read := range m.Convs[id].Info.Group.Reads {
		if read >= seq && html.UnescapeString(name) != m.Me {
			by = append(by, html.UnescapeString(name))
		}
	}
	sort.Strings(by)
	return by
}

// groupSeen raises how far the member a Seen frame names has read group c.
func groupSeen(c *Conversation, f *chat.Seen) {
	g := c.Info.Group
	if f.User == "" || f.Seq <= g.Reads[f.User] {
		return
	}
	reads := make(map[string]uint64, len(g.Reads)+1) // Info may be a copy the UI holds
	for name, seq := range g.Reads {
		reads[name] = seq
	}
	reads[f.User] = f.Seq
	copied := *g
	copied.Reads = reads
	c.Info.Group = &copied
}

// groupSeenMost is the furthest any other member has read group c: how
// far "Seen" may go.
func (m *Model) groupSeenMost(c *Conversation) uint64 {
	var most uint64
	for name, seq := range c.Info.Group.Reads {
		if html.UnescapeString(name) != m.Me {
			most = max(most, seq)
		}
	}
	return most
}

// NewGroup asks the server to start a group conversation of the user and
// the people named with (at least two others; the user's own name is left
// out), named name or, when it is empty, by its members. The server
// answers with a Conv frame, or an Error whose Ref is chat.TypeNewGroup.
// Offline it fails with ErrOffline: a group is not started later.
func (s *Session) NewGroup(name string, with []string) error {
	others := make([]string, 0, len(with))
	for _, w := range with {
		if w != s.model.Me && !slices.Contains(others, w) {
			others = append(others, w)
		}
	}
	f := &chat.NewGroup{Name: name, With: others}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.sendGroup(f)
}

// AddToGroup asks the server to add the people named names to group conv.
// They will see what is said from then on.
func (s *Session) AddToGroup(conv string, names []string) error {
	f := &chat.AddToGroup{Conv: conv, Names: names}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.sendGroup(f)
}

// RenameGroup asks the server to give group conv the name name, or, when
// it is empty, to show it by its members' names again.
func (s *Session) RenameGroup(conv, name string) error {
	f := &chat.RenameGroup{Conv: conv, Name: name}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.sendGroup(f)
}

// LeaveGroup asks the server to take the user out of group conv: every
// device of theirs loses it (a Gone frame), and the others see that they
// left.
func (s *Session) LeaveGroup(conv string) error {
	if !chat.IsGroup(conv) {
		return fmt.Errorf("client: %q is not a group conversation", conv)
	}
	return s.sendGroup(&chat.Leave{Conv: conv})
}

func (s *Session) sendGroup(f chat.Frame) error {
	if err := s.Send(f); err != nil {
		return fmt.Errorf("client: writing a %s: %w", f.FrameType(), err)
	}
	return nil
}
