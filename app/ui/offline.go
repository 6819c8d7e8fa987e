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

// errStorageSlow is why the page went on without the browser's storage.
var errStorageSlow = errors.New("the browser's storage does not answer; going on without it")

// openLocal opens the browser's storage off the UI goroutine, gives it to
// session (which restores the saved conversations and the waiting
// messages), then calls ready with what failed, if anything (ErrNoLocal:
// this browser keeps nothing, a private window). ready comes at the latest
// after restoreWait, so that a browser whose storage hangs still gets a
// working chat; a storage that answers later is used when it does. It runs
// only in the browser.
func openLocal(ctx app.Context, session *client.Session, ready func(app.Context, error)) {
	done := false
	finish := func(ctx app.Context, err error) {
		if !done {
			done = true
			ready(ctx, err)
		}
	}
	ctx.After(restoreWait, func(ctx app.Context) {
		finish(ctx, errStorageSlow)
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
			if err == nil {
				session.UseLocal(local, kept)
				// Leaving: save what changed now, not after saveDelay.
				app.Window().Call("addEventListener", "pagehide", app.FuncOf(func(app.Value, []app.Value) any {
					ctx.Dispatch(func(ctx app.Context) { session.SaveNow() })
					return nil
				}))
			}
			finish(ctx, err)
		})
	}()
}

// storeReady follows the browser's storage being read (or not): what
// failed is said, the URL's conversation is shown if it was saved, the
// outbox goes on, and the connection's events that waited are handled.
func (s *Shell) storeReady(ctx app.Context, err error) {
	defer func() {
		held := s.held
		s.restoring, s.held = false, nil
		for _, e := range held {
			s.onEvent(ctx, e)
		}
	}()
	if err != nil {
		if !errors.Is(err, client.ErrNoLocal) && !errors.Is(err, errStorageSlow) {
			s.notice = errorText(s.lang, err)
		}
		app.Log("chat: this browser keeps nothing offline:", err) // a private window: the chat works without
	}
	s.route.ready = true
	s.followRoute(ctx, false)
	s.changed(ctx)
}

// report shows what failed in the Session, if anything; it re-renders
// either way.
func (s *Shell) report(err error) {
	if err != nil {
		s.notice = errorText(s.lang, err)
	}
	s.rev++
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
