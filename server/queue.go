package server

import "sync"

// queue holds the encoded frames waiting to be written to one connection. It
// is bounded in bytes: a push that would pass the bound fails, and the
// connection is then evicted as a slow consumer. The hub pushes, the
// connection's writer takes everything at once.
type queue struct {
	mu       sync.Mutex
	frames   [][]byte
	bytes    int
	limit    int
	overflow bool
	wake     chan struct{} // has a value when frames is not empty
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, wake: make(chan struct{}, 1)}
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
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// poke wakes the writer without queueing anything.
func (q *queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take moves every queued frame into dst and returns it.
func (q *queue) take(dst [][]byte) [][]byte {
	q.mu.Lock()
	dst = append(dst, q.frames...)
	clear(q.frames)
	q.frames = q.frames[:0]
	q.bytes = 0
	q.mu.Unlock()
	return dst
}
