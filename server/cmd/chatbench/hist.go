package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram records durations in microseconds with about 1.6% precision:
// exact below 64 µs, then 32 sub-buckets per power of two. It is not safe
// for concurrent use; give each goroutine its own and merge them.
type histogram struct {
	counts [64 * 32]uint64
	n      uint64
	max    time.Duration
}

const subBits = 5 // 32 sub-buckets per power of two

func bucketOf(us uint64) int {
	if us < 1<<(subBits+1) {
		return int(us)
	}
	exp := bits.Len64(us) - 1 // us >= 64, so exp >= 6
	sub := (us >> (exp - subBits)) & (1<<subBits - 1)
	return (exp-subBits)<<subBits + int(sub) + 1<<subBits
}

// lowerBound returns the smallest value of bucket b, in microseconds.
func lowerBound(b int) uint64 {
	if b < 1<<(subBits+1) {
		return uint64(b)
	}
	b -= 1 << subBits
	exp := b>>subBits + subBits
	sub := uint64(b & (1<<subBits - 1))
	return (1<<subBits | sub) << (exp - subBits)
}

// record adds one duration.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	b := bucketOf(uint64(d / time.Microsecond))
	if b >= len(h.counts) {
		b = len(h.counts) - 1
	}
	h.counts[b]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

// merge adds the counts of o.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the duration below which a fraction q of the values lie.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen >= rank && c > 0 {
			return time.Duration(lowerBound(b)) * time.Microsecond
		}
	}
	return h.max
}
