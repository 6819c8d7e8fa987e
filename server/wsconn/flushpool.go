package wsconn

import "sync"

// flushBuffers lends a flush its frame list and its batch buffer. A flush
// lasts only while a connection has something to send, so a few of them
// serve thousands of connections, and a busy server makes no garbage per
// write.
var flushBuffers flushPool

// Largest slices a flush gives back to the pool: bigger ones (after a burst)
// go to the garbage collector instead of staying in memory.
const (
	maxPooledFrames = 1024
	maxPooledBatch  = 256 << 10
)

// flushPool is a pool of the frame lists and batch buffers of flushes.
type flushPool struct {
	frames sync.Pool // of *[][]byte
	bufs   sync.Pool // of *[]byte
}

// get returns an empty frame list and an empty batch buffer, each behind
// the pointer that put gives back: the pool holds the same pointers over
// and over, so a busy server allocates nothing per flush.
func (p *flushPool) get() (*[][]byte, *[]byte) {
	frames, ok := p.frames.Get().(*[][]byte)
	if !ok {
		frames = new([][]byte)
	}
	buf, ok := p.bufs.Get().(*[]byte)
	if !ok {
		buf = new([]byte)
	}
	*frames, *buf = (*frames)[:0], (*buf)[:0]
	return frames, buf
}

// put gives back what get returned, once the flush holds no frame in it.
func (p *flushPool) put(frames *[][]byte, buf *[]byte) {
	if cap(*frames) <= maxPooledFrames {
		clear((*frames)[:cap(*frames)])
		*frames = (*frames)[:0]
		p.frames.Put(frames)
	}
	if cap(*buf) <= maxPooledBatch {
		*buf = (*buf)[:0]
		p.bufs.Put(buf)
	}
}
