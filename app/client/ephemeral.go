package client

import (
	"html"

	"github.com/founding/chat/app/chat"
)

// Notices "only visible to you" (chat.Notice), such as a slash command's
// ephemeral answer: shown at the bottom of their conversation until
// dismissed. They are not history: never folded into the entries, never
// unread, never saved (a reload forgets them).

// maxEphemerals bounds the notices a conversation keeps: the oldest go.
const maxEphemerals = 20

// Ephemeral is a notice "only visible to you" as the tab shows it.
type Ephemeral struct {
	ID   int    // to dismiss it, unique in the tab
	From string // unescaped name of who sent it
	HTML string // the body, rendered by the server
}

// ephemeralState is the Model's share of notices (ephemeral.go).
type ephemeralState struct {
	last  int
	convs map[string][]Ephemeral
}

// ephemeral keeps a notice of a conversation the tab knows.
func (m *Model) ephemeral(f *chat.Notice) {
	if m.Convs[f.Conv] == nil {
		return
	}
	n := &m.ephemerals
	if n.convs == nil {
		n.convs = make(map[string][]Ephemeral)
	}
	n.last++
	list := append(n.convs[f.Conv], Ephemeral{ID: n.last, From: html.UnescapeString(f.From), HTML: f.HTML})
	if len(list) > maxEphemerals {
		list = list[len(list)-maxEphemerals:]
	}
	n.convs[f.Conv] = list
}

// Ephemerals returns the notices "only visible to you" of conversation
// conv, oldest first.
func (m *Model) Ephemerals(conv string) []Ephemeral { return m.ephemerals.convs[conv] }

// DismissEphemeral removes notice id of conversation conv.
func (m *Model) DismissEphemeral(conv string, id int) {
	list := m.ephemerals.convs[conv]
	for i, n := range list {
		if n.ID == id {
			m.ephemerals.convs[conv] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}
