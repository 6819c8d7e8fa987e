package ui

import (
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// What the page keeps in the browser (client.Local, IndexedDB) is the
// Session's: it stores every message before it is sent, cancels, takes
// over what closed tabs left, saves the conversations (saveDelay after a
// change) and returns every error. This file holds only what is the
// browser's: opening IndexedDB as the page starts, and saving at once when
// the page goes away.

// localName is the IndexedDB database of the chat.
const localName = "chat"

// saveDelay batches conversation saves: a burst of entries is one write.
const saveDelay = 300 * time.Millisecond

// restoreWait bounds how long the connection waits for the browser's
// storage: a browser whose storage hangs still gets a working chat.
const restoreWait = 3 * time.Second

// mountOffline opens the browser's storage off the UI goroutine, gives it
// to the Session (which restores the saved conversations and the waiting
// messages), then calls start, which connects: the first Welcome resumes
// from what was saved. A storage that does not answer within restoreWait
// is used when it does; the page connects without waiting longer. It runs
// only in the browser.
func (s *Shell) mountOffline(ctx app.Context, start func()) {
	started := false
	begin := func() {
		if !started {
			started = true
			start()
		}
	}
	ctx.After(restoreWait, func(ctx app.Context) {
		if !started {
			app.Log("chat: the browser's storage does not answer; going on without it")
			s.storeReady(ctx)
			begin()
		}
	})
	go func() { // IndexedDB answers only once the UI goroutine is free: not on it
		local, err := client.OpenLocal(localName)
		var kept client.Kept
		if err == nil {
			if kept, err = client.ReadLocal(local); err != nil {
				local.Close()
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			s.useLocal(ctx, local, kept, err)
			s.storeReady(ctx)
			begin()
		})
	}()
}

// useLocal hands the opened storage to the Session.
func (s *Shell) useLocal(ctx app.Context, local *client.Local, kept client.Kept, err error) {
	if err == nil {
		s.session.UseLocal(local, kept)
	}
	if err != nil {
		if !errors.Is(err, client.ErrNoLocal) {
			s.notice = errorText(s.lang, err)
		}
		app.Log("chat: this browser keeps nothing offline:", err) // a private window: the chat works without
		return
	}
	// Leaving: save what changed now, not after saveDelay.
	app.Window().Call("addEventListener", "pagehide", app.FuncOf(func(app.Value, []app.Value) any {
		ctx.Dispatch(func(ctx app.Context) { s.session.SaveNow() })
		return nil
	}))
}

// storeReady shows what the store restored.
func (s *Shell) storeReady(ctx app.Context) {
	s.pwa.ready = true
	s.followRoute(ctx)
	s.rev++
	s.afterOutboxChange()
}

// report shows what failed in the Session, if anything.
func (s *Shell) report(err error) {
	if err != nil {
		s.notice = errorText(s.lang, err)
		s.rev++
	}
}

// errorText is what the person reads of an error of the Session.
func errorText(l Lang, err error) string {
	var ce *chat.Error
	switch {
	case errors.Is(err, client.ErrNotSaved):
		return T(l, "outbox.not.saved")
	case errors.Is(err, client.ErrCancelLate):
		return T(l, "pending.cancel.late")
	case errors.Is(err, client.ErrCancelFailed):
		return T(l, "pending.cancel.failed")
	case errors.As(err, &ce):
		return ce.Message
	}
	return err.Error()
}

// pendingStatus says where a message of the outbox stands.
func (s *Shell) pendingStatus(o *client.Outgoing) string {
	switch {
	case o.Failed != "":
		return T(s.lang, "pending.failed", o.Failed)
	case s.session != nil && s.session.Cancelling(o.ID):
		return T(s.lang, "pending.cancelling")
	case s.session != nil && s.session.IsOther(o):
		return T(s.lang, "pending.other")
	case o.AwaitsUpload():
		return T(s.lang, "pending.files") // offline_files.go
	case !o.InFlight && s.state != client.Online:
		return T(s.lang, "pending.queued")
	}
	return T(s.lang, "pending.sending")
}

// canCancel reports whether the pending message m may still be cancelled.
func (s *Shell) canCancel(m *client.Outgoing) bool {
	return s.session != nil && s.session.CanCancel(m)
}

// onCancelPending cancels a message that has not gone over the wire: this
// tab's, or one waiting in another tab.
func (s *Shell) onCancelPending(ctx app.Context, m *client.Outgoing) {
	if !s.canCancel(m) {
		return
	}
	if s.session.Cancel(m.ID) { // what the browser's storage answers comes through handle
		s.abortUpload(m.ID) // offline_files.go
	}
	s.rev++
	s.afterOutboxChange()
}
