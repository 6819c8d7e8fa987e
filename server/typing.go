package server

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
)

// Typing signals per user, over all their tabs and conversations: a client
// on time sends one every chat.TypingEvery per conversation and a stop, so
// two a second with a burst of ten is ample; beyond it a signal is refused
// before it reaches the hub (which drops early repeats anyway).
const (
	typingRate  = rate.Limit(2)
	typingBurst = 10
)

// typing relays a Typing frame through the hub, under the user's typing
// rate. Nothing of it is stored.
func (ss *session) typing(f *chat.Typing) error {
	if !ss.srv.typing.allow(ss.user.Key, time.Now()) {
		ss.srv.metrics.RateLimited(metrics.LimitTyping)
		return &chat.Error{Code: chat.CodeRateLimited, Ref: chat.TypeTyping,
			Message: "too many typing signals; they are dropped for a moment"}
	}
	return ss.srv.hub.Typing(ss.conn.Context(), ss.user.Key, f.Conv, f.On)
}
