package chat

import "net/url"

// Link previews: for the first http(s) link of a message the server
// fetches the page (through its safe HTTP client) and appends an
// EntryPreview targeting the message, carrying a LinkPreview; chat.Apply
// folds it into the message's Preview, so history pages, every node and
// every client see it with no other path. The author of the message (or a
// room moderator) removes it with Unpreview, stored as an EntryPreview
// with no Preview. docs/protocol.md describes both.

// EntryPreview is an action: the message's link preview becomes Preview
// (removed when nil).
const EntryPreview EntryKind = "preview"

// TypeUnpreview is the client frame that removes a message's preview.
const TypeUnpreview Type = "unpreview"

func init() {
	clientFrames[TypeUnpreview] = func() Frame { return &Unpreview{} }
}

// LinkPreview is what a message shows of the page its first link leads
// to. Every string is plain text taken from the page (never HTML, never
// escaped): a client shows it as text. URL is the link (http or https);
// Image, when set, is the server's path of a thumbnail of the page's image
// (/files/<id>, served only to the conversation's members), Width and
// Height its pixels.
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Site        string `json:"site,omitempty"`
	Image       string `json:"image,omitempty"`
	Width       int    `json:"w,omitempty"`
	Height      int    `json:"h,omitempty"`
}

// SafeURL reports whether the preview's URL is an absolute http(s) URL, the
// only kind a client links to.
func (p *LinkPreview) SafeURL() bool {
	u, err := url.Parse(p.URL)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Unpreview removes the link preview of message Seq of Conv; its author
// may, and a room's moderators. It is stored as an EntryPreview without a
// preview, under its own ID like an Edit.
type Unpreview struct {
	ID   MsgID  `json:"id"`
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
}

// FrameType implements Frame.
func (*Unpreview) FrameType() Type { return TypeUnpreview }

// Validate checks an Unpreview: a well-formed id, a conversation and a
// sequence.
func (f *Unpreview) Validate() error {
	return withID(TypeUnpreview, f.ID, target(TypeUnpreview, f.ID, f.Conv, f.Seq))
}
