package memory

import (
	"context"
	"sort"
	"sync"

	"github.com/founding/chat/server/hub"
)

var _ hub.Directory = (*Directory)(nil)

// Directory is an in-process hub.Directory: conversations, memberships,
// read positions and last-seen times. It is safe for concurrent use.
type Directory struct {
	mu       sync.Mutex
	convs    map[string]hub.ConvRecord
	members  map[string]map[string]bool   // user -> conv -> true
	cursors  map[string]map[string]uint64 // user -> conv -> seq
	seen     map[string]int64             // user -> Unix ms
	looks    map[string]string            // look -> conv
	watchers []func(hub.MembershipChange)
	readers  []func(hub.CursorChange)
	records  watchers[hub.ConvRecord] // WatchConvs
	mod      moderation               // rooms' rules, invitations, mutes (moderation.go)
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{
		convs:   make(map[string]hub.ConvRecord),
		members: make(map[string]map[string]bool),
		cursors: make(map[string]map[string]uint64),
		seen:    make(map[string]int64),
		looks:   make(map[string]string),
		mod:     newModeration(),
	}
}

// CreateConv stores rec unless a conversation with its id exists, and
// returns the stored record.
func (d *Directory) CreateConv(_ context.Context, rec hub.ConvRecord) (hub.ConvRecord, error) {
	d.mu.Lock()
	if old, ok := d.convs[rec.ID]; ok {
		d.mu.Unlock()
		return old, nil
	}
	d.convs[rec.ID] = rec
	d.mu.Unlock()
	d.records.send(rec)
	return rec, nil
}

// WatchConvs calls fn with every record stored or changed later.
func (d *Directory) WatchConvs(_ context.Context, fn func(hub.ConvRecord)) (func(), error) {
	return d.records.add(fn), nil
}

// HoldLook records that conversation id holds look unless another one does,
// and returns the holder.
func (d *Directory) HoldLook(_ context.Context, look, id string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if holder, ok := d.looks[look]; ok {
		return holder, nil
	}
	d.looks[look] = id
	return id, nil
}

// Conv returns the record of conversation id, or hub.ErrNotFound.
func (d *Directory) Conv(_ context.Context, id string) (hub.ConvRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.convs[id]
	if !ok {
		return hub.ConvRecord{}, hub.ErrNotFound
	}
	return rec, nil
}

// SetMember makes user a member of conv or not, and reports whether that
// changed anything. Watchers hear of every change.
func (d *Directory) SetMember(_ context.Context, user, conv string, member bool) (bool, error) {
	d.mu.Lock()
	convs := d.members[user]
	if convs == nil {
		convs = make(map[string]bool)
		d.members[user] = convs
	}
	changed := convs[conv] != member
	if member {
		convs[conv] = true
	} else {
		delete(convs, conv)
	}
	watchers := d.watchers
	d.mu.Unlock()
	if changed {
		for _, w := range watchers {
			w(hub.MembershipChange{User: user, Conv: conv, Member: member})
		}
	}
	return changed, nil
}

// Memberships lists the conversations user is in, sorted.
func (d *Directory) Memberships(_ context.Context, user string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	list := make([]string, 0, len(d.members[user]))
	for c := range d.members[user] {
		list = append(list, c)
	}
	sort.Strings(list)
	return list, nil
}

// RaiseCursor records that user read conv up to seq, if that is further
// than before, and reports whether it was.
func (d *Directory) RaiseCursor(_ context.Context, user, conv string, seq uint64) (bool, error) {
	d.mu.Lock()
	m := d.cursors[user]
	if m == nil {
		m = make(map[string]uint64)
		d.cursors[user] = m
	}
	if seq <= m[conv] {
		d.mu.Unlock()
		return false, nil
	}
	m[conv] = seq
	readers := d.readers
	d.mu.Unlock()
	for _, r := range readers {
		r(hub.CursorChange{User: user, Conv: conv, Seq: seq})
	}
	return true, nil
}

// WatchCursors calls fn for every later raised read position.
func (d *Directory) WatchCursors(_ context.Context, fn func(hub.CursorChange)) (func(), error) {
	d.mu.Lock()
	d.readers = append(d.readers, fn)
	d.mu.Unlock()
	return func() {}, nil
}

// Cursors returns user's read positions by conversation.
func (d *Directory) Cursors(_ context.Context, user string) (map[string]uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]uint64, len(d.cursors[user]))
	for k, v := range d.cursors[user] {
		out[k] = v
	}
	return out, nil
}

// Cursor returns user's read position of conv, 0 if none.
func (d *Directory) Cursor(_ context.Context, user, conv string) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cursors[user][conv], nil
}

// SetSeen records when user was last online (Unix ms).
func (d *Directory) SetSeen(_ context.Context, user string, ms int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[user] = ms
	return nil
}

// Seen returns when user was last online, 0 if never recorded.
func (d *Directory) Seen(_ context.Context, user string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[user], nil
}

// WatchMemberships calls fn for every later membership change.
func (d *Directory) WatchMemberships(_ context.Context, fn func(hub.MembershipChange)) (func(), error) {
	d.mu.Lock()
	d.watchers = append(d.watchers, fn)
	d.mu.Unlock()
	return func() {}, nil
}
