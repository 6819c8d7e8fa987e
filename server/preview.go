package server

import (
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/metrics"
)

// preview answers a Preview frame with the markup its text would have as a
// message (markup.Render: the same path as a send or an edit), posting
// nothing. Previews count against the user's search rate: both are reads
// that cost the node work and that a composer asks for on demand.
func (ss *session) preview(f *chat.Preview) error {
	if !ss.srv.searches.allow(ss.user.Key, time.Now()) {
		ss.srv.metrics.RateLimited(metrics.LimitReads)
		return chat.Errorf(chat.CodeRateLimited, "you are asking for previews too fast; try again in a moment")
	}
	clean, err := chat.CleanText(f.Text)
	if err != nil {
		return err
	}
	body, err := markup.Render(clean)
	if err != nil {
		return err
	}
	ss.conn.SendReply(&chat.Rendered{N: f.N, HTML: body})
	return nil
}
