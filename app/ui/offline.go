package ui

import (
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// What the page keeps in the browser (client.Local): the conversations it
// showed, so that the next visit shows them at once and with no network,
// and the outbox, so that messages written offline survive a reload,
// closing the tab and a browser restart, and are sent when the connection
// returns. The Shell mirrors its model into the store after every change:
// outbox changes at once, in order (a message must be stored before it is
// wired), conversations a moment later, in one batch. The store works on a
// goroutine of its own and reports back with Dispatch.

// localName is the IndexedDB database of the chat.
const localName = "chat"

// saveDelay batches conversation saves: a burst of entries is one write.
const saveDelay = 300 * time.Millisecond

// adoptEvery is how often a page with messages waiting in other tabs
// checks whether one of those tabs went away, leaving them to it.
const adoptEvery = 5 * time.Second

// offlineState is the Shell's side of the store. It changes on the UI
// goroutine only.
type offlineState struct {
	local *client.Local  // nil until open, and when the browser keeps nothing
	work  *workQueue     // the store's work, in order, off the UI goroutine
	ready bool           // the store was read (or cannot be)
	held  []client.Event // the connection's events, waiting for ready

	model  *client.Model  // the model mirror describes
	device string         // this tab's device
	mirror *client.Mirror // what the store holds of model, as written (or queued)

	gone map[chat.MsgID]bool // messages done with on this page: never adopt again
	// wiring lists the messages being marked as gone over the wire; the
	// messages after them wait, to keep each device's order.
	wiring map[chat.MsgID]bool
	// cancelling lists this tab's messages whose cancel the store has not
	// confirmed yet: shown as cancelling, never sent, gone once it has.
	cancelling map[chat.MsgID]bool

	saveDue bool // a save is scheduled
	polling bool // the adopt poll runs
}

// workQueue runs functions one after another on a goroutine of its own.
type workQueue struct {
	mu      sync.Mutex
	queue   []func()
	stopped bool
	wake    chan struct{}
}

func newWorkQueue() *workQueue {
	q := &workQueue{wake: make(chan struct{}, 1)}
	go q.run()
	return q
}

func (q *workQueue) do(f func()) {
	q.mu.Lock()
	q.queue = append(q.queue, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *workQueue) run() {
	for range q.wake {
		for {
			q.mu.Lock()
			if q.stopped {
				q.mu.Unlock()
				return
			}
			if len(q.queue) == 0 {
				q.mu.Unlock()
				break
			}
			f := q.queue[0]
			q.queue = q.queue[1:]
			q.mu.Unlock()
			f()
		}
	}
}

// restoreWait bounds how long the connection's events wait for the store:
// a browser whose storage hangs still gets a working chat.
const restoreWait = 3 * time.Second

// mountOffline opens the store, takes this tab's device, restores the saved
// conversations and the waiting messages. It calls start (which connects)
// at once; the connection's events wait until the store is read
// (holdEvent), so that the first Welcome resumes from what was saved. It
// runs only in the browser.
func (s *Shell) mountOffline(ctx app.Context, start func()) {
	o := &s.off
	start()
	ctx.After(restoreWait, func(ctx app.Context) {
		if !o.ready {
			app.Log("chat: the browser's storage does not answer; going on without it")
			s.storeReady(ctx)
		}
	})
	o.work = newWorkQueue()
	o.mirror = client.NewMirror("")
	o.gone = make(map[chat.MsgID]bool)
	o.wiring = make(map[chat.MsgID]bool)
	o.cancelling = make(map[chat.MsgID]bool)
	o.work.do(func() {
		st := openStore()
		ctx.Dispatch(func(ctx app.Context) { s.useStore(ctx, st) })
	})
}

// openedStore is what the page finds in the browser's storage as it starts.
type openedStore struct {
	local  *client.Local // nil when the browser keeps nothing
	device string        // the device this tab holds
	last   uint64        // its highest message counter
	mine   []*client.Outgoing
	saved  client.Saved
}

// openStore opens the browser's storage, takes a device for this tab and
// reads what was kept. It runs on the work queue, off the UI goroutine.
func openStore() openedStore {
	var st openedStore
	local, err := client.OpenLocal(localName)
	if err == nil {
		st.device, st.last, st.mine, err = local.TakeDevice()
	}
	if err == nil {
		st.saved, err = local.Load()
	}
	if err == nil && st.saved.Me != "" {
		var adopted []*client.Outgoing
		adopted, err = local.Adopt(st.saved.Me)
		st.mine = append(forUser(st.mine, st.saved.Me), adopted...)
	}
	if err != nil {
		app.Log("chat: this browser keeps nothing offline:", err)
		if local != nil {
			local.Close()
		}
		return openedStore{}
	}
	st.local = local
	return st
}

// useStore restores the page from what openStore found and applies the
// connection's events that waited for it.
//
// A store that answers after restoreWait (a loaded machine, a slow disk)
// is used all the same: the page went on without it, and now shows what it
// kept (unless the server's word came first: Restore keeps that).
func (s *Shell) useStore(ctx app.Context, st openedStore) {
	o := &s.off
	late := o.ready
	o.local, o.device = st.local, st.device
	if st.local != nil {
		s.model.SetDevice(st.device, st.last)
		s.model.Restore(st.saved)
		o.mirror = client.NewMirror(st.device)
		o.mirror.Restored(st.saved, s.model)
		s.adopt(st.mine)
		st.local.OnChange(func(c client.Change) {
			ctx.Dispatch(func(ctx app.Context) { s.onLocalChange(ctx, c) })
		})
		// Leaving: save what changed now, not after saveDelay. (The wasm
		// runs one goroutine at a time: the UI's is parked.)
		app.Window().Call("addEventListener", "pagehide", app.FuncOf(func(app.Value, []app.Value) any {
			if s.off.saveDue {
				s.saveConvs()
			}
			return nil
		}))
	}
	if late {
		s.followRoute(ctx)
		s.rev++
		s.afterActionPWA(ctx) // what the page wrote meanwhile goes into the store
	} else {
		s.storeReady(ctx)
	}
	s.refreshOthers(ctx)
}

// storeReady applies the connection's events that waited for the store.
func (s *Shell) storeReady(ctx app.Context) {
	o := &s.off
	o.model = s.model
	o.ready = true
	s.followRoute(ctx)
	s.rev++
	held := o.held
	o.held = nil
	for _, e := range held {
		s.onEvent(ctx, e)
	}
}

// holdEvent keeps a connection event until the store is read, and reports
// whether it did.
func (s *Shell) holdEvent(e client.Event) bool {
	if s.off.ready || !app.IsClient || s.off.work == nil {
		return false
	}
	s.off.held = append(s.off.held, e)
	return true
}

// forUser returns the messages of list written by user.
func forUser(list []*client.Outgoing, user string) []*client.Outgoing {
	var out []*client.Outgoing
	for _, o := range list {
		if o.User == user {
			out = append(out, o)
		}
	}
	return out
}

// adopt puts messages taken from the store into the outbox, as stored.
func (s *Shell) adopt(list []*client.Outgoing) {
	var fresh []*client.Outgoing
	for _, o := range list {
		if s.off.gone[o.ID] || s.model.Message(o.ID) != nil {
			continue
		}
		fresh = append(fresh, o)
		s.off.mirror.Stored(o)
	}
	s.model.Adopt(fresh)
	s.dropOthers(func(o *client.Outgoing) bool { return s.model.Message(o.ID) != nil })
}

// syncOffline mirrors the model into the store; the Shell calls it after
// every change (frames, actions).
func (s *Shell) syncOffline(ctx app.Context) {
	defer s.afterSyncUploads() // offline_files.go
	o := &s.off
	if !o.ready {
		return
	}
	if o.model != s.model {
		// A sign-in replaced the model: it writes under this tab's device
		// too (when the browser gave it one), and starts with nothing stored.
		if o.device != "" {
			s.model.SetDevice(o.device, max(o.model.Counter(), s.model.Counter()))
		}
		o.model = s.model
		o.mirror = client.NewMirror(o.device)
	}
	if o.local == nil {
		return
	}
	local := o.local
	w := o.mirror.Outbox(s.model)
	for _, m := range w.Add {
		o.work.do(func() {
			if err := local.Add(&m); err != nil {
				ctx.Dispatch(func(ctx app.Context) { s.notSaved(m, err) })
			}
		})
	}
	for _, m := range w.Update {
		o.work.do(func() { logErr(local.Update(&m)) })
	}
	for _, id := range w.Done {
		o.gone[id] = true
	}
	if len(w.Done) > 0 {
		o.work.do(func() {
			logErr(local.Delete(w.Done...))
			for _, d := range w.Freed {
				local.Release(d)
			}
			local.Announce(client.Change{})
		})
	}
	s.scheduleSave(ctx)
}

// notSaved tells the user that message m could not be kept on this device,
// and gives its text back to the composer: the page forgets the message,
// which was never sent (wireFirst sends only what the store marked).
func (s *Shell) notSaved(m client.Outgoing, err error) {
	app.Log("chat: a message could not be saved on this device:", err)
	s.off.mirror.Unstored(m.ID)
	s.off.gone[m.ID] = true
	s.model.Discard(m.ID)
	s.notice = T(s.lang, "outbox.not.saved")
	s.rev++
	text := m.Text
	if m.To != "" {
		text = "/msg " + m.To + " " + m.Text
	}
	giveBackToComposer(text)
}

func logErr(err error) {
	if err != nil {
		app.Log("chat: local store:", err)
	}
}

// scheduleSave saves the conversations that changed, a moment later.
func (s *Shell) scheduleSave(ctx app.Context) {
	if s.off.saveDue || s.model.Me == "" || s.model.NeedName {
		return
	}
	if !s.off.mirror.ConvsChanged(s.model) {
		return
	}
	s.off.saveDue = true
	ctx.After(saveDelay, func(ctx app.Context) {
		s.off.saveDue = false
		s.saveConvs()
	})
}

// saveConvs writes the conversations that changed and forgets those gone.
func (s *Shell) saveConvs() {
	o := &s.off
	if o.local == nil {
		return
	}
	w := o.mirror.Convs(s.model)
	if w.Empty() {
		return
	}
	local := o.local
	o.work.do(func() { logErr(local.SaveConvs(w)) })
}

// wireFirst holds back the messages that have never gone over the wire, and
// everything sent after them, until the store has marked them as going out
// (so that no tab can cancel them any more, and one cancelled in another
// tab is not sent); then it sends them. Other frames pass.
func (s *Shell) wireFirst(ctx app.Context, frames []chat.Frame) []chat.Frame {
	o := &s.off
	if o.local == nil {
		return frames
	}
	out := frames[:0:0]
	var need []chat.MsgID
	hold := len(o.wiring) > 0
	for _, f := range frames {
		id, ok := client.OutboxID(f)
		if !ok {
			out = append(out, f)
			continue
		}
		msg := s.model.Message(id)
		switch {
		case o.cancelling[id]:
			hold = true // the store decides; if the cancel fails, it goes later
		case s.state != client.Online:
			// Not now: nothing is written offline, so it stays cancellable.
		case msg == nil || (!hold && msg.Wired):
			out = append(out, f)
		default:
			hold = true
			if !msg.Wired && !o.wiring[id] {
				need = append(need, id)
			}
		}
	}
	if len(need) == 0 {
		return out
	}
	for _, id := range need {
		o.wiring[id] = true
	}
	s.syncOffline(ctx) // stored before marked
	local := o.local
	o.work.do(func() {
		present, err := local.Wire(need)
		if err != nil {
			logErr(err)
			present = need // the store failed: send anyway, the server dedupes
		}
		local.Announce(client.Change{Wired: present})
		ctx.Dispatch(func(ctx app.Context) { s.wired(ctx, need, present) })
	})
	return out
}

// wired sends the messages the store marked as going out, and drops those
// cancelled meanwhile in another tab.
func (s *Shell) wired(ctx app.Context, asked, present []chat.MsgID) {
	o := &s.off
	ok := make(map[chat.MsgID]bool, len(present))
	for _, id := range present {
		ok[id] = true
	}
	for _, id := range asked {
		delete(o.wiring, id)
		m := s.model.Message(id)
		if m == nil {
			continue
		}
		if ok[id] {
			m.Wired = true
			if o.mirror.Holds(id) {
				o.mirror.Stored(m)
			}
			continue
		}
		o.mirror.Unstored(id) // cancelled elsewhere: gone from the store already
		o.gone[id] = true
		s.model.Discard(id)
	}
	s.rev++
	s.sendAll(ctx, s.model.Unsent())
}

// isOther reports whether m waits in another tab (shown, not sent here).
func (s *Shell) isOther(m *client.Outgoing) bool {
	for _, o := range s.model.Others {
		if o == m {
			return true
		}
	}
	return false
}

// canCancel reports whether the pending message m may still be cancelled.
func (s *Shell) canCancel(m *client.Outgoing) bool {
	if s.isOther(m) {
		return s.off.local != nil
	}
	// Online, a message of this tab is on its way: no button to flash by.
	return m.Cancellable() && !s.off.wiring[m.ID] && !s.off.cancelling[m.ID] && (s.state != client.Online || m.AwaitsUpload())
}

// onCancelPending cancels a message that has not gone over the wire: this
// tab's, or one waiting in another tab.
func (s *Shell) onCancelPending(ctx app.Context, m *client.Outgoing) {
	id := m.ID
	if !s.isOther(m) {
		if !s.canCancel(m) {
			return
		}
		if s.off.local == nil {
			if s.model.Cancel(id) {
				s.rev++
			}
			return
		}
		// The message stays, shown as cancelling and held back, until the
		// store has dropped it: a reload or a closed tab right after the
		// click must not find it in the outbox and send it after all.
		s.off.cancelling[id] = true
		s.abortUpload(id) // offline_files.go
		s.rev++
		local, root := s.off.local, s.root
		s.off.work.do(func() {
			cancelled, err := local.Cancel(id)
			if err == nil {
				local.Announce(client.Change{})
			}
			root.Dispatch(func(ctx app.Context) { s.cancelled(ctx, id, cancelled, err) })
		})
		return
	}
	local, root := s.off.local, s.root
	if local == nil {
		return
	}
	s.off.work.do(func() {
		cancelled, err := local.Cancel(id)
		if err == nil {
			local.Announce(client.Change{})
		}
		root.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				s.notice = T(s.lang, "pending.cancel.failed")
			case !cancelled:
				s.notice = T(s.lang, "pending.cancel.late")
			}
			if err == nil {
				s.dropOthers(func(o *client.Outgoing) bool { return o.ID == id })
			}
			s.rev++
			s.refreshOthers(ctx)
		})
	})
}

// cancelled follows the store's answer to cancelling this tab's message id.
func (s *Shell) cancelled(ctx app.Context, id chat.MsgID, cancelled bool, err error) {
	delete(s.off.cancelling, id)
	s.rev++
	switch {
	case err != nil:
		s.notice = T(s.lang, "pending.cancel.failed")
	case !cancelled:
		s.notice = T(s.lang, "pending.cancel.late")
	default:
		s.off.mirror.Unstored(id)
		s.off.gone[id] = true
		s.model.Cancel(id)
	}
	if s.state == client.Online {
		s.sendAll(ctx, s.model.Unsent()) // what waited behind it
	}
	s.pumpUploads() // the files of the messages after it (offline_files.go)
}

// dropOthers removes the messages of other tabs that drop selects.
func (s *Shell) dropOthers(drop func(*client.Outgoing) bool) {
	kept := s.model.Others[:0]
	for _, o := range s.model.Others {
		if !drop(o) {
			kept = append(kept, o)
		}
	}
	s.model.Others = kept
}

// onLocalChange reacts to another tab's change: messages it is sending stop
// showing as waiting here at once; then the page reads what waits and
// takes over what a closed tab left.
func (s *Shell) onLocalChange(ctx app.Context, c client.Change) {
	if len(c.Wired) > 0 {
		wired := make(map[chat.MsgID]bool, len(c.Wired))
		for _, id := range c.Wired {
			wired[id] = true
		}
		s.dropOthers(func(o *client.Outgoing) bool { return wired[o.ID] })
		s.rev++
	}
	s.takeOver(ctx)
	s.refreshOthers(ctx)
}

// takeOver adopts the messages that closed tabs left waiting, then sends
// what can go.
func (s *Shell) takeOver(ctx app.Context) {
	local, me := s.off.local, s.model.Me
	if local == nil || me == "" || s.model.NeedName {
		return
	}
	s.off.work.do(func() {
		list, err := local.Adopt(me)
		logErr(err)
		if len(list) == 0 {
			return
		}
		ctx.Dispatch(func(ctx app.Context) {
			if s.model.Me != me {
				return
			}
			s.adopt(list)
			s.rev++
			if s.state == client.Online {
				s.sendAll(ctx, s.model.Unsent())
			}
		})
	})
}

// refreshOthers reads the messages waiting in the profile's other tabs.
// While some wait, it looks again now and then, to take them over should
// their tab go away.
func (s *Shell) refreshOthers(ctx app.Context) {
	local, me := s.off.local, s.model.Me
	if local == nil || me == "" {
		return
	}
	s.off.work.do(func() {
		list, err := local.Others(me)
		logErr(err)
		ctx.Dispatch(func(ctx app.Context) {
			if s.model.Me != me {
				return
			}
			var shown []*client.Outgoing
			for _, o := range list {
				if !s.off.gone[o.ID] && s.model.Message(o.ID) == nil {
					shown = append(shown, o)
				}
			}
			if len(shown) != 0 || len(s.model.Others) != 0 {
				s.model.Others = shown
				s.rev++
			}
			if len(shown) > 0 && !s.off.polling {
				s.off.polling = true
				ctx.After(adoptEvery, func(ctx app.Context) {
					s.off.polling = false
					s.takeOver(ctx)
					s.refreshOthers(ctx)
				})
			}
		})
	})
}

// offlineForget returns a function that deletes what the browser kept
// and returns when it is done: it blocks, so call it off the UI goroutine.
func (s *Shell) offlineForget() func() {
	local, work := s.off.local, s.off.work
	return func() {
		defer forgetThumbs() // offline_files.go
		if local == nil {
			return
		}
		done := make(chan struct{})
		work.do(func() {
			logErr(local.Forget())
			close(done)
		})
		<-done
	}
}
