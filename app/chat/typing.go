package chat

import "time"

// Typing and "Seen": signals that are not history. A Typing frame from a
// client becomes a Typist frame at the other members' connections and is
// never stored; a Seen frame tells a member of a private conversation how
// far the other member has read (their read position, which the server
// keeps anyway: see Read and Cursor). docs/protocol.md tells the rules.

// Frame types of typing and seen positions.
const (
	// TypeTyping is a client frame: the user is typing in a conversation,
	// or stopped.
	TypeTyping Type = "typing"
	// TypeTypist is a server frame: another member is typing, or stopped.
	TypeTypist Type = "typist"
	// TypeSeen is a server frame: the other member of a private
	// conversation read it up to a sequence.
	TypeSeen Type = "seen"
)

// Timing of typing signals, shared by the client that sends them and the
// one that shows them.
const (
	// TypingEvery is how often, at most, a client repeats Typing{On: true}
	// while its user keeps typing in one conversation.
	TypingEvery = 3 * time.Second
	// TypingShown is how long a client shows someone as typing after their
	// last signal, unless a stop or their message comes first. Two periods
	// of TypingEvery: one lost or late signal does not blink the line.
	TypingShown = 6 * time.Second
)

// Typing says that the user is typing in Conv (On) or stopped (On false:
// the box was emptied or the message sent). The server relays it to the
// other members online, except in a crowded room, and stores nothing.
type Typing struct {
	Conv string `json:"conv"`
	On   bool   `json:"on"`
}

// Typist says that User (an HTML-escaped name, as in Entry.From) is typing
// in Conv (On), or stopped. A client shows it for TypingShown after the
// last one with On, and stops at once on one without, or when an entry
// from User arrives in Conv.
type Typist struct {
	Conv string `json:"conv"`
	User string `json:"user"`
	On   bool   `json:"on"`
}

// Seen says that the other member of the private conversation Conv has
// read it up to Seq. It goes to every connection of the member who did
// not read, on every node; ConvInfo.Seen carries the same position in a
// Welcome or a Conv. Rooms have none (see docs/protocol.md).
//
// In a group conversation (group.go) User names the member who read
// (HTML-escaped), and ConvInfo.Group.Reads carries the positions.
type Seen struct {
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
	User string `json:"user,omitempty"`
}

// FrameType implementations.

func (Typing) FrameType() Type { return TypeTyping }
func (Typist) FrameType() Type { return TypeTypist }
func (Seen) FrameType() Type   { return TypeSeen }

// Validate checks a Typing: a conversation id.
func (f *Typing) Validate() error { return convID(TypeTyping, f.Conv) }

// Validate checks a Typist.
func (f *Typist) Validate() error {
	if f.Conv == "" || f.User == "" {
		return Errorf(CodeMissingField, "typist needs a conv and a user")
	}
	return nil
}

// Validate checks a Seen.
func (f *Seen) Validate() error { return required(TypeSeen, "conv", f.Conv) }
