package chat

// Retention: how long a conversation's entries are kept. The server has a
// default for every conversation (its -retention flag); a room's owner or
// an admin may set the room's own policy with SetRetention, which the room's
// history records as an EntryRetention. The server removes the entries
// older than the policy on a schedule and then appends an EntryExpire whose
// Target is the first sequence it keeps: every client that sees it (live,
// or in the page of its next resume, whose First says the same) drops what
// it holds of the entries before it, its offline copy included.

// Retention frame type and entry kinds.
const (
	TypeSetRetention Type = "set_retention"

	// EntryRetention records a change of a room's policy: Days is the
	// new policy (RetainDays' values), From who changed it; HTML says it in
	// English for clients that do not know the kind.
	EntryRetention EntryKind = "retention"
	// EntryExpire says the entries before sequence Target were removed by
	// the retention policy. Clients show nothing of it.
	EntryExpire EntryKind = "expire"
)

// Values of SetRetention.Days and of a room's policy.
const (
	RetainForever = -1 // keep every entry, whatever the server's default
	RetainDefault = 0  // follow the server's default
	// MaxRetainDays bounds a policy: a hundred years.
	MaxRetainDays = 36500
)

// SetRetention sets room Conv's retention policy: Days entries are kept that
// many days, RetainForever for ever, RetainDefault as the server's default
// says. Only the room's owner or an admin may.
type SetRetention struct {
	Conv string `json:"conv"`
	Days int    `json:"days"`
}

// FrameType implements Frame.
func (SetRetention) FrameType() Type { return TypeSetRetention }

// Validate checks a SetRetention.
func (f *SetRetention) Validate() error {
	if err := convID(TypeSetRetention, f.Conv); err != nil {
		return err
	}
	if f.Days < RetainForever || f.Days > MaxRetainDays {
		return withRef(TypeSetRetention, Errorf(CodeBadRequest, "a retention of %d days; use -1 (forever), 0 (the server's default) or 1 to %d", f.Days, MaxRetainDays))
	}
	return nil
}

func init() {
	clientFrames[TypeSetRetention] = func() Frame { return &SetRetention{} }
}
