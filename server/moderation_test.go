package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// Integration tests of room moderation and mutes: real servers on
// JetStream, real websocket clients.

// withAdmins is fast() with the named admins.
func withAdmins(admins ...string) server.Options {
	o := fast()
	o.Admins = admins
	return o
}

// errorsAbout counts the errors c got about frames of type ref with code.
func errorsAbout(c *chattest.Client, ref chat.Type, code chat.Code) int {
	n := 0
	for _, f := range c.Frames() {
		if e, ok := f.(*chat.Error); ok && e.Ref == ref && e.Code == code {
			n++
		}
	}
	return n
}

// refusedWith sends f as c and waits for one more error about it with code.
func refusedWith(t *testing.T, c *chattest.Client, f chat.Frame, code chat.Code) {
	t.Helper()
	before := errorsAbout(c, f.FrameType(), code)
	c.Send(f)
	chattest.Eventually(t, chattest.Wait, func() bool { return errorsAbout(c, f.FrameType(), code) > before },
		"no "+string(code)+" error about "+string(f.FrameType())+"; got other frames")
}

// room joins c to room and returns the description the join brought (not
// one from before).
func room(t *testing.T, c *chattest.Client, name string) *chat.Conv {
	t.Helper()
	described := func() []*chat.Conv {
		var list []*chat.Conv
		for _, f := range c.Frames() {
			if cv, ok := f.(*chat.Conv); ok && cv.Name == name {
				list = append(list, cv)
			}
		}
		return list
	}
	before := len(described())
	c.Send(&chat.Join{Room: name})
	chattest.Eventually(t, chattest.Wait, func() bool { return len(described()) > before }, "no conv for the room "+name+" after joining it")
	return described()[before]
}

// moderationEntry waits for c to get the moderation entry of kind about
// subject (empty: any) in conv.
func moderationEntry(c *chattest.Client, conv string, kind chat.EntryKind, subject string) *chat.Entry {
	return chattest.Expect(c, func(e *chat.Entry) bool {
		return e.Conv == conv && e.Kind == kind && (subject == "" || e.Subject == subject)
	})
}

// noneOf checks that c got no frame of type T up to now: a ping's pong
// comes after every frame the server queued for c before it.
func noneOf[T any](t *testing.T, c *chattest.Client) {
	t.Helper()
	n := uint64(len(c.Frames()) + 1000)
	c.Send(&chat.Ping{N: n})
	chattest.Expect(c, func(p *chat.Pong) bool { return p.N == n })
	for _, f := range c.Frames() {
		if _, ok := any(f).(*T); ok {
			t.Fatalf("the client got a %T: %+v", f, f)
		}
	}
}

// withPassword gives c's user a password and connects again (a new
// connection is how the hub learns of it), returning the new client.
func withPassword(t testing.TB, s *chattest.Server, c *chattest.Client) *chattest.Client {
	t.Helper()
	c.Send(&chat.SetPassword{New: "correct horse battery"})
	chattest.Expect(c, func(a *chat.Account) bool { return a.Password })
	again := s.Dial(t, c.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Password })
	return again
}

func TestModerationRefusals(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	den := room(t, ann, "den")
	if !den.Moderator || den.Owner != "ann" {
		t.Fatalf("the creator's room: %+v; want ann owning and moderating it", den.ConvInfo)
	}
	if got := room(t, bob, "den"); got.Moderator || got.Owner != "ann" {
		t.Fatalf("a member's view of the room: %+v; want ann as owner, bob no moderator", got.ConvInfo)
	}
	for _, tc := range []struct {
		name  string
		who   *chattest.Client
		frame chat.Frame
		code  chat.Code
	}{
		{"memberMakesInviteOnly", bob, &chat.SetInviteOnly{Conv: den.ID, On: true}, chat.CodeNotOwner},
		{"memberRemoves", bob, &chat.Remove{Conv: den.ID, Name: "ann"}, chat.CodeNotOwner},
		{"memberBans", bob, &chat.Ban{Conv: den.ID, Name: "cy"}, chat.CodeNotOwner},
		{"memberUnbans", bob, &chat.Unban{Conv: den.ID, Name: "cy"}, chat.CodeNotOwner},
		{"outsiderModerates", cy, &chat.SetInviteOnly{Conv: den.ID, On: true}, chat.CodeNotMember},
		{"ownerRemovesThemself", ann, &chat.Remove{Conv: den.ID, Name: "ANN"}, chat.CodeCannotModerate},
		{"ownerRemovesNonMember", ann, &chat.Remove{Conv: den.ID, Name: "cy"}, chat.CodeNotMember},
		{"ownerBansNobody", ann, &chat.Ban{Conv: den.ID, Name: "nobody"}, chat.CodeNoSuchUser},
		{"lobbyInviteOnly", ann, &chat.SetInviteOnly{Conv: hub.LobbyID, On: true}, chat.CodeCannotModerate},
		{"inviteToOpenRoom", bob, &chat.Invite{Conv: den.ID, Name: "cy"}, chat.CodeBadRequest},
		{"muteThemself", ann, &chat.Mute{Name: "ann"}, chat.CodeBadRequest},
		{"muteNobody", ann, &chat.Mute{Name: "nobody"}, chat.CodeNoSuchUser},
		{"muteABadName", ann, &chat.Mute{Name: "<b>x</b>"}, chat.CodeBadName},
		{"banABadName", ann, &chat.Ban{Conv: den.ID, Name: "a\u0000b"}, chat.CodeBadName},
	} {
		t.Run(tc.name, func(t *testing.T) { refusedWith(t, tc.who, tc.frame, tc.code) })
	}

	ann.Send(&chat.SetInviteOnly{Conv: den.ID, On: true})
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && c.InviteOnly })
	refusedWith(t, cy, &chat.Join{Room: "den"}, chat.CodeInviteOnly)
	refusedWith(t, bob, &chat.Invite{Conv: den.ID, Name: "ann"}, chat.CodeAlreadyMember)
	ann.Send(&chat.Ban{Conv: den.ID, Name: "cy"})
	moderationEntry(bob, den.ID, chat.EntryBan, "cy")
	refusedWith(t, bob, &chat.Invite{Conv: den.ID, Name: "cy"}, chat.CodeBanned)
	refusedWith(t, cy, &chat.Join{Room: "den"}, chat.CodeBanned)
}

func TestRemovalEndsLiveMembershipAndIsHistory(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	den := room(t, ann, "den")
	room(t, bob, "den")
	bobTab := s.Dial(t, bob.Jar)
	chattest.Expect(bobTab, func(w *chat.Welcome) bool {
		return slices.ContainsFunc(w.Convs, func(c chat.ConvInfo) bool { return c.ID == den.ID })
	})

	ann.Send(&chat.Remove{Conv: den.ID, Name: "bob"})
	for _, c := range []*chattest.Client{bob, bobTab} {
		e := moderationEntry(c, den.ID, chat.EntryRemove, "bob")
		if e.From != "ann" || !strings.Contains(e.HTML, "removed bob") {
			t.Errorf("the removal as bob sees it: %+v", e)
		}
		chattest.Expect(c, func(g *chat.Gone) bool { return g.Conv == den.ID })
	}
	refusedWith(t, bob, &chat.Send{ID: msgID(1), Conv: den.ID, Text: "still here?"}, chat.CodeNotMember)

	ann.Send(&chat.History{Conv: den.ID})
	p := chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == den.ID })
	if !slices.ContainsFunc(p.Entries, func(e chat.Entry) bool { return e.Kind == chat.EntryRemove && e.Subject == "bob" }) {
		t.Fatalf("the removal is not in the room's history: %+v", p.Entries)
	}
	// A removal is not a ban: bob may come back to an open room.
	room(t, bob, "den")
}

func TestBanHoldsAgainstRejoinUntilLifted(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	den := room(t, ann, "den")
	room(t, bob, "den")
	ann.Send(&chat.Ban{Conv: den.ID, Name: "bob"})
	moderationEntry(bob, den.ID, chat.EntryBan, "bob")
	chattest.Expect(bob, func(g *chat.Gone) bool { return g.Conv == den.ID })
	bans := chattest.Expect(ann, func(b *chat.Bans) bool { return b.Conv == den.ID && len(b.Names) == 1 })
	if bans.Names[0] != "bob" {
		t.Fatalf("ban list = %v", bans.Names)
	}
	refusedWith(t, bob, &chat.Join{Room: "den"}, chat.CodeBanned)
	refusedWith(t, bob, &chat.Join{Room: "DEN"}, chat.CodeBanned)

	// The owner's next connection gets the ban list; a member never does.
	annTab := s.Dial(t, ann.Jar)
	chattest.Expect(annTab, func(b *chat.Bans) bool { return b.Conv == den.ID && slices.Equal(b.Names, []string{"bob"}) })
	room(t, cy, "den")
	noneOf[chat.Bans](t, cy)

	ann.Send(&chat.Unban{Conv: den.ID, Name: "bob"})
	moderationEntry(ann, den.ID, chat.EntryUnban, "bob")
	chattest.Expect(ann, func(b *chat.Bans) bool { return b.Conv == den.ID && len(b.Names) == 0 })
	room(t, bob, "den")
}

func TestInvitationFlow(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	den := room(t, ann, "den")
	ann.Send(&chat.SetInviteOnly{Conv: den.ID, On: true})
	moderationEntry(ann, den.ID, chat.EntryInviteOnly, "")

	ann.Send(&chat.Invite{Conv: den.ID, Name: "bob"})
	inv := chattest.Expect(bob, func(f *chat.Invites) bool { return len(f.List) == 1 })
	if got := inv.List[0]; got.Conv != den.ID || got.Room != "den" || got.By != "ann" {
		t.Fatalf("invitation = %+v", got)
	}
	moderationEntry(ann, den.ID, chat.EntryInvite, "bob")
	// Kept: bob's next connection finds it in the Welcome.
	bobTab := s.Dial(t, bob.Jar)
	chattest.Expect(bobTab, func(w *chat.Welcome) bool { return len(w.Invites) == 1 && w.Invites[0].Conv == den.ID })

	// Joining uses the invitation up, on every device.
	joined := room(t, bob, "den")
	if !joined.InviteOnly || joined.Moderator {
		t.Fatalf("bob's view of the room: %+v", joined.ConvInfo)
	}
	chattest.Expect(bobTab, func(f *chat.Invites) bool { return len(f.List) == 0 })

	// A member invites too; the invitee declines.
	bob.Send(&chat.Invite{Conv: den.ID, Name: "cy"})
	chattest.Expect(cy, func(f *chat.Invites) bool { return len(f.List) == 1 && f.List[0].By == "bob" })
	cy.Send(&chat.Decline{Conv: den.ID})
	chattest.Expect(cy, func(f *chat.Invites) bool { return len(f.List) == 0 })
	refusedWith(t, cy, &chat.Join{Room: "den"}, chat.CodeInviteOnly)

	// Opened again, anyone joins.
	ann.Send(&chat.SetInviteOnly{Conv: den.ID, On: false})
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && !c.InviteOnly })
	room(t, cy, "den")
}

func TestOwnerAndAdminDeleteAnyonesMessage(t *testing.T) {
	s := chattest.New(t, withAdmins("Root"))
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	root := withPassword(t, s, s.User(t, "root"))
	den := room(t, ann, "den")
	room(t, bob, "den")
	room(t, cy, "den")
	if got := room(t, root, "den"); !got.Moderator {
		t.Fatalf("the admin does not moderate: %+v", got.ConvInfo)
	}
	first := sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: den.ID, Text: "one"})
	second := sent(t, bob, actID("bob", 2), &chat.Send{ID: actID("bob", 2), Conv: den.ID, Text: "two"})

	cy.Send(&chat.Delete{ID: actID("cy", 1), Conv: den.ID, Seq: first.Seq})
	refused(t, cy, actID("cy", 1), chat.TypeDelete, chat.CodeNotAuthor)
	sent(t, ann, actID("ann", 1), &chat.Delete{ID: actID("ann", 1), Conv: den.ID, Seq: first.Seq})
	sent(t, root, actID("root", 1), &chat.Delete{ID: actID("root", 1), Conv: den.ID, Seq: second.Seq})
	chattest.Expect(cy, func(e *chat.Entry) bool { return e.Kind == chat.EntryDelete && e.Target == second.Seq })

	// The admin removes and bans in a room they do not own; nobody
	// removes the owner or an admin.
	root.Send(&chat.Ban{Conv: den.ID, Name: "cy"})
	moderationEntry(ann, den.ID, chat.EntryBan, "cy")
	refusedWith(t, root, &chat.Remove{Conv: den.ID, Name: "ann"}, chat.CodeCannotModerate)
	refusedWith(t, ann, &chat.Ban{Conv: den.ID, Name: "root"}, chat.CodeCannotModerate)
}

func TestAdminNeedsAPassword(t *testing.T) {
	s := chattest.New(t, withAdmins("root"))
	ann, root := s.User(t, "ann"), s.User(t, "root")
	den := room(t, ann, "den")
	if got := room(t, root, "den"); got.Moderator {
		t.Fatalf("an admin's name without a password moderates: %+v", got.ConvInfo)
	}
	refusedWith(t, root, &chat.SetInviteOnly{Conv: den.ID, On: true}, chat.CodeNotOwner)
}

func TestMuteIsKeptAndReachesEveryDevice(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "Bob")
	annTab := s.Dial(t, ann.Jar)
	chattest.Expect(annTab, func(w *chat.Welcome) bool { return !w.NeedName })

	ann.Send(&chat.Mute{Name: "bob"})
	for _, c := range []*chattest.Client{ann, annTab} {
		chattest.Expect(c, func(m *chat.Mutes) bool { return slices.Equal(m.Names, []string{"Bob"}) })
	}
	later := s.Dial(t, ann.Jar)
	chattest.Expect(later, func(w *chat.Welcome) bool { return slices.Equal(w.Mutes, []string{"Bob"}) })
	noneOf[chat.Mutes](t, bob)

	later.Send(&chat.Unmute{Name: "BOB"})
	chattest.Expect(ann, func(m *chat.Mutes) bool { return len(m.Names) == 0 })
}
