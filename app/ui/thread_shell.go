package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// What the Shell does for threads (thread.go): it opens a thread beside
// its conversation, marking it read as it marks the conversation in view,
// and shows or closes the side panel (placed by renderPanes).

// openThread opens the thread of message root of conv beside conv, which
// comes into view, and marks it read (markRead).
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
	s.markRead(ctx)
	s.afterRender(ctx, func() {
		scrollToEnd("thread-timeline")
		focusID("thread-composer")
	})
}

// setThreadsView returns what shows the followed threads in the side panel
// (show) or closes it, the focus going to the panel or the composer.
func (s *Shell) setThreadsView(show bool) func(app.Context) {
	return func(ctx app.Context) {
		s.model.CloseThread()
		s.threadsView = show
		s.rev++
		focus := "composer"
		if show {
			focus = "thread-close"
		}
		s.afterRender(ctx, func() { focusID(focus) })
	}
}
