package push

import (
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// groupTitle is how the user key's notifications title group rec (a
// group conversation, chat.IsGroup): its name, or its other members'
// names, as the hub names it (hub/group.go).
func groupTitle(rec hub.ConvRecord, key string) string {
	if rec.Name != "" {
		return rec.Name
	}
	var others []string
	for _, m := range rec.Members {
		if m.Key != key {
			others = append(others, m.Name)
		}
	}
	chat.SortNames(others)
	if len(others) == 0 {
		return string(chat.KindPrivate)
	}
	return strings.Join(others, ", ")
}
