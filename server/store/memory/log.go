// Package memory keeps the hub's Log and Directory, and the accounts'
// Records, in the process: for one process that needs nothing to survive a
// restart, and for tests. Each type implements its seam (hub.Log,
// hub.Directory, auth.Records), is safe for concurrent use, and starts
// empty:
//
//   - Log: an append-only log per conversation with gap-free sequence
//     numbers and server time, bounded per conversation (Retain), with the
//     per-device marks that make a retried message land once.
//   - Directory: conversations, memberships, read positions and last-seen
//     times, with a watch of membership changes.
//   - Records: buckets of values by key with revisions, for auth.Accounts.
//
// The durable backends of the same seams are in server/store/jetstream.
package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

var _ hub.Log = (*Log)(nil)

// DefaultRetain is how many entries a Log keeps per conversation.
const DefaultRetain = 10000

// ackWindow is how many recent acks are remembered per device.
const ackWindow = 4096

// Log is an in-process hub.Log. It is safe for concurrent use.
type Log struct {
	// Retain is how many entries are kept per conversation at least; older
	// ones are dropped a quarter of Retain at a time. Zero means
	// DefaultRetain.
	Retain int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	convs    map[string]*memConv
	devices  map[deviceKey]*deviceMarks
	watchers watchers[chat.Entry]
}

type memConv struct {
	first   uint64 // seq of entries[0]
	last    uint64
	entries []chat.Entry
}

type deviceKey struct{ user, device string }

type deviceMarks struct {
	high uint64
	acks map[uint64]chat.Ack
}

// NewLog returns an empty log.
func NewLog() *Log {
	return &Log{convs: make(map[string]*memConv), devices: make(map[deviceKey]*deviceMarks)}
}

// Append stores e as the next entry of e.Conv, setting its Seq and Time.
func (m *Log) Append(_ context.Context, e chat.Entry) (chat.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.append(e), nil
}

// AppendMessage is Append for a message a client sent: if its origin was
// stored before, it returns the earlier entry's ack and dup true instead of
// storing it again.
func (m *Log) AppendMessage(_ context.Context, e chat.Entry, o hub.Origin) (chat.Ack, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := deviceKey{o.User, o.ID.Device}
	marks := m.devices[k]
	if marks == nil {
		marks = &deviceMarks{acks: make(map[uint64]chat.Ack)}
		m.devices[k] = marks
	}
	if ack, ok := marks.acks[o.ID.N]; ok {
		return ack, true, nil
	}
	// Below the newest, within the window of kept acks and without one: it
	// was never stored (a newer message overtook it, as when a client
	// writes one before its outbox's resend), so it is stored now. Below the
	// window nobody can tell: refused.
	if o.ID.N+ackWindow <= marks.high {
		return chat.Ack{}, false, hub.ErrStaleID
	}
	e = m.append(e)
	ack := chat.Ack{ID: o.ID, Conv: e.Conv, Seq: e.Seq, Time: e.Time}
	marks.acks[o.ID.N] = ack
	if old := marks.high; o.ID.N > old {
		marks.high = o.ID.N
		// Forget the acks the window left behind: those of ids up to
		// high-ackWindow, of which only the last jump's are new.
		if o.ID.N-old > ackWindow {
			for n := range marks.acks {
				if n+ackWindow <= marks.high {
					delete(marks.acks, n)
				}
			}
		} else {
			for n := old + 1; n <= o.ID.N; n++ {
				if n > ackWindow {
					delete(marks.acks, n-ackWindow)
				}
			}
		}
	}
	return ack, false, nil
}

func (m *Log) append(e chat.Entry) chat.Entry {
	c := m.convs[e.Conv]
	if c == nil {
		c = &memConv{first: 1}
		m.convs[e.Conv] = c
	}
	c.last++
	e.Seq = c.last
	e.Time = m.now().UnixMilli()
	c.entries = append(c.entries, e)
	// Drop in chunks of a quarter, so that appending stays O(1) amortised.
	if retain := m.retain(); len(c.entries) > retain+retain/4 {
		drop := len(c.entries) - retain
		c.entries = append(c.entries[:0:0], c.entries[drop:]...)
		c.first += uint64(drop)
	}
	m.watchers.send(e) // under m.mu: in order, before the append returns
	return e
}

// Watch calls fn with every entry appended from now on, in order, before
// the append returns. fn must not call back into m.
func (m *Log) Watch(_ context.Context, fn func(chat.Entry)) (func(), error) {
	stop := m.watchers.add(fn)
	return func() {
		m.mu.Lock() // no append is under way: fn is not called once this returns
		stop()
		m.mu.Unlock()
	}, nil
}

// Page returns entries of q.Conv as chat.History describes.
func (m *Log) Page(_ context.Context, q chat.History) (chat.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.convs[q.Conv]
	if c == nil {
		c = &memConv{first: 1}
	}
	p := chat.Page{Conv: q.Conv, First: c.first, Last: c.last}
	if q.After > c.last || q.Before > c.last+1 {
		return p, hub.ErrFuture
	}
	if q.Before > 0 && q.Before <= c.first {
		return p, hub.ErrBeforeStart
	}
	limit := q.Limit
	if limit <= 0 {
		limit = chat.DefaultHistoryLimit
	}
	lo, hi := c.window(q, limit)
	p.Entries = append([]chat.Entry(nil), c.entries[lo:hi]...)
	return p, nil
}

// window returns the slice bounds of the entries q asks for.
func (c *memConv) window(q chat.History, limit int) (lo, hi int) {
	n := len(c.entries)
	index := func(seq uint64) int { // index of seq, clamped to [0, n]
		if seq < c.first {
			return 0
		}
		return min(int(seq-c.first), n)
	}
	switch {
	case q.After > 0:
		lo = index(q.After + 1)
		return lo, min(lo+limit, n)
	case q.Before > 0:
		hi = index(q.Before)
		return max(hi-limit, 0), hi
	default:
		return max(n-limit, 0), n
	}
}

// Last returns the sequence of the newest entry of conv, 0 if it has none.
func (m *Log) Last(_ context.Context, conv string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.convs[conv]; c != nil {
		return c.last, nil
	}
	return 0, nil
}

func (m *Log) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Log) retain() int {
	if m.Retain > 0 {
		return m.Retain
	}
	return DefaultRetain
}

var _ hub.Dropper = (*Log)(nil)

// Convs calls fn with the id of every conversation that has entries.
func (m *Log) Convs(ctx context.Context, fn func(conv string) error) error {
	m.mu.Lock()
	ids := make([]string, 0, len(m.convs))
	for id, c := range m.convs {
		if c.last > 0 {
			ids = append(ids, id)
		}
	}
	m.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Drop removes the entries of conv before sequence below, never its
// newest.
func (m *Log) Drop(_ context.Context, conv string, below uint64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.convs[conv]
	if c == nil || len(c.entries) == 0 || below <= c.first {
		return 0, nil
	}
	n := min(int(below-c.first), len(c.entries)-1)
	c.entries = append([]chat.Entry(nil), c.entries[n:]...)
	c.first += uint64(n)
	return n, nil
}
