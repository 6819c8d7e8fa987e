package client

import (
	"html"
	"sort"
	"strings"

	"github.com/founding/chat/app/chat"
)

// MentionsMe reports whether message e, from someone else, mentions the
// user.
func (m *Model) MentionsMe(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && m.Key != "" && html.UnescapeString(e.From) != m.Me &&
		strings.Contains(e.HTML, chat.MentionMarkup+m.Key+`"`)
}

// MarkMentions returns the HTML of entry e with the mentions of the user
// given the extra class "mention-me", so that they stand out. It only
// rewrites the server's own markup.
func (m *Model) MarkMentions(e chat.Entry) string {
	if m.Key == "" {
		return e.HTML
	}
	return strings.ReplaceAll(e.HTML, chat.MentionMarkup+m.Key+`"`, `<span class="mention mention-me" data-user="`+m.Key+`"`)
}

// KnownNames returns the names the client knows besides the user's own,
// sorted and unescaped: who is online in any room, the other side of each
// private conversation, and the senders of loaded entries. They are what
// "@" completes.
func (m *Model) KnownNames() []string {
	seen := make(map[string]bool)
	var out []string
	add := func(name string) {
		if name == "" || name == m.Me || seen[strings.ToLower(name)] {
			return
		}
		seen[strings.ToLower(name)] = true
		out = append(out, name)
	}
	for _, c := range m.Convs {
		for _, u := range c.Online {
			add(u)
		}
		if c.Info.Group != nil {
			for _, n := range c.Info.Group.Members {
				add(html.UnescapeString(n))
			}
		} else if c.Info.Kind == chat.KindPrivate {
			add(c.Name)
		}
	}
	for _, c := range m.Convs {
		for _, e := range c.Entries {
			if e.Kind == chat.EntryMessage {
				add(html.UnescapeString(e.From))
			}
		}
	}
	sort.Strings(out)
	return out
}
