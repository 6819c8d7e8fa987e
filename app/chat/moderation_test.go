package chat_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestModerationFramesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frame  chat.Frame
		client bool
	}{
		{"set invite-only", &chat.SetInviteOnly{Conv: "r:den", On: true}, true},
		{"remove", &chat.Remove{Conv: "r:den", Name: "bob"}, true},
		{"ban", &chat.Ban{Conv: "r:den", Name: "bob"}, true},
		{"unban", &chat.Unban{Conv: "r:den", Name: "bob"}, true},
		{"invite", &chat.Invite{Conv: "r:den", Name: "bob"}, true},
		{"decline", &chat.Decline{Conv: "r:den"}, true},
		{"mute", &chat.Mute{Name: "bob"}, true},
		{"unmute", &chat.Unmute{Name: "bob"}, true},
		{"invites", &chat.Invites{List: []chat.Invitation{{Conv: "r:den", Room: "Den", By: "Ann"}}}, false},
		{"mutes", &chat.Mutes{Names: []string{"Bob"}}, false},
		{"bans", &chat.Bans{Conv: "r:den", Names: []string{"Bob"}}, false},
		{"conv with its rules", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "r:den", Kind: chat.KindRoom, Name: "Den", Owner: "Ann", InviteOnly: true, Moderator: true}}, false},
		{"moderation entry", &chat.Entry{Conv: "r:den", Seq: 3, Kind: chat.EntryBan, From: "Ann", Subject: "Bob", HTML: "<div>x</div>"}, false},
		{"welcome with mutes and invitations", &chat.Welcome{Me: "Ann", Mutes: []string{"Bob"}, Invites: []chat.Invitation{{Conv: "r:den", Room: "Den", By: "Cy"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := chat.Encode(tc.frame)
			if err != nil {
				t.Fatal(err)
			}
			decode := chat.DecodeServer
			if tc.client {
				decode = chat.DecodeClient
			}
			got, err := decode(data)
			if err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
			if !reflect.DeepEqual(got, tc.frame) {
				t.Fatalf("round trip of %s = %#v, want %#v", data, got, tc.frame)
			}
		})
	}
}

func TestModerationFramesValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		code chat.Code
	}{
		{"remove without a name", `{"type":"remove","conv":"r:den"}`, chat.CodeMissingField},
		{"ban without a room", `{"type":"ban","name":"bob"}`, chat.CodeMissingField},
		{"unban of a bad name", `{"type":"unban","conv":"r:den","name":"<b>x</b>"}`, chat.CodeBadName},
		{"invite of a bad name", `{"type":"invite","conv":"r:den","name":"a b"}`, chat.CodeBadName},
		{"decline without a room", `{"type":"decline"}`, chat.CodeMissingField},
		{"invite-only of a huge id", `{"type":"set_invite_only","conv":"` + longID() + `","on":true}`, chat.CodeNoSuchConv},
		{"mute without a name", `{"type":"mute"}`, chat.CodeMissingField},
		{"unmute of a bad name", `{"type":"unmute","name":"\u0000"}`, chat.CodeBadName},
		{"invites is a server frame", `{"type":"invites","list":[]}`, chat.CodeUnknownType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chat.DecodeClient([]byte(tc.json))
			var ce *chat.Error
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Fatalf("DecodeClient(%s) = %v; want %s", tc.json, err, tc.code)
			}
		})
	}
}

func TestIsModeration(t *testing.T) {
	for _, k := range []chat.EntryKind{chat.EntryRemove, chat.EntryBan, chat.EntryUnban, chat.EntryInvite, chat.EntryInviteOnly} {
		if !chat.IsModeration(k) {
			t.Errorf("%s is not moderation", k)
		}
	}
	for _, k := range []chat.EntryKind{chat.EntryMessage, chat.EntryJoin, chat.EntryDelete} {
		if chat.IsModeration(k) {
			t.Errorf("%s is moderation", k)
		}
	}
}

func longID() string {
	b := make([]byte, chat.MaxConvIDBytes+1)
	for i := range b {
		b[i] = 'x'
	}
	return "r:" + string(b)
}
