package server

import (
	"context"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/names"
)

// moderationHandlers serve the frames of room moderation and muting (hub
// moderation.go); handle's table takes them in.
var moderationHandlers = []handler{
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.SetInviteOnly) error {
		return h.SetInviteOnly(ctx, key, f.Conv, f.On)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.SetRetention) error {
		return h.SetRetention(ctx, key, f.Conv, f.Days)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Remove) error {
		return h.Remove(ctx, key, f.Conv, f.Name)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Ban) error {
		return h.Ban(ctx, key, f.Conv, f.Name, true)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Unban) error {
		return h.Ban(ctx, key, f.Conv, f.Name, false)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Invite) error {
		return h.Invite(ctx, key, f.Conv, f.Name)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Decline) error {
		return h.Decline(ctx, key, f.Conv)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Mute) error {
		return h.Mute(ctx, key, f.Name, true)
	}),
	moderation(func(ctx context.Context, h *hub.Hub, key string, f *chat.Unmute) error {
		return h.Mute(ctx, key, f.Name, false)
	}),
}

// moderation makes the handler of a moderation frame. Each costs as much
// as a message of the per-user and per-address message rates: most append
// an entry, and all of them write to storage.
func moderation[E any, F interface {
	*E
	chat.Frame
}](do func(ctx context.Context, h *hub.Hub, key string, f F) error) handler {
	return on(func(ss *session, f F) error {
		if !ss.srv.messageAllowed(ss.user.Key, ss.conn.Addr()) {
			ss.srv.metrics.RateLimited(metrics.LimitMessages)
			return chat.Errorf(chat.CodeRateLimited, "you are doing that too fast; try again in a moment")
		}
		return do(ss.conn.Context(), ss.srv.hub, ss.user.Key, f)
	})
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
