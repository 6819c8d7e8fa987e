package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// paddedFrame returns a frame of type typ of exactly size bytes, padded
// with a field the server ignores, and fields (JSON, each with a trailing
// comma) before the pad.
func paddedFrame(t *testing.T, typ chat.Type, fields string, size int) []byte {
	t.Helper()
	head := `{"type":"` + string(typ) + `",` + fields + `"pad":"`
	tail := `"}`
	n := size - len(head) - len(tail)
	if n < 0 {
		t.Fatalf("a %s frame of %d bytes cannot hold %s", typ, size, fields)
	}
	return []byte(head + strings.Repeat("x", n) + tail)
}

// frameTypes lists the types of frames, for comparisons and messages.
func frameTypes(frames []chat.Frame) []chat.Type {
	out := make([]chat.Type, len(frames))
	for i, f := range frames {
		out[i] = f.FrameType()
	}
	return out
}

// withoutPongs returns frames but the pongs, which answer a test's own pings.
func withoutPongs(frames []chat.Frame) []chat.Frame {
	var out []chat.Frame
	for _, f := range frames {
		if f.FrameType() != chat.TypePong {
			out = append(out, f)
		}
	}
	return out
}

// TestBadInputGetsAnErrorAndHarmsNobody sends each kind of bad frame on a
// connection of its own and checks that the sender gets one error frame
// saying what was wrong, that the connection carries on, and that the other
// users see nothing of it.
func TestBadInputGetsAnErrorAndHarmsNobody(t *testing.T) {
	s := chattest.New(t, server.Options{
		PresenceGrace: time.Hour, // closing a test's connection makes no noise
		MessageRate:   1e6, MessageBurst: 1e6,
	})
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")
	ann.Send(&chat.Open{With: "bob"})
	private := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate }).ID
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == private })
	ann.Send(&chat.Join{Room: "den"})
	den := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Name == "den" }).ID
	bob.Send(&chat.Open{With: "cid"})
	theirs := chattest.Expect(bob, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate && c.Name == "cid" }).ID
	chattest.Expect(cid, func(c *chat.Conv) bool { return c.ID == theirs })

	badID := chat.MsgID{Device: "badinput-bad", N: 1}
	idJSON := `"id":{"d":"badinput-bad","n":1}`
	send := func(fields string) []byte { return []byte(`{"type":"send",` + idJSON + `,` + fields + `}`) }
	action := func(t chat.Type, fields string) []byte {
		return []byte(`{"type":"` + string(t) + `",` + idJSON + `,` + fields + `}`)
	}
	tests := []struct {
		name   string
		anon   bool // sent before the connection has a name
		binary bool // sent as a binary message
		raw    []byte
		code   chat.Code
		ref    chat.Type   // the error's Ref; empty when the frame's type is unknown
		id     *chat.MsgID // the error's ID, when it must have one
		bug    string      // a product bug that makes the case fail
	}{
		// Not JSON, or not an object.
		{name: "malformed JSON", raw: []byte(`{"type":"ping",`), code: chat.CodeBadJSON},
		{name: "a JSON array", raw: []byte(`[{"type":"ping","n":1}]`), code: chat.CodeBadJSON},
		{name: "a JSON number", raw: []byte(`42`), code: chat.CodeBadJSON},
		{name: "a JSON string", raw: []byte(`"ping"`), code: chat.CodeBadJSON},
		{name: "null", raw: []byte(`null`), code: chat.CodeBadJSON},
		{name: "empty message", raw: []byte(``), code: chat.CodeBadJSON},
		{name: "trailing garbage", raw: []byte(`{"type":"ping","n":1} x`), code: chat.CodeBadJSON},
		{name: "invalid UTF-8", raw: []byte("\xff\xfe\x00\x01 binary bytes"), code: chat.CodeInvalidUTF8},
		{name: "invalid UTF-8 in a string", raw: []byte("{\"type\":\"join\",\"room\":\"den\xc3\x28\"}"), code: chat.CodeInvalidUTF8},
		{name: "a binary message", binary: true, raw: []byte(`{"type":"ping","n":1}`), code: chat.CodeBadRequest},
		{name: "a frame just above the limit", raw: paddedFrame(t, chat.TypePing, `"n":1,`, chat.MaxFrameBytes+1), code: chat.CodeFrameTooBig},
		{name: "a frame at the hard limit", raw: paddedFrame(t, chat.TypePing, `"n":1,`, chat.ServerReadLimit), code: chat.CodeFrameTooBig},

		// The type.
		{name: "unknown type", raw: []byte(`{"type":"dance"}`), code: chat.CodeUnknownType},
		{name: "missing type", raw: []byte(`{"n":1}`), code: chat.CodeMissingField},
		{name: "empty type", raw: []byte(`{"type":"","n":1}`), code: chat.CodeMissingField},
		{name: "type of the wrong kind", raw: []byte(`{"type":7}`), code: chat.CodeBadJSON},
		{name: "a server frame: welcome", raw: []byte(`{"type":"welcome","me":"bob","version":"x"}`), code: chat.CodeUnknownType},
		{name: "a server frame: batch", raw: []byte(`{"type":"batch","frames":[{"type":"ping"}]}`), code: chat.CodeUnknownType},
		{name: "a server frame: pong", raw: []byte(`{"type":"pong","n":1}`), code: chat.CodeUnknownType},

		// Fields of the wrong type.
		{name: "string for a number", raw: []byte(`{"type":"ping","n":"one"}`), code: chat.CodeBadJSON, ref: chat.TypePing},
		{name: "negative sequence", raw: []byte(`{"type":"read","conv":"r:lobby","seq":-1}`), code: chat.CodeBadJSON, ref: chat.TypeRead},
		{name: "number for a text", raw: send(`"conv":"r:lobby","text":42`), code: chat.CodeBadJSON, ref: chat.TypeSend},
		{name: "array for cursors", raw: []byte(`{"type":"resume","cursors":[1,2]}`), code: chat.CodeBadJSON, ref: chat.TypeResume},
		{name: "string for a limit", raw: []byte(`{"type":"history","conv":"r:lobby","limit":"10"}`), code: chat.CodeBadJSON, ref: chat.TypeHistory},

		// Missing required fields, for every client frame that has one.
		{name: "nick without a name", raw: []byte(`{"type":"nick"}`), code: chat.CodeMissingField, ref: chat.TypeNick},
		{name: "send without an id", raw: []byte(`{"type":"send","conv":"r:lobby","text":"hi"}`), code: chat.CodeMissingField, ref: chat.TypeSend},
		{name: "send without a counter", raw: []byte(`{"type":"send","id":{"d":"badinput-bad"},"conv":"r:lobby","text":"hi"}`), code: chat.CodeMissingField, ref: chat.TypeSend},
		{name: "send without conv or to", raw: send(`"text":"hi"`), code: chat.CodeMissingField, ref: chat.TypeSend, id: &badID},
		{name: "send without text", raw: send(`"conv":"r:lobby"`), code: chat.CodeMissingField, ref: chat.TypeSend, id: &badID},
		{name: "join without a room", raw: []byte(`{"type":"join"}`), code: chat.CodeMissingField, ref: chat.TypeJoin},
		{name: "leave without a conv", raw: []byte(`{"type":"leave"}`), code: chat.CodeMissingField, ref: chat.TypeLeave},
		{name: "open without with", raw: []byte(`{"type":"open"}`), code: chat.CodeMissingField, ref: chat.TypeOpen},
		{name: "history without a conv", raw: []byte(`{"type":"history","limit":5}`), code: chat.CodeMissingField, ref: chat.TypeHistory},
		{name: "read without a conv", raw: []byte(`{"type":"read","seq":1}`), code: chat.CodeMissingField, ref: chat.TypeRead},
		{name: "set_password without new", raw: []byte(`{"type":"set_password","old":"whatever1"}`), code: chat.CodeMissingField, ref: chat.TypeSetPassword},

		// Texts.
		{name: "empty text", raw: send(`"conv":"r:lobby","text":""`), code: chat.CodeMissingField, ref: chat.TypeSend, id: &badID},
		{name: "white space only", raw: send(`"conv":"r:lobby","text":" \n\t\r\n \u3000"`), code: chat.CodeEmptyText, ref: chat.TypeSend, id: &badID},
		{name: "text of 4001 characters", raw: send(`"conv":"r:lobby","text":"` + strings.Repeat("字", chat.MaxTextRunes+1) + `"`), code: chat.CodeTextTooLong, ref: chat.TypeSend, id: &badID},
		{name: "control character", raw: send(`"conv":"r:lobby","text":"ring \u0007 bell"`), code: chat.CodeBadText, ref: chat.TypeSend, id: &badID},

		// Values the rules or the state refuse.
		{name: "frame before the nickname", anon: true, raw: []byte(`{"type":"join","room":"den"}`), code: chat.CodeNeedName, ref: chat.TypeJoin},
		{name: "send before the nickname", anon: true, raw: send(`"conv":"r:lobby","text":"hi"`), code: chat.CodeNeedName, ref: chat.TypeSend},
		{name: "bad nickname", anon: true, raw: []byte(`{"type":"nick","name":"<script>"}`), code: chat.CodeBadName, ref: chat.TypeNick},
		{name: "nickname too long", anon: true, raw: []byte(`{"type":"nick","name":"` + strings.Repeat("n", chat.MaxNameRunes+1) + `"}`), code: chat.CodeBadName, ref: chat.TypeNick},
		{name: "a second nickname", raw: []byte(`{"type":"nick","name":"zed"}`), code: chat.CodeHasName, ref: chat.TypeNick},
		{name: "bad room name", raw: []byte(`{"type":"join","room":"<b>den</b>"}`), code: chat.CodeBadRoom, ref: chat.TypeJoin},
		{name: "bad device", raw: []byte(`{"type":"send","id":{"d":"short","n":1},"conv":"r:lobby","text":"hi"}`), code: chat.CodeBadDevice, ref: chat.TypeSend, id: &chat.MsgID{Device: "short", N: 1}},
		{name: "send to both conv and to", raw: send(`"conv":"r:lobby","to":"bob","text":"hi"`), code: chat.CodeBadRequest, ref: chat.TypeSend, id: &badID},
		{name: "send to a conversation that does not exist", raw: send(`"conv":"r:nowhere","text":"hi"`), code: chat.CodeNoSuchConv, ref: chat.TypeSend, id: &badID},
		{name: "send to someone else's private conversation", raw: send(`"conv":"` + theirs + `","text":"hi"`), code: chat.CodeNoSuchConv, ref: chat.TypeSend, id: &badID},
		{name: "send to nobody", raw: send(`"to":"nobody","text":"hi"`), code: chat.CodeNoSuchUser, ref: chat.TypeSend, id: &badID},
		{name: "send to oneself", raw: send(`"to":"ANN","text":"hi"`), code: chat.CodeBadRequest, ref: chat.TypeSend, id: &badID},
		{name: "history limit -1", raw: []byte(`{"type":"history","conv":"r:lobby","limit":-1}`), code: chat.CodeBadRequest, ref: chat.TypeHistory},
		{name: "history limit 201", raw: []byte(`{"type":"history","conv":"r:lobby","limit":201}`), code: chat.CodeBadRequest, ref: chat.TypeHistory},
		{name: "history after and before", raw: []byte(`{"type":"history","conv":"r:lobby","after":1,"before":3}`), code: chat.CodeBadRequest, ref: chat.TypeHistory},
		{name: "history after a sequence from the future", raw: []byte(`{"type":"history","conv":"r:lobby","after":1000000}`), code: chat.CodeBadRequest, ref: chat.TypeHistory},
		{name: "history before a sequence from the future", raw: []byte(`{"type":"history","conv":"r:lobby","before":1000000}`), code: chat.CodeBadRequest, ref: chat.TypeHistory},
		{name: "history of a room one is not in", raw: []byte(`{"type":"history","conv":"` + den + `"}`), code: chat.CodeNotMember, ref: chat.TypeHistory},

		// Replies, edits, deletes and reactions.
		{name: "reply with to", raw: send(`"to":"bob","text":"hi","reply":1`), code: chat.CodeBadRequest, ref: chat.TypeSend, id: &badID},
		{name: "reply to a sequence from the future", raw: send(`"conv":"r:lobby","text":"hi","reply":1000000`), code: chat.CodeNoSuchMessage, ref: chat.TypeSend, id: &badID},
		{name: "edit without a seq", raw: action(chat.TypeEdit, `"conv":"r:lobby","text":"x"`), code: chat.CodeMissingField, ref: chat.TypeEdit, id: &badID},
		{name: "edit of a negative seq", raw: action(chat.TypeEdit, `"conv":"r:lobby","seq":-3,"text":"x"`), code: chat.CodeBadJSON, ref: chat.TypeEdit},
		{name: "edit with a control character", raw: action(chat.TypeEdit, `"conv":"r:lobby","seq":1,"text":"\u0007"`), code: chat.CodeBadText, ref: chat.TypeEdit, id: &badID},
		{name: "edit in someone else's private conversation", raw: action(chat.TypeEdit, `"conv":"`+theirs+`","seq":1,"text":"x"`), code: chat.CodeNoSuchConv, ref: chat.TypeEdit, id: &badID},
		{name: "delete without a conv", raw: action(chat.TypeDelete, `"seq":1`), code: chat.CodeMissingField, ref: chat.TypeDelete, id: &badID},
		{name: "delete of a sequence from the future", raw: action(chat.TypeDelete, `"conv":"r:lobby","seq":1000000`), code: chat.CodeNoSuchMessage, ref: chat.TypeDelete, id: &badID},
		{name: "reaction with markup", raw: action(chat.TypeReact, `"conv":"r:lobby","seq":1,"emoji":"<img src=x onerror=alert(1)>","on":true`), code: chat.CodeBadEmoji, ref: chat.TypeReact, id: &badID},
		{name: "reaction of two emoji", raw: action(chat.TypeReact, `"conv":"r:lobby","seq":1,"emoji":"👍👍","on":true`), code: chat.CodeBadEmoji, ref: chat.TypeReact, id: &badID},
		{name: "reaction with on not a boolean", raw: action(chat.TypeReact, `"conv":"r:lobby","seq":1,"emoji":"👍","on":"yes"`), code: chat.CodeBadJSON, ref: chat.TypeReact},
		{name: "reaction in a room one is not in", raw: action(chat.TypeReact, `"conv":"`+den+`","seq":1,"emoji":"👍","on":true`), code: chat.CodeNotMember, ref: chat.TypeReact, id: &badID},

		{name: "read beyond the last entry", raw: []byte(`{"type":"read","conv":"r:lobby","seq":1000000}`), code: chat.CodeBadRequest, ref: chat.TypeRead},
		{name: "read of a conversation that does not exist", raw: []byte(`{"type":"read","conv":"r:nowhere","seq":1}`), code: chat.CodeNoSuchConv, ref: chat.TypeRead},
		{name: "leave the lobby", raw: []byte(`{"type":"leave","conv":"` + hub.LobbyID + `"}`), code: chat.CodeCannotLeave, ref: chat.TypeLeave},
		{name: "leave a private conversation", raw: []byte(`{"type":"leave","conv":"` + private + `"}`), code: chat.CodeCannotLeave, ref: chat.TypeLeave},
		{name: "open with oneself", raw: []byte(`{"type":"open","with":"Ａｎｎ"}`), code: chat.CodeBadRequest, ref: chat.TypeOpen},
		{name: "open with nobody", raw: []byte(`{"type":"open","with":"nobody"}`), code: chat.CodeNoSuchUser, ref: chat.TypeOpen},
		{name: "resume of an empty conversation id", raw: []byte(`{"type":"resume","cursors":{"":1}}`), code: chat.CodeBadRequest, ref: chat.TypeResume},
		{name: "set_password with a wrong current password", raw: []byte(`{"type":"set_password","old":"not it at all","new":"correct horse 2"}`), code: chat.CodeBadPassword, ref: chat.TypeSetPassword},
		{name: "set_password too short", raw: []byte(`{"type":"set_password","new":"short"}`), code: chat.CodeBadPassword, ref: chat.TypeSetPassword},
	}
	// The history case above is about a room bob is in and ann is not; ann
	// made it, so bob joins it and ann leaves.
	bob.Send(&chat.Join{Room: "den"})
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den })
	ann.Send(&chat.Leave{Conv: den})
	chattest.Expect(ann, func(g *chat.Gone) bool { return g.Conv == den })
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Conv == den && e.Kind == chat.EntryLeave })
	chattest.Expect(bob, func(p *chat.Presence) bool { return p.Conv == den && p.User == "ann" && !p.Online })

	// ann has a password, so that changing it needs the current one.
	ann.Send(&chat.SetPassword{New: "correct horse battery"})
	chattest.Expect(ann, func(a *chat.Account) bool { return a.Password })

	watchers := map[string]*chattest.Client{"bob": bob, "cid": cid}
	var sent uint64 // the good messages sent so far, each with the next id
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.bug != "" {
				t.Skip("BUG: " + tt.bug)
			}
			var c *chattest.Client
			if tt.anon {
				c = s.Dial(t, nil)
				chattest.Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
			} else {
				c = s.Dial(t, ann.Jar) // a tab of ann's: a bad frame's strikes stay with it
				chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == "ann" })
			}
			before := map[string]int{}
			for name, w := range watchers {
				before[name] = len(w.Frames())
			}

			typ := websocket.MessageText
			if tt.binary {
				typ = websocket.MessageBinary
			}
			if err := writeRaw(c, typ, tt.raw); err != nil {
				t.Fatalf("write: %v", err)
			}
			e := chattest.Expect(c, func(e *chat.Error) bool { return true })
			if e.Code != tt.code || e.Ref != tt.ref {
				t.Errorf("error %s (ref %q): %s; want %s (ref %q)", e.Code, e.Ref, e.Message, tt.code, tt.ref)
			}
			if e.Message == "" {
				t.Error("the error has no message")
			}
			if tt.id != nil && (e.ID == nil || *e.ID != *tt.id) {
				t.Errorf("error id %v, want %v", e.ID, *tt.id)
			}

			// The connection carries on: a ping is answered, after exactly
			// one error, and a message goes through.
			c.Send(&chat.Ping{N: 42})
			chattest.Expect(c, func(p *chat.Pong) bool { return p.N == 42 })
			if n := countFrames[chat.Error](c, nil); n != 1 {
				t.Errorf("%d error frames, want 1", n)
			}
			want := []chat.Type{chat.TypeEntry}
			if tt.anon {
				name := fmt.Sprintf("anon%d", i)
				c.Send(&chat.Nick{Name: name})
				chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == name })
				want = []chat.Type{chat.TypePresence, chat.TypeEntry}
			}
			sent++
			good := chat.MsgID{Device: "badinput-good", N: sent}
			text := fmt.Sprintf("fine after case %d", i)
			c.Send(&chat.Send{ID: good, Conv: hub.LobbyID, Text: text})
			chattest.Expect(c, func(a *chat.Ack) bool { return a.ID == good })

			// The others saw nothing but that message (and the newcomer).
			// It was sent after the bad frame was handled, so anything the
			// bad frame caused would have come before it.
			for _, w := range watchers {
				chattest.Expect(w, func(e *chat.Entry) bool { return strings.Contains(e.HTML, text) })
			}
			// And nothing came after it: a ping each watcher sends now is
			// answered after whatever the server had queued for it.
			barrier := uint64(10_000 + i)
			for _, w := range watchers {
				w.Send(&chat.Ping{N: barrier})
				chattest.Expect(w, func(p *chat.Pong) bool { return p.N == barrier })
			}
			for name, w := range watchers {
				got := withoutPongs(w.Frames()[before[name]:])
				if fmt.Sprint(frameTypes(got)) != fmt.Sprint(want) {
					t.Errorf("%s received %v, want %v", name, frameTypes(got), want)
				}
			}
		})
	}
	if st := s.Stats(); st.Policy != 0 {
		t.Errorf("%d connections closed for bad frames; one bad frame each is allowed", st.Policy)
	}
}

func TestFrameOfExactlyTheLimitIsAccepted(t *testing.T) {
	s := chattest.New(t, server.Options{})
	ann := s.User(t, "ann")
	frame := paddedFrame(t, chat.TypePing, `"n":7,`, chat.MaxFrameBytes)
	if len(frame) != chat.MaxFrameBytes {
		t.Fatalf("frame of %d bytes", len(frame))
	}
	ann.SendRaw(frame)
	chattest.Expect(ann, func(p *chat.Pong) bool { return p.N == 7 })

	text := strings.Repeat("字", chat.MaxTextRunes)
	ann.Send(&chat.Send{ID: chat.MsgID{Device: "badinput-good", N: 1}, Conv: hub.LobbyID, Text: text})
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID.N == 1 })
	if n := countFrames[chat.Error](ann, nil); n != 0 {
		t.Errorf("%d errors for frames within the limits", n)
	}
}
