//go:build !wasm

package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

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

// storeShell is a Shell whose Session keeps its data in a memory store,
// as openLocal gives it IndexedDB in the browser; the Session's events
// wait in a queue until settle hands them to the Shell, as the browser's
// dispatch does.
type storeShell struct {
	*Shell
	events chan client.Event
	ctx    app.Context
	engine app.TestEngine
}

// offlineShell gives s a Session with the memory store name, mounts it in a
// test engine, and returns it with the context its handlers run with.
func offlineShell(t *testing.T, s *Shell, name string) *storeShell {
	t.Helper()
	local, err := client.OpenLocal(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(local.Close)
	st := &storeShell{Shell: s, events: make(chan client.Event, 1000)}
	state := s.state
	if err := s.startSession("ws://127.0.0.1:1/ws", func(e client.Event) { st.events <- e }); err != nil {
		t.Fatal(err)
	}
	setState(s, state)
	kept, err := client.ReadLocal(local)
	if err != nil {
		t.Fatal(err)
	}
	s.session.UseLocal(local, kept)
	s.route.ready = true
	st.engine = app.NewTestEngine()
	if err := st.engine.Load(&withContext{child: s, got: func(c app.Context) { st.ctx = c }}); err != nil {
		t.Fatal(err)
	}
	st.settle(t)
	return st
}

// settle hands the Session's events to the Shell until the store has
// answered everything asked of it.
func (st *storeShell) settle(t *testing.T) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !st.session.Idle() {
		select {
		case e := <-st.events:
			st.onEvent(st.ctx, e)
		case <-deadline:
			t.Fatal("the store did not answer")
		}
	}
	st.engine.ConsumeAll()
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
			setState(s, client.Offline)
			name := fmt.Sprintf("ui-%s-%d", t.Name(), time.Now().UnixNano()) // a new store on every run (-count)
			st := offlineShell(t, s, name)

			client.FailWrites(name, errors.New("QuotaExceededError"))
			defer client.FailWrites(name, nil)
			if !s.conversationPane().(*conversationPane).onSubmit(st.ctx, "written to a full disk") {
				t.Fatal("the composer did not take the message")
			}
			st.settle(t)

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
			if list, err := check.Others("Ann"); err != nil || len(list) != 0 {
				t.Errorf("the store holds %v (err %v), want nothing", list, err)
			}
		})
	}
}

// TestShellKeepsAMessageItCouldSave: the same message with a working store
// stays in the outbox, shown as waiting, and is in the store.
func TestShellKeepsAMessageItCouldSave(t *testing.T) {
	s, lobby := online(English)
	setState(s, client.Offline)
	name := fmt.Sprintf("ui-%s-%d", t.Name(), time.Now().UnixNano()) // a new store on every run (-count)
	st := offlineShell(t, s, name)
	if !s.conversationPane().(*conversationPane).onSubmit(st.ctx, "kept on this device") {
		t.Fatal("the composer did not take the message")
	}
	st.settle(t)
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
