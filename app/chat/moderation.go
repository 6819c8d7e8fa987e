package chat

// Room moderation and muting on the wire (docs/protocol.md, "Moderation").
//
// Whoever creates a room owns it; the server's admins moderate every room.
// Owners and admins (ConvInfo.Moderator) make a room invite-only or open
// (SetInviteOnly), remove a member (Remove), ban a name (Ban, Unban) and
// delete anyone's message (Delete). In an invite-only room a member invites
// someone (Invite); the invitee's Invites list gains the invitation, which
// a Join of the room uses up and a Decline drops. Every one of these is an
// entry of the room (EntryRemove, ...), so it is part of history.
//
// Mute and Unmute hide someone's messages from the user alone, on every
// device: the Welcome carries the list (Mutes), and a Mutes frame replaces
// it after each change. The muted person is told nothing.

// Moderation frames a client sends.
const (
	TypeSetInviteOnly Type = "set_invite_only"
	TypeRemove        Type = "remove"
	TypeBan           Type = "ban"
	TypeUnban         Type = "unban"
	TypeInvite        Type = "invite"
	TypeDecline       Type = "decline"
	TypeMute          Type = "mute"
	TypeUnmute        Type = "unmute"
)

// Moderation frames a server sends.
const (
	TypeInvites Type = "invites"
	TypeMutes   Type = "mutes"
	TypeBans    Type = "bans"
)

// Moderation entry kinds. From is the moderator (or the inviter), Subject
// the name acted upon; HTML says it in English ("removed Bob"), for clients
// that do not know the kind.
const (
	EntryRemove     EntryKind = "remove"      // Subject is no longer a member
	EntryBan        EntryKind = "ban"         // Subject is banned, and no longer a member
	EntryUnban      EntryKind = "unban"       // Subject may join again
	EntryInvite     EntryKind = "invite"      // Subject is invited to the invite-only room
	EntryInviteOnly EntryKind = "invite_only" // On: the room became invite-only; otherwise open
)

// Moderation error codes.
const (
	CodeNotOwner       Code = "not_owner"       // only the room's owner or an admin may do that
	CodeInviteOnly     Code = "invite_only"     // the room is invite-only and the user has no invitation
	CodeBanned         Code = "banned"          // the name is banned from the room
	CodeCannotModerate Code = "cannot_moderate" // that person or room cannot be moderated so (the lobby, oneself, the owner, an admin)
	CodeAlreadyMember  Code = "already_member"  // the invitee is in the room already
)

// IsModeration reports whether kind is one of the moderation entry kinds.
func IsModeration(kind EntryKind) bool {
	switch kind {
	case EntryRemove, EntryBan, EntryUnban, EntryInvite, EntryInviteOnly, EntryRetention:
		return true
	}
	return false
}

// SetInviteOnly makes room Conv invite-only (On) or open again. Only its
// owner or an admin may.
type SetInviteOnly struct {
	Conv string `json:"conv"`
	On   bool   `json:"on"`
}

// Remove ends the membership of the user named Name in room Conv; they may
// join again, unless the room is invite-only. Only its owner or an admin
// may.
type Remove struct {
	Conv string `json:"conv"`
	Name string `json:"name"`
}

// Ban keeps the user named Name out of room Conv (removing them if they are
// in it) until an Unban. Only its owner or an admin may.
type Ban struct {
	Conv string `json:"conv"`
	Name string `json:"name"`
}

// Unban lets the user named Name join room Conv again.
type Unban struct {
	Conv string `json:"conv"`
	Name string `json:"name"`
}

// Invite invites the user named Name to the invite-only room Conv, which
// the sender is a member of.
type Invite struct {
	Conv string `json:"conv"`
	Name string `json:"name"`
}

// Decline drops the user's invitation to room Conv.
type Decline struct {
	Conv string `json:"conv"`
}

// Mute hides the messages of the user named Name from the sender, on all
// their devices.
type Mute struct {
	Name string `json:"name"`
}

// Unmute shows the messages of the user named Name again.
type Unmute struct {
	Name string `json:"name"`
}

// Invitation is an invitation the user holds: to room Conv, shown as Room,
// from By (both HTML-escaped). Joining the room by its name uses it up.
type Invitation struct {
	Conv string `json:"conv"`
	Room string `json:"room"`
	By   string `json:"by"`
}

// Invites replaces the list of the user's invitations, after one arrived,
// was used or was declined on any device.
type Invites struct {
	List []Invitation `json:"list"`
}

// Mutes replaces the list of the names (HTML-escaped, as in Entry.From)
// the user has muted, after a change on any device.
type Mutes struct {
	Names []string `json:"names"`
}

// Bans lists the names (HTML-escaped) banned from room Conv. Only the
// room's moderators get it: after they connect, and after every change.
type Bans struct {
	Conv  string   `json:"conv"`
	Names []string `json:"names"`
}

// FrameType implementations.

func (SetInviteOnly) FrameType() Type { return TypeSetInviteOnly }
func (Remove) FrameType() Type        { return TypeRemove }
func (Ban) FrameType() Type           { return TypeBan }
func (Unban) FrameType() Type         { return TypeUnban }
func (Invite) FrameType() Type        { return TypeInvite }
func (Decline) FrameType() Type       { return TypeDecline }
func (Mute) FrameType() Type          { return TypeMute }
func (Unmute) FrameType() Type        { return TypeUnmute }
func (Invites) FrameType() Type       { return TypeInvites }
func (Mutes) FrameType() Type         { return TypeMutes }
func (Bans) FrameType() Type          { return TypeBans }

// Validate checks a SetInviteOnly.
func (f *SetInviteOnly) Validate() error { return convID(TypeSetInviteOnly, f.Conv) }

// Validate checks a Remove.
func (f *Remove) Validate() error { return convAndName(TypeRemove, f.Conv, f.Name) }

// Validate checks a Ban.
func (f *Ban) Validate() error { return convAndName(TypeBan, f.Conv, f.Name) }

// Validate checks an Unban.
func (f *Unban) Validate() error { return convAndName(TypeUnban, f.Conv, f.Name) }

// Validate checks an Invite.
func (f *Invite) Validate() error { return convAndName(TypeInvite, f.Conv, f.Name) }

// Validate checks a Decline.
func (f *Decline) Validate() error { return convID(TypeDecline, f.Conv) }

// Validate checks a Mute.
func (f *Mute) Validate() error { return userName(TypeMute, f.Name) }

// Validate checks an Unmute.
func (f *Unmute) Validate() error { return userName(TypeUnmute, f.Name) }

// Validate checks an Invites frame.
func (f *Invites) Validate() error {
	for _, inv := range f.List {
		if inv.Conv == "" {
			return Errorf(CodeMissingField, "invitation has no conv")
		}
	}
	return nil
}

// Validate checks a Mutes frame.
func (f *Mutes) Validate() error { return nil }

// Validate checks a Bans frame.
func (f *Bans) Validate() error { return required(TypeBans, "conv", f.Conv) }

// convAndName checks a frame naming a conversation and a user.
func convAndName(t Type, conv, name string) error {
	if err := convID(t, conv); err != nil {
		return err
	}
	return userName(t, name)
}

// userName checks a user name a frame carries.
func userName(t Type, name string) error {
	if err := required(t, "name", name); err != nil {
		return err
	}
	_, err := CleanName(name)
	return withRef(t, err)
}

// The moderation frames join the decoders' tables here rather than in
// frame.go, so that this feature lives in one file.
func init() {
	for t, f := range map[Type]func() Frame{
		TypeSetInviteOnly: func() Frame { return &SetInviteOnly{} },
		TypeRemove:        func() Frame { return &Remove{} },
		TypeBan:           func() Frame { return &Ban{} },
		TypeUnban:         func() Frame { return &Unban{} },
		TypeInvite:        func() Frame { return &Invite{} },
		TypeDecline:       func() Frame { return &Decline{} },
		TypeMute:          func() Frame { return &Mute{} },
		TypeUnmute:        func() Frame { return &Unmute{} },
	} {
		clientFrames[t] = f
	}
	serverFrames[TypeInvites] = func() Frame { return &Invites{} }
	serverFrames[TypeMutes] = func() Frame { return &Mutes{} }
	serverFrames[TypeBans] = func() Frame { return &Bans{} }
}
