//go:build js

package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// The IndexedDB backend. Four object stores: meta (the Saved record, as
// JSON text under the key "saved"), convs (a SavedConv as JSON text per
// conversation id), devices ({id, last}) and outbox (a record per message,
// keyed by [device, counter], with the bytes of its files that wait to be
// uploaded as Blobs: recordValue). Devices are held with Web Locks named
// "chat-device-<id>", which the browser frees when the page goes away, and
// the tabs tell each other about changes on the BroadcastChannel
// "chat-local".
//
// The calls block on a channel until IndexedDB answers; the Go runtime
// runs the waiting goroutine while the answering event is dispatched, so a
// transaction stays active across them. Answers that must act inside a
// transaction (wire, cancel) act in the event callback itself.

const (
	idbVersion  = 1
	stMeta      = "meta"
	stConvs     = "convs"
	stDevices   = "devices"
	stOutbox    = "outbox"
	channelName = "chat-local"
	metaKey     = "saved"
)

type idbBackend struct {
	db      app.Value
	channel app.Value
	onMsg   app.Func
	locking bool // the browser has Web Locks

	mu     sync.Mutex
	closed bool
	locks  map[string]app.Value // device -> resolve() that frees its lock
	listen []func(Change)
}

func openBackend(name string) (b backend, err error) {
	defer recoverJS(&err)
	w := app.Window()
	idb := w.Get("indexedDB")
	if !idb.Truthy() {
		return nil, ErrNoLocal
	}
	req := idb.Call("open", name, idbVersion)
	upgrade := app.FuncOf(func(app.Value, []app.Value) any {
		db := req.Get("result")
		names := db.Get("objectStoreNames")
		for _, s := range []struct {
			name string
			opts map[string]any
		}{
			{stMeta, nil},
			{stConvs, nil},
			{stDevices, map[string]any{"keyPath": "id"}},
			{stOutbox, map[string]any{"keyPath": []any{"d", "n"}}},
		} {
			if names.Call("contains", s.name).Bool() {
				continue
			}
			if s.opts == nil {
				db.Call("createObjectStore", s.name)
			} else {
				db.Call("createObjectStore", s.name, s.opts)
			}
		}
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	db, err := wait(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoLocal, err)
	}
	ib := &idbBackend{db: db, locks: make(map[string]app.Value)}
	// Another page deleting or upgrading the database must not wait for us.
	db.Set("onversionchange", app.FuncOf(func(app.Value, []app.Value) any {
		ib.close()
		return nil
	}))
	ib.locking = w.Get("navigator").Get("locks").Truthy()
	if bc := w.Get("BroadcastChannel"); bc.Truthy() {
		ib.channel = bc.New(channelName)
		ib.onMsg = app.FuncOf(func(_ app.Value, args []app.Value) any {
			var c Change
			if len(args) > 0 && args[0].Get("data").Type() == app.TypeString {
				json.Unmarshal([]byte(args[0].Get("data").String()), &c)
			}
			ib.mu.Lock()
			listeners := append([]func(Change){}, ib.listen...)
			ib.mu.Unlock()
			for _, f := range listeners {
				go f(c) // never block a JavaScript event
			}
			return nil
		})
		ib.channel.Set("onmessage", ib.onMsg)
	}
	return ib, nil
}

// recoverJS turns a JavaScript exception thrown into Go (a panic of
// syscall/js) into an error.
func recoverJS(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("indexeddb: %v", r)
	}
}

// jsError describes a DOMException.
func jsError(v app.Value) error {
	if v == nil || !v.Truthy() {
		return errors.New("indexeddb: failed")
	}
	return fmt.Errorf("indexeddb: %s: %s", v.Get("name").String(), v.Get("message").String())
}

// wait blocks until the IDBRequest req succeeds or fails.
func wait(req app.Value) (app.Value, error) {
	done := make(chan error, 1)
	ok := app.FuncOf(func(app.Value, []app.Value) any { done <- nil; return nil })
	fail := app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) > 0 {
			args[0].Call("preventDefault") // handled here: do not abort more than needed
		}
		done <- jsError(req.Get("error"))
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	req.Set("onsuccess", ok)
	req.Set("onerror", fail)
	if err := <-done; err != nil {
		return nil, err
	}
	return req.Get("result"), nil
}

// transact runs fill in a transaction over stores and waits for it to
// commit. fill issues the requests; results are read from them after.
func (b *idbBackend) transact(stores []string, mode string, fill func(tx app.Value)) (err error) {
	defer recoverJS(&err)
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrLocalClosed
	}
	names := make([]any, len(stores))
	for i, s := range stores {
		names[i] = s
	}
	tx := b.db.Call("transaction", names, mode)
	done := make(chan error, 1)
	complete := app.FuncOf(func(app.Value, []app.Value) any { done <- nil; return nil })
	fail := app.FuncOf(func(app.Value, []app.Value) any { done <- jsError(tx.Get("error")); return nil })
	defer complete.Release()
	defer fail.Release()
	tx.Set("oncomplete", complete)
	tx.Set("onerror", fail)
	tx.Set("onabort", fail)
	fill(tx)
	return <-done
}

func key(id chat.MsgID) []any { return []any{id.Device, id.N} }

// recordValue is the stored value of r. Its files are JSON text ("files",
// "up"); the bytes of the files that wait to be uploaded are Blobs in "b",
// one per upload (null once uploaded), so that they are written, read and
// deleted with their message, in its transactions.
func recordValue(r record) map[string]any {
	v := map[string]any{"d": r.Device, "n": r.N, "u": r.User, "c": r.Conv, "to": r.To,
		"text": r.Text, "t": r.Time, "w": r.Wired, "f": r.Failed, "x": r.Action}
	if len(r.Files) > 0 {
		b, _ := json.Marshal(r.Files)
		v["files"] = string(b)
	}
	if len(r.Uploads) > 0 {
		b, _ := json.Marshal(r.Uploads)
		v["up"] = string(b)
		blobs := make([]any, len(r.Uploads))
		for i, u := range r.Uploads {
			if u.Bytes != nil && !u.Done() {
				blobs[i] = u.Bytes
			}
		}
		v["b"] = blobs
	}
	return v
}

func recordOf(v app.Value) record {
	str := func(k string) string {
		if f := v.Get(k); f.Type() == app.TypeString {
			return f.String()
		}
		return ""
	}
	r := record{Device: str("d"), N: uint64(v.Get("n").Float()), User: str("u"), Conv: str("c"),
		To: str("to"), Text: str("text"), Time: int64(v.Get("t").Float()), Wired: v.Get("w").Truthy(), Failed: str("f"), Action: str("x")}
	if text := str("files"); text != "" {
		json.Unmarshal([]byte(text), &r.Files) // unreadable: sent without them, as before
	}
	if text := str("up"); text != "" {
		if err := json.Unmarshal([]byte(text), &r.Uploads); err != nil && r.Failed == "" {
			r.Failed = "its files could not be read back"
		}
		blobs := v.Get("b")
		for i := range r.Uploads {
			if blobs.Truthy() && i < blobs.Length() && blobs.Index(i).Truthy() {
				r.Uploads[i].Bytes = blobs.Index(i)
			} else if !r.Uploads[i].Done() && r.Failed == "" {
				r.Failed = "the bytes of " + r.Uploads[i].Name + " are gone from this browser"
			}
		}
	}
	return r
}

func (b *idbBackend) exclusive() bool { return b.locking }

func (b *idbBackend) tryLock(device string) bool {
	if !b.locking {
		return true // no Web Locks: see exclusive
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return false
	}
	got := make(chan app.Value, 1)
	executor := app.FuncOf(func(_ app.Value, args []app.Value) any {
		got <- args[0] // resolve: called, it frees the lock
		return nil
	})
	request := app.FuncOf(func(_ app.Value, args []app.Value) any {
		if len(args) == 0 || args[0].IsNull() {
			got <- nil // held by another page
			return nil
		}
		return app.Window().Get("Promise").New(executor)
	})
	defer executor.Release()
	defer request.Release()
	app.Window().Get("navigator").Get("locks").Call("request", "chat-device-"+device,
		map[string]any{"ifAvailable": true}, request)
	resolve := <-got
	if resolve == nil {
		return false
	}
	b.mu.Lock()
	b.locks[device] = resolve
	b.mu.Unlock()
	return true
}

func (b *idbBackend) unlock(device string) {
	b.mu.Lock()
	resolve := b.locks[device]
	delete(b.locks, device)
	b.mu.Unlock()
	if resolve != nil {
		resolve.Invoke()
	}
}

// getAll returns every value of an object store, read in one transaction.
func (b *idbBackend) getAll(store string) (list app.Value, err error) {
	var req app.Value
	err = b.transact([]string{store}, "readonly", func(tx app.Value) {
		req = tx.Call("objectStore", store).Call("getAll")
	})
	if err != nil {
		return nil, err
	}
	return req.Get("result"), nil
}

func (b *idbBackend) devices() (map[string]uint64, error) {
	list, err := b.getAll(stDevices)
	if err != nil {
		return nil, err
	}
	out := make(map[string]uint64)
	for i := range list.Length() {
		v := list.Index(i)
		out[v.Get("id").String()] = uint64(v.Get("last").Float())
	}
	return out, nil
}

func (b *idbBackend) records() ([]record, error) {
	list, err := b.getAll(stOutbox)
	if err != nil {
		return nil, err
	}
	out := make([]record, 0, list.Length())
	for i := range list.Length() {
		out = append(out, recordOf(list.Index(i)))
	}
	return out, nil
}

func (b *idbBackend) add(r record) error {
	return b.transact([]string{stOutbox, stDevices}, "readwrite", func(tx app.Value) {
		tx.Call("objectStore", stOutbox).Call("put", recordValue(r))
		// Only the device's holder adds to it, with growing counters.
		tx.Call("objectStore", stDevices).Call("put", map[string]any{"id": r.Device, "last": r.N})
	})
}

// each gets the stored value of every id in a readwrite transaction and
// calls act with it (null when missing) inside the success event, where
// the transaction is active.
func (b *idbBackend) each(ids []chat.MsgID, act func(store app.Value, id chat.MsgID, v app.Value)) error {
	var funcs []app.Func
	defer func() {
		for _, f := range funcs {
			f.Release()
		}
	}()
	return b.transact([]string{stOutbox}, "readwrite", func(tx app.Value) {
		store := tx.Call("objectStore", stOutbox)
		for _, id := range ids {
			req := store.Call("get", key(id))
			f := app.FuncOf(func(app.Value, []app.Value) any {
				act(store, id, req.Get("result"))
				return nil
			})
			funcs = append(funcs, f)
			req.Set("onsuccess", f)
		}
	})
}

func (b *idbBackend) update(r record) error {
	return b.each([]chat.MsgID{{Device: r.Device, N: r.N}}, func(store app.Value, _ chat.MsgID, v app.Value) {
		if v.Truthy() {
			store.Call("put", recordValue(r))
		}
	})
}

func (b *idbBackend) remove(ids []chat.MsgID) error {
	return b.transact([]string{stOutbox}, "readwrite", func(tx app.Value) {
		store := tx.Call("objectStore", stOutbox)
		for _, id := range ids {
			store.Call("delete", key(id))
		}
	})
}

func (b *idbBackend) wire(ids []chat.MsgID) ([]chat.MsgID, error) {
	var present []chat.MsgID // filled in request order, as IndexedDB answers
	err := b.each(ids, func(store app.Value, id chat.MsgID, v app.Value) {
		if !v.Truthy() {
			return
		}
		present = append(present, id)
		if !v.Get("w").Truthy() {
			v.Set("w", true)
			store.Call("put", v)
		}
	})
	return present, err
}

func (b *idbBackend) cancel(id chat.MsgID) (bool, error) {
	cancelled := false
	err := b.each([]chat.MsgID{id}, func(store app.Value, id chat.MsgID, v app.Value) {
		if v.Truthy() && !v.Get("w").Truthy() {
			store.Call("delete", key(id))
			cancelled = true
		}
	})
	return cancelled && err == nil, err
}

func (b *idbBackend) meta() (string, error) {
	var req app.Value
	err := b.transact([]string{stMeta}, "readonly", func(tx app.Value) {
		req = tx.Call("objectStore", stMeta).Call("get", metaKey)
	})
	if err != nil {
		return "", err
	}
	if v := req.Get("result"); v.Type() == app.TypeString {
		return v.String(), nil
	}
	return "", nil
}

func (b *idbBackend) putMeta(text string) error {
	return b.transact([]string{stMeta}, "readwrite", func(tx app.Value) {
		tx.Call("objectStore", stMeta).Call("put", text, metaKey)
	})
}

func (b *idbBackend) convs() ([]string, error) {
	list, err := b.getAll(stConvs)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, list.Length())
	for i := range list.Length() {
		if v := list.Index(i); v.Type() == app.TypeString {
			out = append(out, v.String())
		}
	}
	return out, nil
}

func (b *idbBackend) putConv(id, text string) error {
	return b.transact([]string{stConvs}, "readwrite", func(tx app.Value) {
		tx.Call("objectStore", stConvs).Call("put", text, id)
	})
}

func (b *idbBackend) removeConvs(ids []string) error {
	return b.transact([]string{stConvs}, "readwrite", func(tx app.Value) {
		store := tx.Call("objectStore", stConvs)
		for _, id := range ids {
			store.Call("delete", id)
		}
	})
}

func (b *idbBackend) clear() error {
	return b.transact([]string{stMeta, stConvs, stOutbox}, "readwrite", func(tx app.Value) {
		for _, s := range []string{stMeta, stConvs, stOutbox} {
			tx.Call("objectStore", s).Call("clear")
		}
	})
}

func (b *idbBackend) broadcast(c Change) {
	if b.channel == nil {
		return
	}
	data, _ := json.Marshal(c)
	defer func() { recover() }() // a closed channel throws; nobody to tell then
	b.channel.Call("postMessage", string(data))
}

func (b *idbBackend) onBroadcast(f func(Change)) {
	b.mu.Lock()
	b.listen = append(b.listen, f)
	b.mu.Unlock()
}

func (b *idbBackend) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	locks := b.locks
	b.locks = make(map[string]app.Value)
	b.listen = nil
	b.mu.Unlock()
	for _, resolve := range locks {
		resolve.Invoke()
	}
	b.db.Call("close")
	if b.channel != nil {
		b.channel.Call("close")
	}
}
