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

// renderPane renders the conversation pane of m as the Shell would.
func renderPane(t *testing.T, m *client.Model, lang Lang) (string, *node) {
	t.Helper()
	return render(t, newConversationPane().Lang(lang).Model(m).Online(true).
		OnOlder(func(app.Context) {}).OnScroll(func(app.Context, app.Event) {}).OnSent(func(app.Context, bool) {}))
}

func TestTypingLineSaysWhoIsTyping(t *testing.T) {
	for _, tc := range []struct {
		lang  Lang
		users []string // escaped, as the server sends them
		want  string
	}{
		{English, nil, ""},
		{English, []string{"Bob"}, "Bob is typing…"},
		{English, []string{"Bob", "&lt;b&gt;Cid"}, "Bob and <b>Cid are typing…"},
		{English, []string{"Bob", "Cid", "Dan"}, "Several people are typing…"},
		{Chinese, []string{"Bob"}, "Bob 正在输入…"},
		{Chinese, []string{"Bob", "Cid"}, "Bob 和 Cid 正在输入…"},
	} {
		t.Run(string(tc.lang)+"/"+strings.Join(tc.users, ","), func(t *testing.T) {
			m := twoConversations()
			for _, u := range tc.users {
				m.Apply(&chat.Typist{Conv: "r:lobby", User: u, On: true})
			}
			h, root := renderPane(t, m, tc.lang)
			line := root.must(t, "#typing", byID("typing"))
			if line.attrs["role"] != "status" || line.attrs["aria-live"] != "polite" {
				t.Errorf("the typing line is role %q, aria-live %q: want a polite status", line.attrs["role"], line.attrs["aria-live"])
			}
			if got := line.text(); got != tc.want {
				t.Errorf("typing line %q, want %q", got, tc.want)
			}
			if strings.Contains(h, "<b>Cid") {
				t.Error("a name was inserted as markup")
			}
		})
	}
}

func TestSeenFollowsTheLastMessageRead(t *testing.T) {
	m := twoConversations()
	cid := m.Convs["p:cid"]
	at := time.Now()
	cid.Entries = []chat.Entry{
		message("p:cid", 1, at, "Ann", "one"), message("p:cid", 2, at, "Ann", "two"),
		message("p:cid", 3, at, "Cid", "three"), message("p:cid", 4, at, "Ann", "four"),
	}
	cid.Info.Seen = 3
	m.Active = "p:cid"
	_, root := renderPane(t, m, English)
	items := timeline(t, root)
	for i, it := range items {
		if !it.hasClass("seen") {
			continue
		}
		if i == 0 || items[i-1].attrs["data-seq"] != "2" {
			t.Fatalf("Seen follows %v, want Ann's message 2", items[max(i-1, 0)].attrs)
		}
		if got := it.text(); got != "Seen Seen by Cid" {
			t.Errorf("Seen reads %q, want the word and, for screen readers, who", got)
		}
		return
	}
	t.Fatal("no Seen in the timeline")
}
