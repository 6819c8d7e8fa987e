package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestModelKnowsBotsFromRostersAndPresence: a name the server marks as a
// bot's in a roster or a presence is a bot's from then on (unescaped);
// the others are not.
func TestModelKnowsBotsFromRostersAndPresence(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	m.Apply(&chat.Roster{Conv: lobby, Users: []string{"ann", "c&amp;i"}, Bots: []string{"c&amp;i"}})
	m.Apply(&chat.Presence{Conv: lobby, User: "deploy", Online: true, Bot: true})
	m.Apply(&chat.Presence{Conv: lobby, User: "bob", Online: true})
	for name, want := range map[string]bool{"c&i": true, "deploy": true, "ann": false, "bob": false, "c&amp;i": false} {
		if got := m.IsBot(name); got != want {
			t.Errorf("IsBot(%q) = %v, want %v", name, got, want)
		}
	}
}
