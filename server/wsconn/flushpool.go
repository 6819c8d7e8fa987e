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

// get returns an empty frame list and an empty batch buffer.
func (p *flushPool) get() ([][]byte, []byte) {
	var frames [][]byte
	var buf []byte
	if f, ok := p.frames.Get().(*[][]byte); ok {
		frames = *f
	}
	if b, ok := p.bufs.Get().(*[]byte); ok {
		buf = *b
	}
	return frames[:0], buf[:0]
}

// put gives back what get returned, once the flush holds no frame in it.
func (p *flushPool) put(frames [][]byte, buf []byte) {
	if frames != nil && cap(frames) <= maxPooledFrames {
		clear(frames[:cap(frames)])
		frames = frames[:0]
		p.frames.Put(&frames)
	}
	if buf != nil && cap(buf) <= maxPooledBatch {
		buf = buf[:0]
		p.bufs.Put(&buf)
	}
}
