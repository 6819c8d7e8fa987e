package hub

import (
	"context"

	"github.com/founding/chat/app/chat"
)

// Notices: a note "only visible to you" (chat.Notice), such as an
// outgoing webhook's ephemeral answer. Like typing it is a signal, not
// history: it goes to the connections of one user subscribed to the
// conversation, here and, through the Notices seam, on the other nodes,
// and is never appended to the Log.

// Notices carries notices between the nodes that share a Log and a
// Directory, like Typing: a lost note is an answer not shown. One node
// alone has none (Options.Notices nil). Its methods may be called
// concurrently.
type Notices interface {
	// Publish sends n to every node.
	Publish(ctx context.Context, n NoticeNote) error
	// Watch calls fn with every note any node publishes, this one's too.
	// It returns once the watch is set up; stop ends it.
	Watch(ctx context.Context, fn func(NoticeNote)) (stop func(), err error)
}

// NoticeNote is a notice for the user key User in Conv, as the node that
// made it tells the others: From as shown (not escaped), HTML rendered.
type NoticeNote struct {
	Node string `json:"node"`
	User string `json:"user"`
	Conv string `json:"conv"`
	From string `json:"from"`
	HTML string `json:"html"`
}

// Notify shows html (already rendered, like a message's) from the name
// from to the user key in convID only: on each of their connections
// subscribed to convID, on every node. It stores nothing.
func (h *Hub) Notify(ctx context.Context, key, convID, from, html string) error {
	n := NoticeNote{Node: h.node, User: key, Conv: convID, From: from, HTML: html}
	h.deliverNotice(n)
	if h.opts.Notices == nil {
		return nil
	}
	if err := h.opts.Notices.Publish(ctx, n); err != nil {
		return chat.Errorf(chat.CodeInternal, "the other nodes were not given the notice: %v", err)
	}
	return nil
}

// deliverNotice sends n to its user's connections here subscribed to its
// conversation.
func (h *Hub) deliverNotice(n NoticeNote) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	u := h.users[n.User]
	c := h.localConv(n.Conv)
	if u == nil || c == nil {
		return
	}
	frame := encode(&chat.Notice{Conv: n.Conv, From: escape(n.From), HTML: n.HTML})
	c.each(func(s Sink) {
		if u.sessions.has(s) {
			s.Send(frame)
		}
	})
}

// applyNotice delivers another node's notice here.
func (h *Hub) applyNotice(n NoticeNote) {
	if n.Node == h.node || n.Node == "" {
		return
	}
	h.deliverNotice(n)
}

// startNotices watches the other nodes' notices.
func (h *Hub) startNotices() error {
	if h.opts.Notices == nil {
		return nil
	}
	stop, err := h.opts.Notices.Watch(context.Background(), h.applyNotice)
	if err != nil {
		return err
	}
	h.stops = append(h.stops, stop)
	return nil
}
