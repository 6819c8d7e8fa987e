package client

import "html"

// Bots are shown as bots wherever their names show (docs/api.md): the
// server marks them in rosters, presence, private conversations and search
// hits, and the model remembers the names it was told are bots'.

// IsBot reports whether the server said name (unescaped) is a bot's.
func (m *Model) IsBot(name string) bool { return m.bots[name] }

// noteBots records the bots among names (escaped, as frames carry them).
func (m *Model) noteBots(names ...string) {
	for _, n := range names {
		if m.bots == nil {
			m.bots = make(map[string]bool)
		}
		m.bots[html.UnescapeString(n)] = true
	}
}
