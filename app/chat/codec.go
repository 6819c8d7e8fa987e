package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"unicode/utf8"
)

// Encode returns the JSON of f with its "type" field first. HTML characters
// are not escaped into \u sequences: entries carry HTML, and escaping it again
// would only make frames bigger.
func Encode(f Frame) ([]byte, error) {
	return AppendEncode(nil, f)
}

// AppendEncode appends the JSON of f to dst and returns the extended slice.
func AppendEncode(dst []byte, f Frame) ([]byte, error) {
	if b, ok := f.(*Batch); ok {
		return appendBatch(dst, b.Frames)
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return dst, err
	}
	fields := bytes.TrimSpace(body.Bytes())
	if len(fields) < 2 || fields[0] != '{' {
		return dst, errors.New("chat: frame does not encode to a JSON object")
	}
	dst = append(dst, `{"type":"`...)
	dst = append(dst, f.FrameType()...)
	dst = append(dst, '"')
	if len(fields) > 2 {
		dst = append(dst, ',')
	}
	return append(dst, fields[1:]...), nil
}

func appendBatch(dst []byte, frames []Frame) ([]byte, error) {
	encoded := make([][]byte, 0, len(frames))
	for _, f := range frames {
		if f.FrameType() == TypeBatch {
			return dst, errors.New("chat: a batch cannot hold a batch")
		}
		b, err := Encode(f)
		if err != nil {
			return dst, err
		}
		encoded = append(encoded, b)
	}
	return AppendBatch(dst, encoded), nil
}

// AppendBatch appends a batch frame made of frames that are already encoded,
// without decoding or copying them twice. Servers use it to send everything
// queued for a connection in one websocket message.
func AppendBatch(dst []byte, frames [][]byte) []byte {
	dst = append(dst, `{"type":"batch","frames":[`...)
	for i, f := range frames {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, f...)
	}
	return append(dst, "]}"...)
}

// BatchSize returns the length of the batch AppendBatch would make of frames
// whose lengths sum to payload.
func BatchSize(count, payload int) int {
	const overhead = len(`{"type":"batch","frames":[`) + len("]}")
	if count == 0 {
		return overhead
	}
	return overhead + payload + count - 1
}

// DecodeClient parses and validates a frame a client sent. Every failure is
// an *Error whose code says what was wrong.
func DecodeClient(data []byte) (Frame, error) {
	if len(data) > MaxFrameBytes {
		return nil, Errorf(CodeFrameTooBig, "frame is %d bytes; the limit is %d", len(data), MaxFrameBytes)
	}
	f, err := decode(data, clientFrames)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

// ClientTypes returns the type of every frame a client may send, the ones
// DecodeClient accepts, sorted: a server serves each of them.
func ClientTypes() []Type { return slices.Sorted(maps.Keys(clientFrames)) }

// DecodeServer parses and validates a frame a server sent, batches included.
func DecodeServer(data []byte) (Frame, error) {
	f, err := decode(data, serverFrames)
	if err != nil {
		return nil, err
	}
	if b, ok := f.(*Batch); ok {
		if err := b.decodeFrames(data); err != nil {
			return nil, err
		}
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

// peek is the part of every frame that names its type.
type peek struct {
	Type *Type `json:"type"`
}

func decode(data []byte, known map[Type]func() Frame) (Frame, error) {
	if !utf8.Valid(data) {
		return nil, Errorf(CodeInvalidUTF8, "frame is not valid UTF-8")
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, Errorf(CodeBadJSON, "frame is not a JSON object")
	}
	var p peek
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, Errorf(CodeBadJSON, "frame is not a JSON object: %s", jsonProblem(err))
	}
	if p.Type == nil || *p.Type == "" {
		return nil, Errorf(CodeMissingField, "frame has no type")
	}
	newFrame, ok := known[*p.Type]
	if !ok {
		return nil, Errorf(CodeUnknownType, "unknown frame type %.40q", string(*p.Type))
	}
	f := newFrame()
	if f.FrameType() == TypeBatch {
		return f, nil
	}
	if err := json.Unmarshal(data, f); err != nil {
		e := Errorf(CodeBadJSON, "%s frame: %s", *p.Type, jsonProblem(err))
		e.Ref = *p.Type
		return nil, e
	}
	return f, nil
}

func (b *Batch) decodeFrames(data []byte) error {
	var raw struct {
		Frames []json.RawMessage `json:"frames"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Errorf(CodeBadJSON, "batch frame: %s", jsonProblem(err))
	}
	b.Frames = make([]Frame, 0, len(raw.Frames))
	for _, r := range raw.Frames {
		f, err := decode(r, serverFrames)
		if err != nil {
			return err
		}
		if f.FrameType() == TypeBatch {
			return Errorf(CodeBadRequest, "a batch cannot hold a batch")
		}
		b.Frames = append(b.Frames, f)
	}
	return nil
}

// jsonProblem turns a encoding/json error into a short message that names the
// offending field when it can.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return "field " + typeErr.Field + " must be " + typeErr.Type.String() + ", not " + typeErr.Value
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return "syntax error: " + syntaxErr.Error()
	}
	return err.Error()
}
