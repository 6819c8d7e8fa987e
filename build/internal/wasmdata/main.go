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
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/founding/chat/build/internal/wasmbin"
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
	sections, err := wasmbin.Sections(mod)
	if err != nil {
		return nil, err
	}
	count := -1 // segments after the join
	for i, s := range sections {
		if s.ID != sectionData {
			continue
		}
		segs, err := readSegments(s.Body)
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
		sections[i].Body, count = writeSegments(joined), len(joined)
	}
	for i, s := range sections {
		if s.ID == sectionDataCount && count >= 0 { // it comes before the data section
			sections[i].Body = wasmbin.AppendUleb(nil, uint64(count))
		}
	}
	return wasmbin.Module(sections), nil
}

// readSegments parses a data section's segments.
func readSegments(body []byte) ([]segment, error) {
	r := &wasmbin.Reader{B: body}
	n := r.Uleb()
	segs := make([]segment, 0, min(n, uint64(len(body))))
	for i := uint64(0); i < n && r.Err == nil; i++ {
		if mode := r.Uleb(); mode != 0 && r.Err == nil {
			return nil, fmt.Errorf("segment %d: mode %d (only active segments of memory 0 are handled)", i, mode)
		}
		if op := r.Byte(); op != 0x41 && r.Err == nil { // i32.const
			return nil, fmt.Errorf("segment %d: offset is not an i32.const", i)
		}
		offset := r.Sleb()
		if end := r.Byte(); end != 0x0b && r.Err == nil {
			return nil, fmt.Errorf("segment %d: offset expression does not end", i)
		}
		if (offset < 0 || offset > math.MaxUint32) && r.Err == nil {
			return nil, fmt.Errorf("segment %d: offset %d out of range", i, offset)
		}
		data := r.Bytes()
		segs = append(segs, segment{offset: uint32(offset), data: data})
	}
	if r.Err != nil {
		return nil, r.Err
	}
	if !r.Done() {
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
	slices.SortStableFunc(sorted, func(a, b segment) int { return cmp.Compare(a.offset, b.offset) })
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
	b := wasmbin.AppendUleb(nil, uint64(len(segs)))
	for _, s := range segs {
		b = append(b, 0, 0x41)
		b = wasmbin.AppendSleb(b, int64(s.offset))
		b = append(b, 0x0b)
		b = wasmbin.AppendUleb(b, uint64(len(s.data)))
		b = append(b, s.data...)
	}
	return b
}
