package chat

// TypeNotice is a server frame: a note "only visible to you" in a
// conversation, such as an outgoing webhook's or a slash command's
// ephemeral answer (docs/api.md). It is not history: it has no sequence,
// is never stored, counted as unread, or kept in the offline copy, and a
// reload forgets it.
const TypeNotice Type = "notice"

// Notice is a note in Conv for one user only: HTML (rendered like a
// message's) from From (an HTML-escaped name, as in Entry.From). It goes
// to every connection of that user subscribed to Conv, on every node.
type Notice struct {
	Conv string `json:"conv"`
	From string `json:"from"`
	HTML string `json:"html"`
}

// FrameType implements Frame.
func (Notice) FrameType() Type { return TypeNotice }

// Validate checks a Notice.
func (f *Notice) Validate() error {
	if f.Conv == "" || f.From == "" || f.HTML == "" {
		return Errorf(CodeMissingField, "notice needs a conv, a from and html")
	}
	return nil
}
