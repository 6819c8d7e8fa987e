package chat

// Preview: a client asks how a text would show as a message (its Markdown
// made into the server's markup) without posting it (Preview), and the
// server answers with that markup (Rendered). A client never makes the
// markup itself. docs/protocol.md describes both.

// Frame types of the preview.
const (
	TypePreview  Type = "preview"  // client: a text to show
	TypeRendered Type = "rendered" // server: its markup
)

func init() {
	clientFrames[TypePreview] = func() Frame { return &Preview{} }
	serverFrames[TypeRendered] = func() Frame { return &Rendered{} }
}

// Preview asks for the HTML that Text would have as a message. N is echoed
// in the answer, so a client can tell it from an older one.
type Preview struct {
	N    uint64 `json:"n"`
	Text string `json:"text"`
}

// FrameType implements Frame.
func (*Preview) FrameType() Type { return TypePreview }

// Validate checks a Preview: its text is one CleanText accepts, as a
// message's.
func (f *Preview) Validate() error {
	_, err := CleanText(f.Text)
	return withRef(TypePreview, err)
}

// Rendered answers the Preview numbered N: HTML is the server's markup of
// its text, as an entry's HTML would be (escaped, safe to insert as it
// is).
type Rendered struct {
	N    uint64 `json:"n"`
	HTML string `json:"html"`
}

// FrameType implements Frame.
func (*Rendered) FrameType() Type { return TypeRendered }

// Validate checks Rendered: any markup will do (a client shows the
// server's markup as it is).
func (f *Rendered) Validate() error { return nil }
