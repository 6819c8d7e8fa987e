package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/client"
)

// An archived room (an admin archived it in the console, docs/admin.md):
// its members read it, but nothing is posted, edited, deleted nor reacted
// to there. The conversation pane says so in a banner where the composer
// was, and follows the room's description (chat.ConvInfo.Archived) live.

// archivedText holds the strings of archived rooms; init adds them to
// text.
var archivedText = []phrase{
	{"conv.archived", "This room is archived: it can be read, not written to", "此房间已归档：可以阅读，不能发言"},
}

func init() { addText(archivedText) }

// archived reports whether c is a room an admin archived.
func archived(c *client.Conversation) bool { return c.Info.Archived }

// renderArchivedBanner is what an archived room shows instead of its
// composer.
func renderArchivedBanner(l Lang) app.UI {
	return app.P().ID("archived-banner").Class("archived-banner").Role("status").Text(T(l, "conv.archived"))
}
