package server

import (
	"context"

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

// seesFileIn reports whether the user key, a member of conversation conv
// where file rec was posted, may see it there: always, but in a group they
// were added to after it was posted (hub/group.go), where a message of it
// must be one they may see. A record that cannot be read says no.
func (s *Server) seesFileIn(ctx context.Context, key string, rec hub.FileRecord, conv string) bool {
	if !chat.IsGroup(conv) {
		return true
	}
	group, err := s.opts.Storage.Directory.Conv(ctx, conv)
	if err != nil {
		s.log.Warn("reading a group's record for a file failed", "conv", conv, "err", err)
		return false
	}
	since := group.Since[key]
	if since <= 1 {
		return true
	}
	for _, ref := range rec.Refs {
		if ref.Conv == conv && ref.Seq >= since {
			return true
		}
	}
	return false
}
