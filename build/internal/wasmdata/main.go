// Command wasmdata rewrites a Go WebAssembly binary so that its data section
// is one segment instead of many, for a smaller compressed copy.
//
// Go's linker cuts the initial memory into up to 100,000 segments, leaving
// out every run of zeros longer than a segment's header, which makes the
// raw file smallest. But each segment's header (its offset and length) is
// a number brotli cannot predict: in the chat's client the headers cost
// about 110 KB of the 1.94 MB brotli copy, while the zeros they leave out
// would cost almost nothing compressed. One segment that spans them all,
// gaps written as zeros, gives the same memory at start (a fresh memory is
// zeros), a raw file about 1 MB larger and a brotli copy about 6% smaller
// (docs/BENCHMARKS.md).
//
// Only what Go's linker writes is accepted: active segments of memory 0
// placed by an i32.const. The rewrite is checked before the file is
// replaced: the new data section must give the same memory image.
//
// Usage: wasmdata path/to/app.wasm
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmdata file.wasm")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "wasmdata:", err)
		os.Exit(1)
	}
}

func run(name string) error {
	in, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := joinData(in)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if bytes.Equal(in, out) {
		return nil
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// Section ids of the WebAssembly binary format.
const (
	sectionData      = 11
	sectionDataCount = 12
)

// segment is one active data segment: bytes placed at an offset of memory 0.
type segment struct {
	offset uint32
	data   []byte
}

// joinData returns the module with its data segments joined into one, or
// the module unchanged when it has at most one.
func joinData(mod []byte) ([]byte, error) {
	if len(mod) < 8 || !bytes.Equal(mod[:4], []byte("\x00asm")) {
		return nil, errors.New("not a WebAssembly binary")
	}
	out := slices.Clone(mod[:8])
	r := reader{b: mod, off: 8}
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes()
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		switch id {
		case sectionData:
			segs, err := readSegments(body)
			if err != nil {
				return nil, fmt.Errorf("data section: %w", err)
			}
			joined, err := join(segs)
			if err != nil {
				return nil, fmt.Errorf("data section: %w", err)
			}
			if !sameImage(segs, joined) {
				return nil, errors.New("data section: joined segments give another memory image")
			}
			body = writeSegments(joined)
		case sectionDataCount:
			body = appendUleb(nil, 1)
		}
		out = append(out, id)
		out = appendUleb(out, uint64(len(body)))
		out = append(out, body...)
	}
	return out, nil
}

// readSegments parses a data section's segments.
func readSegments(body []byte) ([]segment, error) {
	r := reader{b: body}
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	segs := make([]segment, 0, min(n, uint64(len(body))))
	for i := uint64(0); i < n; i++ {
		mode, err := r.uleb()
		if err != nil {
			return nil, err
		}
		if mode != 0 {
			return nil, fmt.Errorf("segment %d: mode %d (only active segments of memory 0 are handled)", i, mode)
		}
		if op, err := r.byte(); err != nil || op != 0x41 { // i32.const
			return nil, fmt.Errorf("segment %d: offset is not an i32.const", i)
		}
		offset, err := r.sleb()
		if err != nil {
			return nil, err
		}
		if end, err := r.byte(); err != nil || end != 0x0b {
			return nil, fmt.Errorf("segment %d: offset expression does not end", i)
		}
		if offset < 0 || offset > 1<<32-1 {
			return nil, fmt.Errorf("segment %d: offset %d out of range", i, offset)
		}
		data, err := r.bytes()
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", i, err)
		}
		segs = append(segs, segment{offset: uint32(offset), data: data})
	}
	if !r.done() {
		return nil, errors.New("bytes after the last segment")
	}
	return segs, nil
}

// maxSpan bounds the memory one joined segment may cover: a Go client's
// data is a few megabytes; a span far larger is not what this is for.
const maxSpan = 64 << 20

// join places the segments in one, zeros between them. Segments that
// overlap are refused: the later one would win, which a join cannot keep.
func join(segs []segment) ([]segment, error) {
	if len(segs) <= 1 {
		return segs, nil
	}
	sorted := slices.Clone(segs)
	slices.SortStableFunc(sorted, func(a, b segment) int { return int(int64(a.offset) - int64(b.offset)) })
	start := sorted[0].offset
	last := sorted[len(sorted)-1]
	if span := int64(last.offset) + int64(len(last.data)) - int64(start); span > maxSpan {
		return nil, fmt.Errorf("segments span %d bytes, more than the %d this joins", span, maxSpan)
	}
	var data []byte
	for _, s := range sorted {
		at := int(s.offset - start)
		if at < len(data) {
			return nil, fmt.Errorf("segments overlap at offset %d", s.offset)
		}
		data = append(data, make([]byte, at-len(data))...)
		data = append(data, s.data...)
	}
	return []segment{{offset: start, data: data}}, nil
}

// image is the memory the segments write, from the lowest offset any of
// them starts at (returned) to the last byte any of them writes. The
// segments are within maxSpan of each other (join checked).
func image(segs []segment) (start uint32, mem []byte) {
	if len(segs) == 0 {
		return 0, nil
	}
	start, end := segs[0].offset, 0
	for _, s := range segs {
		start = min(start, s.offset)
		end = max(end, int(s.offset)+len(s.data))
	}
	mem = make([]byte, end-int(start))
	for _, s := range segs {
		copy(mem[s.offset-start:], s.data)
	}
	return start, mem
}

// sameImage says whether two sets of segments write the same memory.
func sameImage(a, b []segment) bool {
	startA, memA := image(a)
	startB, memB := image(b)
	return startA == startB && bytes.Equal(memA, memB)
}

func writeSegments(segs []segment) []byte {
	b := appendUleb(nil, uint64(len(segs)))
	for _, s := range segs {
		b = append(b, 0, 0x41)
		b = appendSleb(b, int64(s.offset))
		b = append(b, 0x0b)
		b = appendUleb(b, uint64(len(s.data)))
		b = append(b, s.data...)
	}
	return b
}

// reader reads the binary format's values from a byte slice.
type reader struct {
	b   []byte
	off int
}

var errShort = errors.New("unexpected end of the binary")

func (r *reader) done() bool { return r.off >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errShort
	}
	r.off++
	return r.b[r.off-1], nil
}

// bytes reads a length-prefixed run of bytes.
func (r *reader) bytes() ([]byte, error) {
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, errShort
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

func (r *reader) uleb() (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("LEB128 number too long")
}

func (r *reader) sleb() (int64, error) {
	var v int64
	for shift := 0; shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, nil
		}
	}
	return 0, errors.New("LEB128 number too long")
}

func appendUleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
