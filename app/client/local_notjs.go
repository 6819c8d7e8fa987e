//go:build !js

package client

import (
	"maps"
	"slices"
	"sync"

	"github.com/founding/chat/app/chat"
)

// The memory backend stands in for IndexedDB outside the browser: every
// Local opened with one name shares one profile, as the tabs of a browser
// profile share its IndexedDB and its Web Locks, so tests can play several
// tabs, a reload (Close, then OpenLocal again) and a closed tab.

var profiles = struct {
	sync.Mutex
	m map[string]*memProfile
}{m: make(map[string]*memProfile)}

// memProfile is one profile's data; its mutex makes every operation atomic,
// as an IndexedDB transaction is.
type memProfile struct {
	mu      sync.Mutex
	meta    string
	convs   map[string]string
	devices map[string]uint64
	outbox  map[chat.MsgID]record
	locks   map[string]*memBackend // device -> holder
	tabs    map[*memBackend]bool
	failing error // what every write returns, set by FailWrites
}

// FailWrites makes every write to the store name (of every Local opened
// with that name) fail with err, as a full disk or a storage quota would,
// until FailWrites(name, nil). Reads still work. It exists outside the
// browser only, for tests of what the user is told when a save fails.
func FailWrites(name string, err error) {
	p := profile(name)
	p.mu.Lock()
	p.failing = err
	p.mu.Unlock()
}

// write takes the profile's lock for a write: it fails when closed or when
// writes fail (FailWrites).
func (b *memBackend) write() error {
	if err := b.lock(); err != nil {
		return err
	}
	if err := b.p.failing; err != nil {
		b.p.mu.Unlock()
		return err
	}
	return nil
}

type memBackend struct {
	p      *memProfile
	mu     sync.Mutex
	closed bool
	listen []func(Change)
}

func openBackend(name string) (backend, error) {
	p := profile(name)
	b := &memBackend{p: p}
	p.mu.Lock()
	p.tabs[b] = true
	p.mu.Unlock()
	return b, nil
}

// profile returns the profile name, made on first use.
func profile(name string) *memProfile {
	profiles.Lock()
	defer profiles.Unlock()
	p := profiles.m[name]
	if p == nil {
		p = &memProfile{
			convs:   make(map[string]string),
			devices: make(map[string]uint64),
			outbox:  make(map[chat.MsgID]record),
			locks:   make(map[string]*memBackend),
			tabs:    make(map[*memBackend]bool),
		}
		profiles.m[name] = p
	}
	return p
}

func (b *memBackend) lock() error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrLocalClosed
	}
	b.p.mu.Lock()
	return nil
}

func (b *memBackend) exclusive() bool { return true }

func (b *memBackend) tryLock(device string) bool {
	if b.lock() != nil {
		return false
	}
	defer b.p.mu.Unlock()
	if holder := b.p.locks[device]; holder != nil && holder != b {
		return false
	}
	b.p.locks[device] = b
	return true
}

func (b *memBackend) unlock(device string) {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if b.p.locks[device] == b {
		delete(b.p.locks, device)
	}
}

func (b *memBackend) devices() (map[string]uint64, error) {
	if err := b.lock(); err != nil {
		return nil, err
	}
	defer b.p.mu.Unlock()
	return maps.Clone(b.p.devices), nil
}

func (b *memBackend) records() ([]record, error) {
	if err := b.lock(); err != nil {
		return nil, err
	}
	defer b.p.mu.Unlock()
	return slices.Collect(maps.Values(b.p.outbox)), nil
}

func (b *memBackend) add(r record) error {
	if err := b.write(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	b.p.outbox[chat.MsgID{Device: r.Device, N: r.N}] = r
	b.p.devices[r.Device] = max(b.p.devices[r.Device], r.N)
	return nil
}

func (b *memBackend) update(r record) error {
	if err := b.write(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	id := chat.MsgID{Device: r.Device, N: r.N}
	if _, ok := b.p.outbox[id]; ok {
		b.p.outbox[id] = r
	}
	return nil
}

func (b *memBackend) remove(ids []chat.MsgID) error {
	if err := b.lock(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	for _, id := range ids {
		delete(b.p.outbox, id)
	}
	return nil
}

func (b *memBackend) wire(ids []chat.MsgID) ([]chat.MsgID, error) {
	if err := b.lock(); err != nil {
		return nil, err
	}
	defer b.p.mu.Unlock()
	var present []chat.MsgID
	for _, id := range ids {
		if r, ok := b.p.outbox[id]; ok {
			r.Wired = true
			b.p.outbox[id] = r
			present = append(present, id)
		}
	}
	return present, nil
}

func (b *memBackend) cancel(id chat.MsgID) (bool, error) {
	if err := b.lock(); err != nil {
		return false, err
	}
	defer b.p.mu.Unlock()
	r, ok := b.p.outbox[id]
	if !ok || r.Wired {
		return false, nil
	}
	delete(b.p.outbox, id)
	return true, nil
}

func (b *memBackend) meta() (string, error) {
	if err := b.lock(); err != nil {
		return "", err
	}
	defer b.p.mu.Unlock()
	return b.p.meta, nil
}

func (b *memBackend) putMeta(json string) error {
	if err := b.write(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	b.p.meta = json
	return nil
}

func (b *memBackend) convs() ([]string, error) {
	if err := b.lock(); err != nil {
		return nil, err
	}
	defer b.p.mu.Unlock()
	return slices.Collect(maps.Values(b.p.convs)), nil
}

func (b *memBackend) putConv(id, json string) error {
	if err := b.write(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	b.p.convs[id] = json
	return nil
}

func (b *memBackend) removeConvs(ids []string) error {
	if err := b.lock(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	for _, id := range ids {
		delete(b.p.convs, id)
	}
	return nil
}

func (b *memBackend) clear() error {
	if err := b.lock(); err != nil {
		return err
	}
	defer b.p.mu.Unlock()
	b.p.meta = ""
	b.p.convs = make(map[string]string)
	b.p.outbox = make(map[chat.MsgID]record)
	return nil
}

func (b *memBackend) broadcast(c Change) {
	b.p.mu.Lock()
	var listeners []func(Change)
	for tab := range b.p.tabs {
		if tab == b {
			continue
		}
		tab.mu.Lock()
		listeners = append(listeners, tab.listen...)
		tab.mu.Unlock()
	}
	b.p.mu.Unlock()
	for _, f := range listeners {
		go f(c)
	}
}

func (b *memBackend) onBroadcast(f func(Change)) {
	b.mu.Lock()
	b.listen = append(b.listen, f)
	b.mu.Unlock()
}

func (b *memBackend) close() {
	b.mu.Lock()
	b.closed = true
	b.listen = nil
	b.mu.Unlock()
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	delete(b.p.tabs, b)
	for d, holder := range b.p.locks {
		if holder == b {
			delete(b.p.locks, d)
		}
	}
}
