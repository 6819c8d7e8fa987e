//go:build !wasm

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// moderationPane renders the conversation pane of m.
func moderationPane(t *testing.T, m *client.Model, lang Lang) *node {
	t.Helper()
	_, root := render(t, newConversationPane().Lang(lang).Model(m).Online(true).
		OnOlder(func(app.Context) {}).OnScroll(func(app.Context, app.Event) {}).OnSent(func(app.Context, bool) {}))
	return root
}

func TestMutedMessagesFoldIntoRunsPerPerson(t *testing.T) {
	m := twoConversations()
	lobby := m.Convs["r:lobby"]
	now := time.Now()
	lobby.Entries = []chat.Entry{
		message("r:lobby", 1, now, "Bob", "one"),
		message("r:lobby", 2, now, "Bob", "two"),
		message("r:lobby", 3, now, "Bob", "three"),
		message("r:lobby", 4, now, "Ann", "mine"),
		message("r:lobby", 5, now, "Bob", "four"),
		message("r:lobby", 6, now, "Cy", "not muted"),
	}
	m.Apply(&chat.Mutes{Names: []string{"Bob"}})
	for _, tc := range []struct {
		lang Lang
		want string
	}{
		{English, "3 hidden messages from Bob | mine | 1 hidden message from Bob | not muted"},
		{Chinese, "3 条来自 Bob 的隐藏消息 | mine | 来自 Bob 的 1 条隐藏消息 | not muted"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			var got []string
			for _, n := range timeline(t, moderationPane(t, m, tc.lang)) {
				switch {
				case n.hasClass("hidden-run"):
					got = append(got, n.text())
				case n.hasClass("msg"):
					got = append(got, n.must(t, "body", byClass("body")).text())
				}
			}
			if strings.Join(got, " | ") != tc.want {
				t.Errorf("timeline = %q, want %q", got, tc.want)
			}
		})
	}
	m.Reveal("r:lobby", []uint64{1, 2, 3})
	var got []string
	for _, n := range timeline(t, moderationPane(t, m, English)) {
		if n.hasClass("hidden-run") {
			got = append(got, n.text())
		}
	}
	if strings.Join(got, " | ") != "1 hidden message from Bob" {
		t.Errorf("after revealing the first run: %q", got)
	}
}

func TestRoomPanelShowsWhatTheUserMayDo(t *testing.T) {
	for _, tc := range []struct {
		name                string
		info                chat.ConvInfo
		button, tools, form bool
	}{
		{"member of an open room", chat.ConvInfo{}, false, false, false},
		{"member of an invite-only room", chat.ConvInfo{InviteOnly: true}, true, false, true},
		{"owner of an open room", chat.ConvInfo{Moderator: true, Owner: "Ann"}, true, true, false},
		{"owner of an invite-only room", chat.ConvInfo{Moderator: true, InviteOnly: true}, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := twoConversations()
			den := room("r:den", "den")
			info := tc.info
			info.ID, info.Kind, info.Name = den.Info.ID, den.Info.Kind, den.Info.Name
			den.Info, den.Online = info, []string{"Ann", "Bob"}
			m.Convs[den.Info.ID], m.Active = den, den.Info.ID
			root := moderationPane(t, m, English)
			if got := root.find(byID("room-panel-btn")) != nil; got != tc.button {
				t.Fatalf("room panel button shown: %v, want %v", got, tc.button)
			}
			if !tc.button {
				return
			}
			open := newRoomPanel().Lang(English).Model(m).Conv(den)
			open.open = true
			_, panel := render(t, open)
			panel.must(t, "the open panel", byID("room-panel"))
			if got := panel.find(byID("invite-only")) != nil; got != tc.tools {
				t.Errorf("the invite-only switch shown: %v, want %v", got, tc.tools)
			}
			if got := panel.find(byID("invite-form")) != nil; got != tc.form {
				t.Errorf("the invite field shown: %v, want %v", got, tc.form)
			}
			if tc.tools {
				members := panel.must(t, "the members", byID("room-members")).texts(byTag("li"))
				if strings.Join(members, "|") != "Bob Remove Ban" {
					t.Errorf("members = %q, want Bob (not the user) with Remove and Ban", members)
				}
			}
		})
	}
}

func TestModerationErrorsInBothLanguages(t *testing.T) {
	for _, code := range []chat.Code{chat.CodeNotOwner, chat.CodeInviteOnly, chat.CodeBanned, chat.CodeCannotModerate, chat.CodeAlreadyMember} {
		en, zh := moderationErrorText(English, code), moderationErrorText(Chinese, code)
		if en == "" || zh == "" || en == zh || strings.HasPrefix(en, "moderation.") {
			t.Errorf("%s: %q / %q", code, en, zh)
		}
	}
	if got := moderationErrorText(English, chat.CodeNotAuthor); got != "" {
		t.Errorf("another code has a moderation text: %q", got)
	}
}
