package chat

// Subprotocol is the websocket subprotocol of this version of the wire. A
// server refuses a handshake that does not offer it, so that an incompatible
// client fails loudly instead of misreading frames.
const Subprotocol = "chat.v1"

// Application limits. A peer that exceeds one gets an error frame naming it and
// the connection carries on.
const (
	// MaxTextRunes is the longest message text, in characters.
	MaxTextRunes = 4000
	// MaxNameRunes is the longest user or room name, in characters.
	MaxNameRunes = 32
	// MaxFrameBytes is the largest frame a client may send.
	MaxFrameBytes = 64 << 10
	// MaxHistoryLimit is the most entries one history request returns.
	MaxHistoryLimit = 200
	// DefaultHistoryLimit is the page size when a request names none.
	DefaultHistoryLimit = 50
	// MaxCursors is the most conversations one resume frame may name.
	MaxCursors = 1000
	// MaxConvIDBytes bounds a conversation id a client names.
	MaxConvIDBytes = 512
	// MaxQuoteRunes is the most characters of the replied-to message's
	// first line a reply's Quote holds.
	MaxQuoteRunes = 100
	// MaxReactions is the most different emoji under one message.
	MaxReactions = 20
	// MaxEmojiBytes bounds one reaction's emoji (the longest ZWJ and tag
	// sequences are under 30 bytes).
	MaxEmojiBytes = 64
	// MaxNesting is how deep a message's Markdown may nest quotes, lists,
	// emphasis and links inside each other.
	MaxNesting = 12
)

// Hard websocket read limits. They sit above the application limits so that
// an oversized frame normally gets an error frame; a peer that exceeds a hard
// limit is closed with StatusMessageTooBig (1009).
const (
	// ServerReadLimit is the largest websocket message the server reads.
	ServerReadLimit = 2 * MaxFrameBytes
	// ClientReadLimit is the largest websocket message a client reads. It
	// covers the largest frame a server sends: a batch or a history page,
	// which the server keeps under MaxServerFrameBytes.
	ClientReadLimit = 8 << 20
	// MaxServerFrameBytes bounds what a server puts in one websocket message
	// (batches and history pages). A single entry is far smaller.
	MaxServerFrameBytes = 4 << 20
)
