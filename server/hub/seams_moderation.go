package hub

import "context"

// Moderation is the part of the Directory that keeps rooms' rules (whether
// a room is invite-only, whom it bans), the invitations users hold and whom
// each user muted. A room's owner is in its ConvRecord. Its methods may be
// called concurrently.
type Moderation interface {
	// Rules returns the rules of room conv; a room whose rules never
	// changed has the zero RoomRules.
	Rules(ctx context.Context, conv string) (RoomRules, error)
	// SetInviteOnly makes room conv invite-only or open, and reports
	// whether that changed anything.
	SetInviteOnly(ctx context.Context, conv string, on bool) (changed bool, err error)
	// SetRetention sets room conv's retention policy (chat.SetRetention's
	// Days), and reports whether that changed anything.
	SetRetention(ctx context.Context, conv string, days int) (changed bool, err error)
	// SetBan bans m from room conv or lifts the ban, and reports whether
	// that changed anything.
	SetBan(ctx context.Context, conv string, m Member, banned bool) (changed bool, err error)
	// Invite records inv for user, replacing an earlier invitation to the
	// same room.
	Invite(ctx context.Context, user string, inv Invitation) error
	// DropInvitation removes user's invitation to conv and reports whether
	// there was one.
	DropInvitation(ctx context.Context, user, conv string) (dropped bool, err error)
	// Invitations lists user's invitations, sorted by conversation.
	Invitations(ctx context.Context, user string) ([]Invitation, error)
	// SetMute records that user muted m, or no longer does, and reports
	// whether that changed anything.
	SetMute(ctx context.Context, user string, m Member, muted bool) (changed bool, err error)
	// Mutes lists whom user muted, sorted by key.
	Mutes(ctx context.Context, user string) ([]Member, error)
	// WatchInvitations calls fn with the key of every user whose
	// invitations any process changes later. It returns once the watch is
	// set up; stop ends it.
	WatchInvitations(ctx context.Context, fn func(user string)) (stop func(), err error)
	// WatchMutes calls fn with the key of every user whose mutes any
	// process changes later. It returns once the watch is set up; stop
	// ends it.
	WatchMutes(ctx context.Context, fn func(user string)) (stop func(), err error)
}

// RoomRules are a room's moderation: whether joining needs an invitation,
// the users banned from it, sorted by key, and how long it keeps entries.
type RoomRules struct {
	InviteOnly bool
	Bans       []Member
	// RetainDays is the room's retention policy: chat.RetainDefault,
	// chat.RetainForever or a number of days.
	RetainDays int
}

// Banned reports whether the user key is banned by r.
func (r RoomRules) Banned(key string) bool {
	for _, m := range r.Bans {
		if m.Key == key {
			return true
		}
	}
	return false
}

// Invitation is an invitation a user holds to room Conv, named Room (as
// first typed), from By.
type Invitation struct {
	Conv string
	Room string
	By   Member
}
