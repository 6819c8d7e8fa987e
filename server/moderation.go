package server

import (
	"context"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/names"
)

// moderate serves the frames of room moderation and muting (hub
// moderation.go), and answers any other frame as one a client may not
// send.
//
// Each costs as much as a message of the per-user and per-address message
// rates: most append an entry, and all of them write to storage.
func (ss *session) moderate(f chat.Frame) error {
	ctx, key, h := ss.conn.Context(), ss.user.Key, ss.srv.hub
	if !isModeration(f) {
		return chat.Errorf(chat.CodeUnknownType, "a client may not send %s frames", f.FrameType())
	}
	if !ss.srv.messageAllowed(key, ss.conn.Addr()) {
		ss.srv.metrics.RateLimited(metrics.LimitMessages)
		return chat.Errorf(chat.CodeRateLimited, "you are doing that too fast; try again in a moment")
	}
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
	return nil // unreachable: isModeration lists the cases above
}

// isModeration reports whether f is one of the frames moderate serves.
func isModeration(f chat.Frame) bool {
	switch f.(type) {
	case *chat.SetInviteOnly, *chat.Remove, *chat.Ban, *chat.Unban, *chat.Invite, *chat.Decline, *chat.Mute, *chat.Unmute:
		return true
	}
	return false
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
