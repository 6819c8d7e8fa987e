package client_test

import (
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// mentionEntry is a message as server/markup makes it for "hi @<name>":
// the mention carries the key of the name.
func mentionEntry(conv string, seq uint64, from, name, key string) chat.Entry {
	e := entry(conv, seq, from)
	e.HTML = `<div class="body">hi <span class="mention" data-user="` + key + `">@` + name + `</span></div>`
	return e
}

// welcomed returns a model of Bob (key "bob") in the lobby and group A,
// looking at the lobby.
func welcomed(t *testing.T) *client.Model {
	t.Helper()
	m := client.NewModel()
	m.Apply(&chat.Welcome{Me: "Bob", Key: "bob", Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", 0, 0), roomInfo(group, "group A", 0, 0)}})
	m.Apply(page(lobby, 1, 0, nil))
	m.Apply(page(group, 1, 0, nil))
	if m.Active != lobby || m.Key != "bob" {
		t.Fatalf("after the welcome: active %q, key %q", m.Active, m.Key)
	}
	return m
}

func TestMentionsMe(t *testing.T) {
	m := welcomed(t)
	tests := []struct {
		name string
		e    chat.Entry
		want bool
	}{
		{"a mention of the user", mentionEntry(lobby, 1, "Ann", "BOB", "bob"), true},
		{"a mention of someone else", mentionEntry(lobby, 1, "Ann", "bobby", "bobby"), false},
		{"the user's name as plain text", func() chat.Entry {
			e := entry(lobby, 1, "Ann")
			e.HTML = `<div class="body">bob &lt;span class=&#34;mention&#34; data-user=&#34;bob&#34;&gt;</div>`
			return e
		}(), false},
		{"the user mentioning themselves", mentionEntry(lobby, 1, "Bob", "bob", "bob"), false},
		{"a membership event", func() chat.Entry {
			e := mentionEntry(lobby, 1, "Ann", "bob", "bob")
			e.Kind = chat.EntryJoin
			return e
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.MentionsMe(tt.e); got != tt.want {
				t.Errorf("MentionsMe(%s) = %v, want %v", tt.e.HTML, got, tt.want)
			}
		})
	}
}

func TestMarkMentions(t *testing.T) {
	m := welcomed(t)
	e := mentionEntry(lobby, 1, "Ann", "Bob", "bob")
	e.HTML += `<span class="mention" data-user="bobby">@bobby</span>`
	want := `<div class="body">hi <span class="mention mention-me" data-user="bob">@Bob</span></div><span class="mention" data-user="bobby">@bobby</span>`
	if got := m.MarkMentions(e); got != want {
		t.Errorf("MarkMentions\n got %s\nwant %s", got, want)
	}
}

func TestUnreadMentionsAreCounted(t *testing.T) {
	m := welcomed(t)
	// Bob looks at the lobby; in group A, Ann writes twice, once to him.
	m.Apply(&chat.Entry{Conv: group, Seq: 1, Time: 1000, Kind: chat.EntryMessage, From: "Ann", HTML: `<div class="body">hello all</div>`})
	e := mentionEntry(group, 2, "Ann", "bob", "bob")
	m.Apply(&e)
	c := m.Convs[group]
	if c.Unread != 2 || c.Mentions != 1 {
		t.Fatalf("group A: unread %d, mentions %d; want 2 and 1", c.Unread, c.Mentions)
	}
	if l := m.Convs[lobby]; l.Mentions != 0 {
		t.Errorf("the lobby counts %d mentions", l.Mentions)
	}
	// Reading it clears both.
	m.Activate(group)
	m.MarkRead(group)
	if c.Unread != 0 || c.Mentions != 0 {
		t.Errorf("after reading: unread %d, mentions %d", c.Unread, c.Mentions)
	}
	// A mention in the conversation in view is read at once.
	e = mentionEntry(group, 3, "Ann", "bob", "bob")
	m.Apply(&e)
	if c.Mentions != 0 {
		t.Errorf("a mention in view counts as unread: %d", c.Mentions)
	}
}

func TestKnownNames(t *testing.T) {
	m := welcomed(t)
	m.Apply(&chat.Roster{Conv: lobby, Users: []string{"Bob", "Ann", "Cid"}})
	m.Apply(&chat.Conv{ConvInfo: chat.ConvInfo{ID: "p:bob:dee", Kind: chat.KindPrivate, Name: "Dee"}})
	m.Apply(&chat.Entry{Conv: lobby, Seq: 1, Kind: chat.EntryMessage, From: "&lt;Eve&gt;", HTML: `<div class="body">x</div>`})
	m.Apply(&chat.Entry{Conv: lobby, Seq: 2, Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">x</div>`})
	if got, want := m.KnownNames(), []string{"<Eve>", "Ann", "Cid", "Dee"}; !slices.Equal(got, want) {
		t.Errorf("KnownNames() = %q, want %q (unescaped, without the user, one per name)", got, want)
	}
}
