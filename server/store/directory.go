package store

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/founding/chat/app/chat"
)

// ErrNotFound means the record asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// ConvRecord describes a conversation: a room with the name it was created
// with, or a private conversation with its two members.
type ConvRecord struct {
	ID      string        `json:"id"`
	Kind    chat.ConvKind `json:"kind"`
	Name    string        `json:"name,omitempty"`
	Members []Member      `json:"members,omitempty"`
}

// Member is a user as a conversation record names them.
type Member struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// MembershipChange is one user joining or leaving a conversation.
type MembershipChange struct {
	User   string // user key
	Conv   string // conversation id
	Member bool   // true for joined, false for left
}

// MemoryDirectory keeps conversations, memberships, read positions and
// last-seen times in the process. It is safe for concurrent use.
type MemoryDirectory struct {
	mu       sync.Mutex
	convs    map[string]ConvRecord
	members  map[string]map[string]bool   // user -> conv -> true
	cursors  map[string]map[string]uint64 // user -> conv -> seq
	seen     map[string]int64             // user -> Unix ms
	watchers []func(MembershipChange)
}

// NewMemoryDirectory returns an empty directory.
func NewMemoryDirectory() *MemoryDirectory {
	return &MemoryDirectory{
		convs:   make(map[string]ConvRecord),
		members: make(map[string]map[string]bool),
		cursors: make(map[string]map[string]uint64),
		seen:    make(map[string]int64),
	}
}

// CreateConv stores rec unless a conversation with its id exists, and
// returns the stored record.
func (d *MemoryDirectory) CreateConv(_ context.Context, rec ConvRecord) (ConvRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.convs[rec.ID]; ok {
		return old, nil
	}
	d.convs[rec.ID] = rec
	return rec, nil
}

// Conv returns the record of conversation id, or ErrNotFound.
func (d *MemoryDirectory) Conv(_ context.Context, id string) (ConvRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.convs[id]
	if !ok {
		return ConvRecord{}, ErrNotFound
	}
	return rec, nil
}

// SetMember makes user a member of conv or not, and reports whether that
// changed anything. Watchers hear of every change.
func (d *MemoryDirectory) SetMember(_ context.Context, user, conv string, member bool) (bool, error) {
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
			w(MembershipChange{User: user, Conv: conv, Member: member})
		}
	}
	return changed, nil
}

// Memberships lists the conversations user is in, sorted.
func (d *MemoryDirectory) Memberships(_ context.Context, user string) ([]string, error) {
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
func (d *MemoryDirectory) RaiseCursor(_ context.Context, user, conv string, seq uint64) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.cursors[user]
	if m == nil {
		m = make(map[string]uint64)
		d.cursors[user] = m
	}
	if seq <= m[conv] {
		return false, nil
	}
	m[conv] = seq
	return true, nil
}

// Cursors returns user's read positions by conversation.
func (d *MemoryDirectory) Cursors(_ context.Context, user string) (map[string]uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]uint64, len(d.cursors[user]))
	for k, v := range d.cursors[user] {
		out[k] = v
	}
	return out, nil
}

// SetSeen records when user was last online (Unix ms).
func (d *MemoryDirectory) SetSeen(_ context.Context, user string, ms int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[user] = ms
	return nil
}

// Seen returns when user was last online, 0 if never recorded.
func (d *MemoryDirectory) Seen(_ context.Context, user string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[user], nil
}

// WatchMemberships calls fn for every later membership change.
func (d *MemoryDirectory) WatchMemberships(_ context.Context, fn func(MembershipChange)) (func(), error) {
	d.mu.Lock()
	d.watchers = append(d.watchers, fn)
	d.mu.Unlock()
	return func() {}, nil
}
