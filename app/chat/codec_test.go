package chat_test

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

// wantCode fails the test unless err is a *chat.Error with code, or nil when
// code is empty. It returns the error for further checks.
func wantCode(t *testing.T, err error, code chat.Code) *chat.Error {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return nil
	}
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	e, ok := err.(*chat.Error)
	if !ok {
		t.Fatalf("error %T %v is not a *chat.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("error %v, want code %s", e, code)
	}
	return e
}

func mustEncode(t *testing.T, f chat.Frame) []byte {
	t.Helper()
	b, err := chat.Encode(f)
	if err != nil {
		t.Fatalf("Encode(%#v): %v", f, err)
	}
	return b
}

var testID = chat.MsgID{Device: "device-01", N: 7}

// clientFrames holds one frame of every type a client sends, with fields
// that exercise encoding (HTML characters, CJK, line breaks).
func clientFrames() []struct {
	name  string
	frame chat.Frame
} {
	return []struct {
		name  string
		frame chat.Frame
	}{
		{"ping", &chat.Ping{N: 42}},
		{"nick", &chat.Nick{Name: "小明"}},
		{"sendToConv", &chat.Send{ID: testID, Conv: "r:lobby", Text: "<b>hi</b> & \"you\"\nline 2\ttab"}},
		{"sendTo", &chat.Send{ID: testID, To: "bob", Text: "just us"}},
		{"join", &chat.Join{Room: "group A"}},
		{"leave", &chat.Leave{Conv: "r:group a"}},
		{"open", &chat.Open{With: "bob"}},
		{"historyLatest", &chat.History{Conv: "r:lobby"}},
		{"historyAfter", &chat.History{Conv: "r:lobby", After: 5, Limit: 200}},
		{"historyBefore", &chat.History{Conv: "r:lobby", Before: 10, Limit: 20}},
		{"resume", &chat.Resume{Cursors: map[string]uint64{"r:lobby": 3, "p:ann|bob": 0}}},
		{"read", &chat.Read{Conv: "r:lobby", Seq: 9}},
		{"setPassword", &chat.SetPassword{Old: "old password", New: "新しいパスワード"}},
		{"reply", &chat.Send{ID: testID, Conv: "r:lobby", Text: "yes <b>", Reply: 41}},
		{"edit", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 41, Text: "fixed <i>typo</i>\nline 2"}},
		{"delete", &chat.Delete{ID: testID, Conv: "p:1", Seq: 3}},
		{"reactOn", &chat.React{ID: testID, Conv: "r:lobby", Seq: 41, Emoji: "👍🏽", On: true}},
		{"reactOff", &chat.React{ID: testID, Conv: "r:lobby", Seq: 41, Emoji: "❤️"}},
		{"unpreview", &chat.Unpreview{ID: testID, Conv: "r:lobby", Seq: 41}},
		{"sendFiles", &chat.Send{ID: testID, Conv: "r:lobby", Text: "", Files: []string{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "234567ABCDEFGHIJKLMNOPQRST"}}},
		{"typingOn", &chat.Typing{Conv: "r:lobby", On: true}},
		{"follow", &chat.Follow{Conv: "t:r:lobby:41", On: true}},
		{"unfollow", &chat.Follow{Conv: "t:p:ann|bob:7"}},
		{"sendAlso", &chat.Send{ID: testID, Conv: "t:r:lobby:41", Text: "in the thread and the room", Also: true}},
		{"typingOff", &chat.Typing{Conv: "p:1"}},
		{"setInviteOnly", &chat.SetInviteOnly{Conv: "r:den", On: true}},
		{"remove", &chat.Remove{Conv: "r:den", Name: "Bob"}},
		{"ban", &chat.Ban{Conv: "r:den", Name: "小明"}},
		{"unban", &chat.Unban{Conv: "r:den", Name: "Bob"}},
		{"invite", &chat.Invite{Conv: "r:den", Name: "Cid"}},
		{"decline", &chat.Decline{Conv: "r:den"}},
		{"mute", &chat.Mute{Name: "Bob"}},
		{"unmute", &chat.Unmute{Name: "Bob"}},
		{"preview", &chat.Preview{N: 2, Text: "**bold** <b>\n- item\n```go\nx\n```"}},
		{"newGroup", &chat.NewGroup{Name: "Trip <2027> 北京", With: []string{"Bob", "小明"}}},
		{"newGroupUnnamed", &chat.NewGroup{With: []string{"Bob", "Cid", "Dee"}}},
		{"addToGroup", &chat.AddToGroup{Conv: "g:abc", Names: []string{"Eve", "小明"}}},
		{"renameGroup", &chat.RenameGroup{Conv: "g:abc", Name: "Trip <2027> 北京"}},
		{"unnameGroup", &chat.RenameGroup{Conv: "g:abc"}},
		{"search", &chat.Search{N: 3, Q: "deploy 北京", Conv: "r:lobby", From: "@Bob", Before: 1_700_000_500_000, After: 1_700_000_000_000, File: true, Cursor: "c1", Limit: 20}},
	}
}

func serverFrames() []struct {
	name  string
	frame chat.Frame
} {
	limits := chat.Limits{MaxTextRunes: chat.MaxTextRunes, MaxFrameBytes: chat.MaxFrameBytes, GroupLimit: 16}
	entry := chat.Entry{Conv: "r:lobby", Seq: 4, Time: 1_700_000_000_123, Kind: chat.EntryMessage, From: "ann &amp; co",
		HTML: `<div class="body">a &lt;b&gt;<br><a href="https://example.com/?a=1&amp;b=2">x</a></div>`}
	next := entry
	next.Seq, next.Kind, next.HTML = 5, chat.EntryJoin, `<div class="event">bob joined</div>`
	return []struct {
		name  string
		frame chat.Frame
	}{
		{"pong", &chat.Pong{N: 42}},
		{"welcomeNeedName", &chat.Welcome{NeedName: true, Version: "v1.2.3", Limits: limits}},
		{"welcome", &chat.Welcome{Me: "小明", Version: "dev", Limits: limits, Convs: []chat.ConvInfo{
			{ID: "r:lobby", Kind: chat.KindRoom, Name: "lobby", Last: 10, Read: 4},
			{ID: "p:1", Kind: chat.KindPrivate, Name: "&lt;bob&gt;", Last: 2},
			{ID: "t:r:lobby:4", Kind: chat.KindThread, Name: "a &lt;b&gt;", Last: 3, Read: 1},
		}}},
		{"threadSummary", &chat.Entry{Conv: "r:lobby", Seq: 6, Time: 7, Kind: chat.EntryThread, From: "bob", Target: 4, On: true}},
		{"threadRoot", &chat.Entry{Conv: "r:lobby", Seq: 4, Time: 7, Kind: chat.EntryMessage, From: "ann", HTML: "<p>x</p>",
			Thread: &chat.ThreadSummary{Replies: 2, Last: 9, Users: []string{"bob", "&lt;c&gt;"}}}},
		{"alsoInRoom", &chat.Entry{Conv: "r:lobby", Seq: 8, Time: 9, Kind: chat.EntryMessage, From: "bob", HTML: "<p>y</p>", Root: 4}},
		{"entry", &entry},
		{"page", &chat.Page{Conv: "r:lobby", Entries: []chat.Entry{entry, next}, First: 1, Last: 9}},
		{"ack", &chat.Ack{ID: testID, Conv: "r:lobby", Seq: 4, Time: 1_700_000_000_123}},
		{"conv", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "r:g", Kind: chat.KindRoom, Name: "group A", Last: 3, Read: 1}}},
		{"gone", &chat.Gone{Conv: "r:g"}},
		{"roster", &chat.Roster{Conv: "r:lobby", Users: []string{"ann", "&lt;b&gt;"}}},
		{"presence", &chat.Presence{Conv: "r:lobby", User: "bob", Online: true, Quiet: true}},
		{"error", &chat.Error{Code: chat.CodeRateLimited, Message: "slow <down>", Ref: chat.TypeSend, ID: &chat.MsgID{Device: "device-01", N: 3}}},
		{"batch", &chat.Batch{Frames: []chat.Frame{&entry, &chat.Ack{ID: testID, Conv: "r:lobby", Seq: 4, Time: 1}, &chat.Pong{N: 1}}}},
		{"cursor", &chat.Cursor{Conv: "r:lobby", Seq: 4}},
		{"account", &chat.Account{Me: "Ann", Password: true}},
		{"handover", &chat.Handover{Code: "AgAAAABpLc2A-one-time-code_"}},
		{"replyEntry", &chat.Entry{Conv: "r:lobby", Seq: 6, Time: 1, Kind: chat.EntryMessage, From: "bob",
			HTML: `<div class="body">yes</div>`, Reply: &chat.Quote{Seq: 4, From: "ann &amp; co", Text: "a &lt;b&gt;"}}},
		{"editEntry", &chat.Entry{Conv: "r:lobby", Seq: 7, Time: 2, Kind: chat.EntryEdit, From: "ann", HTML: `<div class="body">b</div>`, Target: 4}},
		{"deleteEntry", &chat.Entry{Conv: "r:lobby", Seq: 8, Time: 3, Kind: chat.EntryDelete, From: "ann", Target: 4}},
		{"previewEntry", &chat.Entry{Conv: "r:lobby", Seq: 10, Time: 5, Kind: chat.EntryPreview, Target: 4,
			Preview: &chat.LinkPreview{URL: "https://example.com/a?b=<c>", Title: "A <title>", Description: "d", Site: "Ex", Image: "/files/f1", Width: 320, Height: 160}}},
		{"reactEntry", &chat.Entry{Conv: "r:lobby", Seq: 9, Time: 4, Kind: chat.EntryReact, From: "bob", Target: 4, Emoji: "🎉", On: true}},
		{"foldedEntry", &chat.Entry{Conv: "r:lobby", Seq: 4, Time: 5, Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">b</div>`,
			Edited: 7, Upto: 9, Reactions: []chat.Reaction{{Emoji: "🎉", Users: []string{"bob", "&lt;c&gt;"}}}}},
		{"deletedEntry", &chat.Entry{Conv: "r:lobby", Seq: 4, Time: 5, Kind: chat.EntryMessage, From: "ann", HTML: chat.DeletedHTML, Deleted: true, Upto: 8}},
		{"typist", &chat.Typist{Conv: "r:lobby", User: "&lt;b&gt;", On: true}},
		{"seen", &chat.Seen{Conv: "p:1", Seq: 12}},
		{"convModerated", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "r:den", Kind: chat.KindRoom, Name: "den", Last: 3, Owner: "Ann", InviteOnly: true, Moderator: true}}},
		{"convSeen", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "p:1", Kind: chat.KindPrivate, Name: "bob", Last: 3, Read: 3, Seen: 2}}},
		{"banEntry", &chat.Entry{Conv: "r:den", Seq: 10, Time: 6, Kind: chat.EntryBan, From: "Ann", Subject: "&lt;b&gt;"}},
		{"invites", &chat.Invites{List: []chat.Invitation{{Conv: "r:den", Room: "den", By: "Ann"}}}},
		{"mutes", &chat.Mutes{Names: []string{"Bob", "&lt;c&gt;"}}},
		{"bans", &chat.Bans{Conv: "r:den", Names: []string{"Bob"}}},
		{"filesEntry", &chat.Entry{Conv: "r:lobby", Seq: 11, Time: 7, Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">look</div>`,
			Files: []chat.File{{ID: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Name: "a &lt;b&gt;.png", Type: "image/png", Size: 1234, Width: 600, Height: 400, Thumb: true}}}},
		{"rendered", &chat.Rendered{N: 2, HTML: `<div class="body" dir="auto"><strong>bold</strong> &lt;b&gt;</div>`}},
		{"results", &chat.Results{N: 3, Hits: []chat.Hit{{Conv: "r:lobby", Seq: 4, Time: 1, From: "ann", HTML: "a <mark>deploy</mark> &lt;b&gt;"}}, Cursor: "c2"}},
		{"convGroup", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "g:abc", Kind: chat.KindPrivate, Name: "Trip &lt;2027&gt;", Last: 9, Read: 4,
			Group: &chat.GroupInfo{Members: []string{"Ann", "Bob", "&lt;c&gt;"}, Named: true, Reads: map[string]uint64{"Bob": 4, "&lt;c&gt;": 9}}}}},
		{"seenGroup", &chat.Seen{Conv: "g:abc", Seq: 12, User: "&lt;c&gt;"}},
		{"renameEntry", &chat.Entry{Conv: "g:abc", Seq: 2, Time: 9, Kind: chat.EntryRename, From: "Ann", Subject: "Trip &lt;2027&gt;", HTML: `<div class="event">Ann named the group Trip &lt;2027&gt;</div>`}},
		{"addEntry", &chat.Entry{Conv: "g:abc", Seq: 1, Time: 8, Kind: chat.EntryAdd, From: "Ann", Subject: "Bob, &lt;c&gt;", HTML: `<div class="event">Ann added Bob, &lt;c&gt;</div>`}},
		{"welcomeBack", &chat.Welcome{Me: "Ann", Key: "ann", Password: true, Away: 1700000000000, Back: 1700000500000, Version: "v", Limits: limits}},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, f chat.Frame, decode func([]byte) (chat.Frame, error)) {
		t.Helper()
		b := mustEncode(t, f)
		prefix := `{"type":"` + string(f.FrameType()) + `"`
		if !bytes.HasPrefix(b, []byte(prefix)) {
			t.Errorf("encoding %s does not start with %s", b, prefix)
		}
		for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
			if bytes.Contains(b, []byte(esc)) {
				t.Errorf("encoding escapes HTML as %s: %s", esc, b)
			}
		}
		got, err := decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", b, got, f)
		}
		// AppendEncode keeps what dst held.
		appended, err := chat.AppendEncode([]byte("prefix"), f)
		if err != nil || string(appended) != "prefix"+string(b) {
			t.Errorf("AppendEncode = %q, %v; want prefix+%q", appended, err, b)
		}
	}
	seen := map[chat.Type]bool{}
	for _, tc := range clientFrames() {
		seen[tc.frame.FrameType()] = true
		t.Run("client/"+tc.name, func(t *testing.T) { check(t, tc.frame, chat.DecodeClient) })
	}
	for _, tc := range serverFrames() {
		seen[tc.frame.FrameType()] = true
		t.Run("server/"+tc.name, func(t *testing.T) { check(t, tc.frame, chat.DecodeServer) })
	}
	all := []chat.Type{
		chat.TypePing, chat.TypeNick, chat.TypeSend, chat.TypeJoin, chat.TypeLeave, chat.TypeOpen,
		chat.TypeHistory, chat.TypeResume, chat.TypeRead, chat.TypeSetPassword,
		chat.TypeEdit, chat.TypeDelete, chat.TypeReact, chat.TypeUnpreview,
		chat.TypePong, chat.TypeWelcome, chat.TypeEntry, chat.TypePage, chat.TypeAck, chat.TypeConv,
		chat.TypeGone, chat.TypeRoster, chat.TypePresence, chat.TypeError, chat.TypeBatch, chat.TypeCursor,
		chat.TypeAccount, chat.TypeHandover,
	}
	for _, typ := range all {
		if !seen[typ] {
			t.Errorf("no round trip case for frame type %s", typ)
		}
	}
}

// TestActionWireFormat pins the JSON of the new frames, which the UI and
// docs/protocol.md rely on.
func TestActionWireFormat(t *testing.T) {
	t.Parallel()
	id := chat.MsgID{Device: "dev12345", N: 3}
	for _, tc := range []struct {
		frame chat.Frame
		want  string
	}{
		{&chat.Send{ID: id, Conv: "r:lobby", Text: "yes", Reply: 41}, `{"type":"send","id":{"d":"dev12345","n":3},"conv":"r:lobby","text":"yes","reply":41}`},
		{&chat.Edit{ID: id, Conv: "r:lobby", Seq: 41, Text: "new"}, `{"type":"edit","id":{"d":"dev12345","n":3},"conv":"r:lobby","seq":41,"text":"new"}`},
		{&chat.Delete{ID: id, Conv: "r:lobby", Seq: 41}, `{"type":"delete","id":{"d":"dev12345","n":3},"conv":"r:lobby","seq":41}`},
		{&chat.React{ID: id, Conv: "r:lobby", Seq: 41, Emoji: "👍", On: true}, `{"type":"react","id":{"d":"dev12345","n":3},"conv":"r:lobby","seq":41,"emoji":"👍","on":true}`},
		{&chat.Unpreview{ID: id, Conv: "r:lobby", Seq: 41}, `{"type":"unpreview","id":{"d":"dev12345","n":3},"conv":"r:lobby","seq":41}`},
		{&chat.Entry{Conv: "r:lobby", Seq: 43, Time: 9, Kind: chat.EntryReact, From: "bob", Target: 41, Emoji: "👍", On: true},
			`{"type":"entry","conv":"r:lobby","seq":43,"time":9,"kind":"react","from":"bob","html":"","target":41,"emoji":"👍","on":true}`},
		{&chat.Entry{Conv: "r:lobby", Seq: 42, Time: 8, Kind: chat.EntryMessage, From: "bob", HTML: "<div>x</div>", Reply: &chat.Quote{Seq: 41, From: "ann", Text: "hi"}},
			`{"type":"entry","conv":"r:lobby","seq":42,"time":8,"kind":"msg","from":"bob","html":"<div>x</div>","reply":{"seq":41,"from":"ann","text":"hi"}}`},
	} {
		if got := string(mustEncode(t, tc.frame)); got != tc.want {
			t.Errorf("encoding:\n got %s\nwant %s", got, tc.want)
		}
	}
}

func TestEncodeKeepsHTMLAsIs(t *testing.T) {
	t.Parallel()
	html := `<div class="body">a &lt;b&gt; & <br></div>`
	b := mustEncode(t, &chat.Entry{Conv: "r:lobby", Seq: 1, HTML: html})
	if !bytes.Contains(b, []byte(`"html":"<div class=\"body\">a &lt;b&gt; & <br></div>"`)) {
		t.Fatalf("HTML not kept verbatim: %s", b)
	}
}

// TestFramesGoOneWay checks that a client cannot send server frames and a
// server cannot send client frames.
func TestFramesGoOneWay(t *testing.T) {
	t.Parallel()
	for _, tc := range serverFrames() {
		t.Run("clientSends/"+tc.name, func(t *testing.T) {
			f, err := chat.DecodeClient(mustEncode(t, tc.frame))
			wantCode(t, err, chat.CodeUnknownType)
			if f != nil {
				t.Errorf("frame %#v returned with the error", f)
			}
		})
	}
	for _, tc := range clientFrames() {
		t.Run("serverSends/"+tc.name, func(t *testing.T) {
			_, err := chat.DecodeServer(mustEncode(t, tc.frame))
			wantCode(t, err, chat.CodeUnknownType)
		})
	}
}

// TestClientTypesAreWhatAClientMaySend: ClientTypes lists every type of
// the client frames and nothing a server sends.
func TestClientTypesAreWhatAClientMaySend(t *testing.T) {
	t.Parallel()
	listed := chat.ClientTypes()
	for _, tc := range clientFrames() {
		if !slices.Contains(listed, tc.frame.FrameType()) {
			t.Errorf("ClientTypes() lacks %s", tc.frame.FrameType())
		}
	}
	for _, tc := range serverFrames() {
		if slices.Contains(listed, tc.frame.FrameType()) {
			t.Errorf("ClientTypes() lists %s, a server frame", tc.frame.FrameType())
		}
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	frames := []chat.Frame{
		&chat.Entry{Conv: "r:lobby", Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "<div>1</div>"},
		&chat.Entry{Conv: "r:lobby", Seq: 2, Kind: chat.EntryMessage, From: "bob", HTML: "<div>2</div>"},
		&chat.Ack{ID: testID, Conv: "r:lobby", Seq: 2, Time: 5},
		&chat.Presence{Conv: "r:lobby", User: "cid", Online: true},
	}

	t.Run("encodeMatchesAppendBatch", func(t *testing.T) {
		for n := 0; n <= len(frames); n++ {
			var encoded [][]byte
			payload := 0
			for _, f := range frames[:n] {
				b := mustEncode(t, f)
				encoded = append(encoded, b)
				payload += len(b)
			}
			got := mustEncode(t, &chat.Batch{Frames: frames[:n]})
			want := chat.AppendBatch(nil, encoded)
			if !bytes.Equal(got, want) {
				t.Errorf("%d frames: Encode = %s, AppendBatch = %s", n, got, want)
			}
			if size := chat.BatchSize(n, payload); size != len(want) {
				t.Errorf("%d frames: BatchSize = %d, len(AppendBatch) = %d", n, size, len(want))
			}
		}
	})

	t.Run("appendBatchKeepsDst", func(t *testing.T) {
		got := chat.AppendBatch([]byte("xx"), [][]byte{[]byte(`{"type":"pong","n":1}`)})
		if want := `xx{"type":"batch","frames":[{"type":"pong","n":1}]}`; string(got) != want {
			t.Errorf("AppendBatch = %s, want %s", got, want)
		}
	})

	t.Run("decodeReturnsInnerFrames", func(t *testing.T) {
		var encoded [][]byte
		for _, f := range frames {
			encoded = append(encoded, mustEncode(t, f))
		}
		f, err := chat.DecodeServer(chat.AppendBatch(nil, encoded))
		if err != nil {
			t.Fatal(err)
		}
		b, ok := f.(*chat.Batch)
		if !ok {
			t.Fatalf("decoded %T, want *chat.Batch", f)
		}
		if !reflect.DeepEqual(b.Frames, frames) {
			t.Errorf("inner frames:\n got %#v\nwant %#v", b.Frames, frames)
		}
	})

	t.Run("empty", func(t *testing.T) {
		f, err := chat.DecodeServer(mustEncode(t, &chat.Batch{}))
		if err != nil {
			t.Fatal(err)
		}
		if b := f.(*chat.Batch); len(b.Frames) != 0 {
			t.Errorf("empty batch decoded to %d frames", len(b.Frames))
		}
	})

	t.Run("nestedEncodeRefused", func(t *testing.T) {
		if b, err := chat.Encode(&chat.Batch{Frames: []chat.Frame{&chat.Pong{}, &chat.Batch{}}}); err == nil {
			t.Fatalf("nested batch encoded to %s", b)
		}
	})

	testCases := []struct {
		name string
		data string
		code chat.Code
	}{
		{"nested", `{"type":"batch","frames":[{"type":"pong","n":1},{"type":"batch","frames":[{"type":"pong","n":2}]}]}`, chat.CodeBadRequest},
		{"innerUnknown", `{"type":"batch","frames":[{"type":"shout"}]}`, chat.CodeUnknownType},
		{"innerClientFrame", `{"type":"batch","frames":[{"type":"ping","n":1}]}`, chat.CodeUnknownType},
		{"innerNoType", `{"type":"batch","frames":[{"n":1}]}`, chat.CodeMissingField},
		{"innerNotObject", `{"type":"batch","frames":[1]}`, chat.CodeBadJSON},
		{"innerWrongField", `{"type":"batch","frames":[{"type":"pong","n":"x"}]}`, chat.CodeBadJSON},
		{"innerInvalid", `{"type":"batch","frames":[{"type":"entry","conv":"r:lobby"}]}`, chat.CodeMissingField},
		{"framesNotArray", `{"type":"batch","frames":{"type":"pong"}}`, chat.CodeBadJSON},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.DecodeServer([]byte(tc.data))
			wantCode(t, err, tc.code)
		})
	}
}

func TestDecodeClientErrors(t *testing.T) {
	t.Parallel()
	big := `{"type":"nick","name":"` + strings.Repeat("a", chat.MaxFrameBytes) + `"}`
	testCases := []struct {
		name    string
		data    string
		code    chat.Code
		mention string // a word the message must hold
		ref     chat.Type
	}{
		{name: "invalidUTF8", data: "{\"type\":\"nick\",\"name\":\"\xff\xfe\"}", code: chat.CodeInvalidUTF8},
		{name: "invalidUTF8Type", data: "{\"type\":\"\xc3\"}", code: chat.CodeInvalidUTF8},
		{name: "empty", data: "", code: chat.CodeBadJSON},
		{name: "notJSON", data: "hello", code: chat.CodeBadJSON},
		{name: "truncated", data: `{"type":"ping"`, code: chat.CodeBadJSON},
		{name: "array", data: `[{"type":"ping"}]`, code: chat.CodeBadJSON},
		{name: "number", data: `42`, code: chat.CodeBadJSON},
		{name: "string", data: `"ping"`, code: chat.CodeBadJSON},
		{name: "trailingData", data: `{"type":"ping"} {"type":"ping"}`, code: chat.CodeBadJSON},
		{name: "typeNotString", data: `{"type":5}`, code: chat.CodeBadJSON, mention: "type"},
		{name: "noType", data: `{"n":1}`, code: chat.CodeMissingField},
		{name: "emptyObject", data: `{}`, code: chat.CodeMissingField},
		{name: "emptyType", data: `{"type":""}`, code: chat.CodeMissingField},
		{name: "nullType", data: `{"type":null}`, code: chat.CodeMissingField},
		{name: "unknownType", data: `{"type":"shout","text":"hi"}`, code: chat.CodeUnknownType, mention: "shout"},
		{name: "typeCaseMatters", data: `{"type":"PING"}`, code: chat.CodeUnknownType},
		{name: "batchFromClient", data: `{"type":"batch","frames":[]}`, code: chat.CodeUnknownType},
		{name: "wrongFieldType", data: `{"type":"ping","n":"one"}`, code: chat.CodeBadJSON, mention: "field n", ref: chat.TypePing},
		{name: "negativeCounter", data: `{"type":"send","id":{"d":"device-01","n":-1},"conv":"r:lobby","text":"x"}`, code: chat.CodeBadJSON, mention: "id.n", ref: chat.TypeSend},
		{name: "fractionalLimit", data: `{"type":"history","conv":"r:lobby","limit":1.5}`, code: chat.CodeBadJSON, mention: "limit", ref: chat.TypeHistory},
		{name: "cursorsNotObject", data: `{"type":"resume","cursors":[1,2]}`, code: chat.CodeBadJSON, mention: "cursors", ref: chat.TypeResume},
		{name: "nameNotString", data: `{"type":"nick","name":["ann"]}`, code: chat.CodeBadJSON, mention: "name", ref: chat.TypeNick},
		{name: "tooBig", data: big, code: chat.CodeFrameTooBig},
		{name: "validationFails", data: `{"type":"nick","name":"a b"}`, code: chat.CodeBadName, ref: chat.TypeNick},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := chat.DecodeClient([]byte(tc.data))
			var ce *chat.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *chat.Error", err, err)
			}
			e := wantCode(t, err, tc.code)
			if tc.mention != "" && !strings.Contains(e.Message, tc.mention) {
				t.Errorf("message %q does not mention %q", e.Message, tc.mention)
			}
			if tc.ref != "" && e.Ref != tc.ref {
				t.Errorf("ref = %q, want %q", e.Ref, tc.ref)
			}
			if len(e.Message) > 300 {
				t.Errorf("message is %d bytes long", len(e.Message))
			}
		})
	}
}

func TestDecodeClientNullIsBadJSON(t *testing.T) {
	t.Parallel()
	_, err := chat.DecodeClient([]byte("null"))
	wantCode(t, err, chat.CodeBadJSON)
}

func TestDecodeClientSizeLimit(t *testing.T) {
	t.Parallel()
	frame := func(size int) []byte {
		head := `{"type":"ping","n":1,"pad":"` // unknown fields are ignored
		tail := `"}`
		return []byte(head + strings.Repeat("c", size-len(head)-len(tail)) + tail)
	}
	if _, err := chat.DecodeClient(frame(chat.MaxFrameBytes)); err != nil {
		t.Errorf("a frame of exactly MaxFrameBytes: %v", err)
	}
	_, err := chat.DecodeClient(frame(chat.MaxFrameBytes + 1))
	wantCode(t, err, chat.CodeFrameTooBig)
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	f, err := chat.DecodeClient([]byte(`{"type":"send","id":{"d":"device-01","n":1},"conv":"r:lobby","text":"hi","from":"bob","user":"bob"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &chat.Send{ID: chat.MsgID{Device: "device-01", N: 1}, Conv: "r:lobby", Text: "hi"}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("decoded %#v, want %#v", f, want)
	}
}

func TestDecodeServerValidates(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		data string
		code chat.Code
	}{
		{"welcomeWithoutMe", `{"type":"welcome","version":"v"}`, chat.CodeMissingField},
		{"convBadKind", `{"type":"conv","id":"x","kind":"channel"}`, chat.CodeBadRequest},
		{"convNoID", `{"type":"conv","kind":"room"}`, chat.CodeMissingField},
		{"welcomeBadConv", `{"type":"welcome","me":"ann","convs":[{"id":"x","kind":"?"}]}`, chat.CodeBadRequest},
		{"entryNoSeq", `{"type":"entry","conv":"r:lobby"}`, chat.CodeMissingField},
		{"pageGap", `{"type":"page","conv":"c","entries":[{"conv":"c","seq":1},{"conv":"c","seq":3}]}`, chat.CodeBadRequest},
		{"pageForeignEntry", `{"type":"page","conv":"c","entries":[{"conv":"d","seq":1}]}`, chat.CodeBadRequest},
		{"pageNoConv", `{"type":"page","entries":[]}`, chat.CodeMissingField},
		{"ackNoSeq", `{"type":"ack","id":{"d":"device-01","n":1},"conv":"c"}`, chat.CodeMissingField},
		{"presenceNoUser", `{"type":"presence","conv":"c","online":true}`, chat.CodeMissingField},
		{"errorNoCode", `{"type":"error","message":"x"}`, chat.CodeMissingField},
		{"goneNoConv", `{"type":"gone"}`, chat.CodeMissingField},
		{"rosterNoConv", `{"type":"roster","users":[]}`, chat.CodeMissingField},
		{"cursorNoConv", `{"type":"cursor","seq":1}`, chat.CodeMissingField},
		{"invalidUTF8", "{\"type\":\"pong\",\"n\":1,\"x\":\"\xff\"}", chat.CodeInvalidUTF8},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.DecodeServer([]byte(tc.data))
			wantCode(t, err, tc.code)
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := chat.Errorf(chat.CodeBadName, "name %q is bad", "x y")
	if got, want := e.Error(), `bad_name: name "x y" is bad`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var err error = e
	var ce *chat.Error
	if !errors.As(err, &ce) || ce.Code != chat.CodeBadName {
		t.Errorf("errors.As failed for %v", err)
	}
}
