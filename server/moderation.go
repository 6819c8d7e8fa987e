package server

import (
	"context"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// moderate serves the frames of room moderation and muting (hub
// moderation.go), and answers any other frame as one a client may not
// send.
func (ss *session) moderate(f chat.Frame) error {
	ctx, key, h := ss.conn.Context(), ss.user.Key, ss.srv.hub
	switch f := f.(type) {
	case *chat.SetInviteOnly:
		return h.SetInviteOnly(ctx, key, f.Conv, f.On)
	case *chat.Remove:
		return h.Remove(ctx, key, f.Conv, f.Name)
	case *chat.Ban:
		return h.Ban(ctx, key, f.Conv, f.Name, true)
	case *chat.Unban:
		return h.Ban(ctx, key, f.Conv, f.Name, false)
	case *chat.Invite:
		return h.Invite(ctx, key, f.Conv, f.Name)
	case *chat.Decline:
		return h.Decline(ctx, key, f.Conv)
	case *chat.Mute:
		return h.Mute(ctx, key, f.Name, true)
	case *chat.Unmute:
		return h.Mute(ctx, key, f.Name, false)
	}
	return chat.Errorf(chat.CodeUnknownType, "a client may not send %s frames", f.FrameType())
}

// mayModerate is the hub's Options.MayModerate: a room's owner and the
// server's admins may delete anyone's message in it.
func (s *Server) mayModerate(ctx context.Context, key, conv string) bool {
	return s.hub.Moderates(ctx, key, conv)
}

// adminKeys turns the admins' names (Options.Admins) into user keys,
// skipping empty ones.
func adminKeys(list []string) []string {
	keys := make([]string, 0, len(list))
	for _, name := range list {
		if name = strings.TrimSpace(name); name != "" {
			keys = append(keys, names.Key(name))
		}
	}
	return keys
}
