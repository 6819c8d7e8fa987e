package chat

import (
	"strings"
	"unicode/utf8"
)

// Search: a client asks the server's full-text index (Search) and gets a
// page of hits, newest first (Results). docs/protocol.md describes both.

// Frame types of search.
const (
	TypeSearch  Type = "search"  // client: a query
	TypeResults Type = "results" // server: its answer
)

// Search limits.
const (
	// MaxSearchRunes is the longest query, in characters.
	MaxSearchRunes = 200
	// DefaultSearchLimit is how many hits a page holds when Limit is 0.
	DefaultSearchLimit = 20
	// MaxSearchLimit is the most hits one page may hold.
	MaxSearchLimit = 50
	// MaxSearchCursorBytes bounds the cursor a client hands back.
	MaxSearchCursorBytes = 512
)

func init() {
	clientFrames[TypeSearch] = func() Frame { return &Search{} }
	serverFrames[TypeResults] = func() Frame { return &Results{} }
}

// Search asks for the messages that hold every word of Q, in every
// conversation the user is in now, newest first. The filters narrow it:
// Conv to one conversation, From to one sender (a user name), Before and
// After to a time span (Unix ms, exclusive), File to messages with a file.
// Cursor, from the previous Results, asks for the page after it. N is
// echoed in the answer, so a client can tell it from an older one.
type Search struct {
	N      uint64 `json:"n"`
	Q      string `json:"q"`
	Conv   string `json:"conv,omitempty"`
	From   string `json:"from,omitempty"`
	Before int64  `json:"before,omitempty"`
	After  int64  `json:"after,omitempty"`
	File   bool   `json:"file,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// FrameType implements Frame.
func (*Search) FrameType() Type { return TypeSearch }

// Validate checks a Search.
func (f *Search) Validate() error {
	q := strings.TrimSpace(f.Q)
	switch {
	case q == "":
		return withRef(TypeSearch, Errorf(CodeEmptyText, "search for at least one word"))
	case utf8.RuneCountInString(f.Q) > MaxSearchRunes:
		return withRef(TypeSearch, Errorf(CodeTextTooLong, "a search is at most %d characters", MaxSearchRunes))
	case hasControl(q):
		return withRef(TypeSearch, Errorf(CodeBadText, "a search may not hold control characters"))
	case f.Conv != "" && len(f.Conv) > MaxConvIDBytes:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "oversized conversation id"))
	case utf8.RuneCountInString(f.From) > MaxSearchRunes:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "the sender's name is too long"))
	case f.Before < 0 || f.After < 0:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "before and after are Unix milliseconds"))
	case f.Before != 0 && f.After != 0 && f.After >= f.Before:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "after must be earlier than before"))
	case len(f.Cursor) > MaxSearchCursorBytes:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "the cursor is not one this server made"))
	case f.Limit < 0 || f.Limit > MaxSearchLimit:
		return withRef(TypeSearch, Errorf(CodeBadRequest, "search limit must be between 1 and %d", MaxSearchLimit))
	}
	return nil
}

// hasControl reports whether s holds a control character other than
// white space.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

// Results answers the Search numbered N: its Hits, newest first, and
// Cursor, to ask for the next page with, empty when there is no more.
type Results struct {
	N      uint64 `json:"n"`
	Hits   []Hit  `json:"hits"`
	Cursor string `json:"cursor,omitempty"`
}

// FrameType implements Frame.
func (*Results) FrameType() Type { return TypeResults }

// Validate checks Results.
func (f *Results) Validate() error {
	for _, h := range f.Hits {
		if h.Conv == "" || h.Seq == 0 {
			return Errorf(CodeBadRequest, "a search hit without its conversation or sequence")
		}
	}
	return nil
}

// Hit is one message found: where it is (Conv, Seq), when it was sent
// (Time, Unix ms) and by whom (From, HTML-escaped as in Entry), and HTML,
// its text escaped by the server with the words that matched in
// <mark></mark>: markup a client shows as it is. The text is cut around
// the first match when long, with "…" where it was cut.
type Hit struct {
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time"`
	From string `json:"from"`
	Bot  bool   `json:"bot,omitempty"` // From is a bot's account
	HTML string `json:"html"`
}
