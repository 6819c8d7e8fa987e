package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// What the Shell does for threads (thread.go): it places the side panel,
// opens a thread beside its conversation, lists the followed threads and
// marks the open thread read as it marks the conversation in view.

// threadSide places the threads' side panel while a thread is open or the
// Threads view is asked for.
func (s *Shell) threadSide() app.UI {
	return app.If(s.model.Thread != "" || s.threadsView, func() app.UI {
		return newThreadPanel().Lang(s.lang).Model(s.model).Rev(s.rev).Session(s.session).Online(s.state == client.Online).
			Names(mentionNames(s.model)).Uploads(s.ups).
			OnOpen(s.openThreadID).OnList(s.showThreads).OnClose(s.closeThreads).
			OnNotice(s.showNotice).OnOutbox(s.changed)
	})
}

// threadOpen reports whether the side panel is shown.
func (s *Shell) threadOpen() bool { return s.model.Thread != "" || s.threadsView }

// openThread opens the thread of message root of conv beside conv, which
// comes into view.
func (s *Shell) openThread(ctx app.Context, conv string, root uint64) {
	if s.model.Convs[conv] == nil {
		return
	}
	if s.model.Active != conv {
		s.activate(ctx, conv)
	}
	if s.session != nil {
		if err := s.session.OpenThread(conv, root); err != nil {
			s.notice = errorText(s.lang, err)
		}
	} else {
		s.model.OpenThread(conv, root)
	}
	s.threadsView = true // closing the thread goes back to the list
	s.rev++
	s.markThreadRead(ctx)
	s.afterRender(ctx, func() {
		scrollToEnd("thread-timeline")
		focusID("thread-composer")
	})
}

// openThreadID opens thread id (from the Threads view).
func (s *Shell) openThreadID(ctx app.Context, id string) {
	if parent, root, ok := chat.ThreadOf(id); ok {
		s.openThread(ctx, parent, root)
	}
}

// showThreads shows the followed threads in the side panel.
func (s *Shell) showThreads(ctx app.Context) {
	s.model.CloseThread()
	s.threadsView = true
	s.rev++
	s.afterRender(ctx, func() { focusID("thread-close") })
}

// closeThreads closes the side panel.
func (s *Shell) closeThreads(ctx app.Context) {
	s.model.CloseThread()
	s.threadsView = false
	s.rev++
	s.afterRender(ctx, func() { focusID("composer") })
}

// markThreadRead sends the read position of the open thread while the
// user sees it and follows it (the server keeps only a follower's).
func (s *Shell) markThreadRead(ctx app.Context) {
	id := s.model.Thread
	c := s.model.Convs[id]
	if c == nil || !c.Followed || !s.model.Seeing(id) {
		return
	}
	if f := s.model.MarkRead(id); f != nil {
		s.send(ctx, f)
	}
}
