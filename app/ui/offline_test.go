//go:build !wasm

package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// withContext renders child and hands the test the Context of the engine,
// so that a test can call the Shell's handlers as its events would.
type withContext struct {
	app.Compo
	child app.UI
	got   func(app.Context)
}

func (w *withContext) OnPreRender(ctx app.Context) { w.got(ctx) }
func (w *withContext) Render() app.UI              { return w.child }

// withStore gives s the memory store name, as mountOffline and useStore
// do in the browser, and stops its work queue when the test ends.
func withStore(t *testing.T, s *Shell, name string) *client.Local {
	t.Helper()
	local, err := client.OpenLocal(name)
	if err != nil {
		t.Fatal(err)
	}
	o := &s.off
	o.local, o.work, o.ready, o.model = local, newWorkQueue(), true, s.model
	o.mirror = client.NewMirror("")
	o.gone = make(map[chat.MsgID]bool)
	o.wiring = make(map[chat.MsgID]bool)
	t.Cleanup(func() {
		o.work.stop()
		local.Close()
	})
	return local
}

// settle waits until the store's work queued so far is done, then applies
// what it dispatched.
func settle(s *Shell, e app.TestEngine) {
	done := make(chan struct{})
	s.off.work.do(func() { close(done) })
	<-done
	e.ConsumeAll()
}

// offlineShell gives s the store name and mounts it in a test engine,
// returning the context its handlers run with.
func offlineShell(t *testing.T, s *Shell, name string) (app.Context, app.TestEngine) {
	t.Helper()
	withStore(t, s, name)
	var ctx app.Context
	e := app.NewTestEngine()
	if err := e.Load(&withContext{child: s, got: func(c app.Context) { ctx = c }}); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	return ctx, e
}

// TestShellTellsWhenAMessageCannotBeSaved: the browser's storage refuses a
// message written offline (a full disk, a quota). The user is told, in
// their language, and the message is not shown as kept: it leaves the
// outbox (its text goes back to the composer) and nothing waits in the
// store.
func TestShellTellsWhenAMessageCannotBeSaved(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			s, lobby := online(lang)
			s.state = client.Offline
			name := "ui-" + t.Name()
			ctx, e := offlineShell(t, s, name)

			client.FailWrites(name, errors.New("QuotaExceededError"))
			defer client.FailWrites(name, nil)
			if !s.onSubmit(ctx, "written to a full disk") {
				t.Fatal("the composer did not take the message")
			}
			settle(s, e)

			if want := T(lang, "outbox.not.saved"); s.notice != want {
				t.Errorf("notice = %q, want %q", s.notice, want)
			}
			if len(s.model.Outbox) != 0 {
				t.Errorf("outbox = %+v, want the message gone (not shown as kept)", s.model.Outbox)
			}
			// The same state, rendered afresh (the engine above re-renders
			// only its own root).
			view := *s
			view.Compo = app.Compo{}
			_, root := render(t, &view)
			if got, want := root.must(t, "#notice", byID("notice")).text(), T(lang, "error.prefix")+T(lang, "outbox.not.saved"); !strings.Contains(got, want) {
				t.Errorf("#notice reads %q, want %q", got, want)
			}
			if n := len(s.model.Pending(lobby.Info.ID)); n != 0 {
				t.Errorf("%d pending messages shown, want none", n)
			}
			client.FailWrites(name, nil)
			check, err := client.OpenLocal(name)
			if err != nil {
				t.Fatal(err)
			}
			defer check.Close()
			if list, err := check.Adopt("Ann"); err != nil || len(list) != 0 {
				t.Errorf("the store holds %v (err %v), want nothing", list, err)
			}
		})
	}
}

// TestShellKeepsAMessageItCouldSave: the same message with a working store
// stays in the outbox, shown as waiting, and is in the store.
func TestShellKeepsAMessageItCouldSave(t *testing.T) {
	s, lobby := online(English)
	s.state = client.Offline
	name := "ui-" + t.Name()
	ctx, e := offlineShell(t, s, name)
	if !s.onSubmit(ctx, "kept on this device") {
		t.Fatal("the composer did not take the message")
	}
	settle(s, e)
	if s.notice != "" {
		t.Errorf("notice = %q, want none", s.notice)
	}
	if p := s.model.Pending(lobby.Info.ID); len(p) != 1 || p[0].Text != "kept on this device" {
		t.Fatalf("pending = %+v, want the message", p)
	}
	check, err := client.OpenLocal(name)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if list, err := check.Others("Ann"); err != nil || len(list) != 1 {
		t.Errorf("the store holds %v (err %v), want the message", list, err)
	}
}

// stop (for tests: a page's queue lives as long as the page) ends the queue's goroutine once the work queued so far is done, and
// returns then. Work queued after it never runs.
func (q *workQueue) stop() {
	done := make(chan struct{})
	q.do(func() {
		q.mu.Lock()
		q.stopped = true
		q.mu.Unlock()
		close(done)
	})
	<-done
}
