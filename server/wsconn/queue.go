package wsconn

import (
	"context"
	"sync"
)

// queue holds the encoded frames waiting to be written to one connection. It
// is bounded in bytes: a push that would pass the bound fails, and the
// connection is then evicted as a slow consumer. The hub pushes, the
// connection's flush takes everything at once.
type queue struct {
	mu       sync.Mutex
	frames   [][]byte
	bytes    int
	limit    int
	overflow bool
	closed   bool
	room     chan struct{} // made by the first pushWait; has a value after a flush took frames
	later    []slotFrame   // frames to go with the next take, one per slot (see pushLater)
}

func newQueue(limit int) *queue {
	return &queue{limit: limit}
}

// close makes pushWait give up; its connection is over.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	room := q.room
	q.mu.Unlock()
	wake(room)
}

// trim lets go of an empty queue's large slice, once a busy spell is over:
// an idle connection keeps little.
func (q *queue) trim() {
	q.mu.Lock()
	if len(q.frames) == 0 && cap(q.frames) > maxIdleFrames {
		q.frames = nil
	}
	q.mu.Unlock()
}

// maxIdleFrames is the largest frame list an idle connection's queue keeps.
const maxIdleFrames = 16

// wake tells a pushWait waiting on room, if any, to look again.
func wake(room chan struct{}) {
	if room == nil {
		return
	}
	select {
	case room <- struct{}{}:
	default:
	}
}

// holds reports whether any frame is queued.
func (q *queue) holds() bool { return q.size() > 0 }

// size returns the bytes queued.
func (q *queue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// pushWait appends frame once there is room for it, waiting for a flush
// rather than failing. A connection uses it for answers to the client's own
// requests (history pages): a client that asks for much is slowed down, not
// evicted. It fails when ctx ends, the queue overflowed, or frame alone is
// above the limit.
func (q *queue) pushWait(ctx context.Context, frame []byte) bool {
	for {
		q.mu.Lock()
		switch {
		case q.overflow || q.closed || len(frame) > q.limit:
			q.mu.Unlock()
			return false
		case q.bytes+len(frame) <= q.limit:
			q.mu.Unlock()
			return q.push(frame)
		}
		if q.room == nil {
			q.room = make(chan struct{}, 1)
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-room:
		}
	}
}

// push appends frame unless that would pass the limit; it reports false
// when it did not, and every push after that fails too.
func (q *queue) push(frame []byte) bool {
	q.mu.Lock()
	if q.overflow || q.bytes+len(frame) > q.limit {
		q.overflow = true
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, frame)
	q.bytes += len(frame)
	q.mu.Unlock()
	return true
}

// pushLater keeps frame to go out with the next frames taken, replacing
// the one kept for the same slot: news that may wait for the connection's
// next frame, and of which only the latest matters.
func (q *queue) pushLater(slot string, frame []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	for i := range q.later {
		if q.later[i].slot == slot {
			q.later[i].frame = frame
			return
		}
	}
	q.later = append(q.later, slotFrame{slot, frame})
}

// slotFrame is a frame kept by pushLater. A connection has one per crowded
// room it is in: a slice costs an idle connection less than a map.
type slotFrame struct {
	slot  string
	frame []byte
}

// take returns every queued frame, without copying: the queue keeps
// spare, an emptied slice of the caller's, for the frames that follow.
func (q *queue) take(spare [][]byte) [][]byte {
	if cap(spare) > 1024 {
		spare = nil // do not keep a big slice for an idle connection
	}
	q.mu.Lock()
	got := q.frames
	for _, l := range q.later {
		got = append(got, l.frame)
	}
	q.later = nil
	q.frames = spare[:0]
	q.bytes = 0
	room := q.room
	q.mu.Unlock()
	wake(room)
	return got
}
