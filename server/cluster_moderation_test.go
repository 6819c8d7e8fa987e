package server_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// TestModerationHoldsAcrossNodes: Ann owns a room on node 1, Bob is in it
// with a tab on node 2 and one on node 3. Ann's removal on node 1 takes the
// room from both of Bob's tabs, her ban holds when he tries to rejoin on
// node 2, the invite-only switch reaches a member on another node, and an
// invitation made on node 1 reaches the invitee on node 2.
func TestModerationHoldsAcrossNodes(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, _ := nodes(t, url, 3)
	ann := srvs[0].User(t, "ann")
	den := room(t, ann, "den")
	bob := srvs[1].User(t, "bob")
	room(t, bob, "den")
	bobThere := srvs[2].Dial(t, bob.Jar)
	chattest.Expect(bobThere, func(c *chat.Welcome) bool { return c.Me == "bob" })
	cy := srvs[1].User(t, "cy")
	room(t, cy, "den")

	ann.Send(&chat.Remove{Conv: den.ID, Name: "bob"})
	for _, tab := range []*chattest.Client{bob, bobThere} {
		chattest.Expect(tab, func(g *chat.Gone) bool { return g.Conv == den.ID })
		moderationEntry(tab, den.ID, chat.EntryRemove, "bob")
	}
	room(t, bob, "den") // removed, not banned
	chattest.Eventually(t, chattest.Wait, func() bool { return convsOf(bobThere, den.ID) == 1 }, "bob's rejoin did not reach his tab on node 3")

	ann.Send(&chat.Ban{Conv: den.ID, Name: "bob"})
	chattest.Eventually(t, chattest.Wait, func() bool { return gones(bobThere, den.ID) == 2 }, "the ban did not take the room from bob's tab on node 3")
	moderationEntry(bobThere, den.ID, chat.EntryBan, "bob")
	refusedWith(t, bob, &chat.Join{Room: "den"}, chat.CodeBanned)
	refusedWith(t, bobThere, &chat.Join{Room: "den"}, chat.CodeBanned)

	ann.Send(&chat.SetInviteOnly{Conv: den.ID, On: true})
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == den.ID && c.InviteOnly })
	dan := srvs[1].User(t, "dan")
	refusedWith(t, dan, &chat.Join{Room: "den"}, chat.CodeInviteOnly)
	ann.Send(&chat.Invite{Conv: den.ID, Name: "dan"})
	chattest.Expect(dan, func(f *chat.Invites) bool { return len(f.List) == 1 && f.List[0].Conv == den.ID })
	room(t, dan, "den")
}

// gones counts the Gone frames about conv that c got.
func gones(c *chattest.Client, conv string) int {
	n := 0
	for _, f := range c.Frames() {
		if g, ok := f.(*chat.Gone); ok && g.Conv == conv {
			n++
		}
	}
	return n
}

// convsOf counts the Conv frames about conv that c got.
func convsOf(c *chattest.Client, conv string) int {
	n := 0
	for _, f := range c.Frames() {
		if cv, ok := f.(*chat.Conv); ok && cv.ID == conv {
			n++
		}
	}
	return n
}
