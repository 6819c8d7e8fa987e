package server

import (
	"errors"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/search"
)

// search answers a Search frame from the node's full-text index (package
// search), under the per-user search rate. The index filters by the user's
// memberships at this moment, so nothing of a conversation the user is not
// in comes back.
func (ss *session) search(f *chat.Search) error {
	if !ss.srv.searches.allow(ss.user.Key, time.Now()) {
		ss.srv.metrics.RateLimited(metrics.LimitReads)
		return chat.Errorf(chat.CodeRateLimited, "you are searching too fast; try again in a moment")
	}
	res, err := ss.srv.index.Search(ss.conn.Context(), ss.user.Key, *f)
	switch {
	case errors.Is(err, search.ErrBadCursor):
		return chat.Errorf(chat.CodeBadRequest, "the cursor is not one this server made; search again")
	case err != nil:
		ss.conn.Logger().Error("searching failed", "err", err)
		return chat.Errorf(chat.CodeInternal, "the search failed; try again")
	}
	ss.conn.SendReply(&res)
	return nil
}
