package chat_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestTypingAndSeenWireFormat pins the JSON of the typing and seen frames,
// which the UI and docs/protocol.md rely on, and round-trips each through
// the decoder of its direction only.
func TestTypingAndSeenWireFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		frame  chat.Frame
		want   string
		decode func([]byte) (chat.Frame, error)
		wrong  func([]byte) (chat.Frame, error)
	}{
		{&chat.Typing{Conv: "r:lobby", On: true}, `{"type":"typing","conv":"r:lobby","on":true}`, chat.DecodeClient, chat.DecodeServer},
		{&chat.Typing{Conv: "p:1"}, `{"type":"typing","conv":"p:1","on":false}`, chat.DecodeClient, chat.DecodeServer},
		{&chat.Typist{Conv: "r:lobby", User: "&lt;ann&gt;", On: true}, `{"type":"typist","conv":"r:lobby","user":"&lt;ann&gt;","on":true}`, chat.DecodeServer, chat.DecodeClient},
		{&chat.Seen{Conv: "p:1", Seq: 7}, `{"type":"seen","conv":"p:1","seq":7}`, chat.DecodeServer, chat.DecodeClient},
		{&chat.Conv{ConvInfo: chat.ConvInfo{ID: "p:1", Kind: chat.KindPrivate, Name: "bob", Last: 9, Read: 9, Seen: 7}},
			`{"type":"conv","id":"p:1","kind":"private","name":"bob","last":9,"read":9,"seen":7}`, chat.DecodeServer, chat.DecodeClient},
	} {
		b := mustEncode(t, tc.frame)
		if string(b) != tc.want {
			t.Errorf("encoding:\n got %s\nwant %s", b, tc.want)
		}
		got, err := tc.decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, tc.frame) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", b, got, tc.frame)
		}
		if _, err := tc.wrong(b); err == nil {
			t.Errorf("%s decodes the wrong way too", b)
		}
	}
}

func TestValidateTyping(t *testing.T) {
	t.Parallel()
	checkFrames(t, []frameCase{
		{"on", &chat.Typing{Conv: "r:lobby", On: true}, ""},
		{"stopped", &chat.Typing{Conv: "p:1"}, ""},
		{"noConv", &chat.Typing{On: true}, chat.CodeMissingField},
		{"hugeConv", &chat.Typing{Conv: strings.Repeat("r", chat.MaxConvIDBytes+1), On: true}, chat.CodeNoSuchConv},
	})
}

func TestValidateTypistAndSeen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		frame chat.Frame
		code  chat.Code
	}{
		{"typist", &chat.Typist{Conv: "r:lobby", User: "ann", On: true}, ""},
		{"typistNoUser", &chat.Typist{Conv: "r:lobby", On: true}, chat.CodeMissingField},
		{"typistNoConv", &chat.Typist{User: "ann"}, chat.CodeMissingField},
		{"seen", &chat.Seen{Conv: "p:1", Seq: 3}, ""},
		{"seenNoConv", &chat.Seen{Seq: 3}, chat.CodeMissingField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.DecodeServer(mustEncode(t, tc.frame))
			wantCode(t, err, tc.code)
		})
	}
}
