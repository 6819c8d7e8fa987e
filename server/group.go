package server

import (
	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// DefaultGroupLimit is Options.GroupLimit's default.
const DefaultGroupLimit = hub.DefaultGroupLimit

// groupHandlers serve the group conversation frames (chat/group.go,
// hub/group.go); Leave serves leaving a group, as a room.
var groupHandlers = []handler{
	on(func(ss *session, f *chat.NewGroup) error {
		info, err := ss.srv.hub.NewGroup(ss.conn.Context(), ss.user.Key, f.Name, f.With)
		if err == nil {
			ss.conn.SendFrame(&chat.Conv{ConvInfo: info})
		}
		return err
	}),
	on(func(ss *session, f *chat.AddToGroup) error {
		return ss.srv.hub.AddToGroup(ss.conn.Context(), ss.user.Key, f.Conv, f.Names)
	}),
	on(func(ss *session, f *chat.RenameGroup) error {
		return ss.srv.hub.RenameGroup(ss.conn.Context(), ss.user.Key, f.Conv, f.Name)
	}),
}
