package chat

import (
	"html"
	"slices"
	"strings"
)

// MentionMarkup is how the server's markup of an entry starts a mention of a
// user: the attribute data-user, which follows, holds the escaped comparison
// key of the name, the one Welcome.Key tells each user about themselves, then
// `">@name</span>`. Clients find mentions of their user by it. User text
// cannot make it: the server escapes every quote and angle bracket.
const MentionMarkup = `<span class="mention" data-user="`

// Mentioned returns the comparison keys of the users that the server's
// markup h mentions (MentionMarkup), each once, in order.
func Mentioned(h string) []string {
	var out []string
	for {
		i := strings.Index(h, MentionMarkup)
		if i < 0 {
			return out
		}
		h = h[i+len(MentionMarkup):]
		j := strings.IndexByte(h, '"')
		if j < 0 {
			return out
		}
		if key := html.UnescapeString(h[:j]); !slices.Contains(out, key) {
			out = append(out, key)
		}
		h = h[j:]
	}
}

// DeletedHTML is the HTML of a deleted message as it is served and kept by
// clients: its text is gone. Clients show the entry's Deleted flag in their
// own words; this English text is for those that show entries as they are.
const DeletedHTML = `<div class="body deleted">message deleted</div>`
