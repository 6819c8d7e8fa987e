package wsconn

import "runtime"

// bigFrame is the size from which a client's frame is decoded in turns.
// A resume that names many conversations is tens of kilobytes and about a
// millisecond of decoding; a ping, a message or a read position is far
// below.
const bigFrame = 4 << 10

// decodeTurns hands out the right to decode a big frame. There are one
// fewer turns than cores the process may use (at least one): however many
// big frames some clients send at once, the frames of everyone else (a
// ping, a message) always find a core free, instead of waiting in the
// scheduler's queue behind a flood's decoding. Before turns, one user
// resuming 1000 conversations from 12 connections at once held another
// user's pong for 50-150 ms.
type decodeTurns chan struct{}

func newDecodeTurns() decodeTurns {
	return make(decodeTurns, max(1, runtime.GOMAXPROCS(0)-1))
}

// take waits for a turn when a frame of size bytes needs one, and returns
// the function that gives it back.
func (t decodeTurns) take(size int) (give func()) {
	if size < bigFrame {
		return func() {}
	}
	t <- struct{}{}
	return func() { <-t }
}
