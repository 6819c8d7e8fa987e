package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/founding/chat/build/internal/wasmbin"
)

// module builds a binary: a type section, the data section with these
// segments, and a custom section after it.
func module(segs []segment) []byte {
	return wasmbin.Module([]wasmbin.Section{
		{ID: 1, Body: []byte{0}}, // a type section holding no types
		{ID: sectionData, Body: writeSegments(segs)},
		{ID: 0, Body: []byte("\x04note")}, // a custom section "note"
	})
}

// sections splits a binary into its sections' ids and bodies.
func sections(t *testing.T, mod []byte) (ids []byte, bodies [][]byte) {
	t.Helper()
	list, err := wasmbin.Sections(mod)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		ids = append(ids, s.ID)
		bodies = append(bodies, s.Body)
	}
	return ids, bodies
}

func TestJoinDataMakesOneSegmentWithTheSameMemory(t *testing.T) {
	// Out of order, gaps of several sizes, and offsets whose LEB128 form
	// needs a sign byte (64) or three bytes (70000).
	segs := []segment{
		{offset: 100, data: []byte("abc")},
		{offset: 64, data: []byte("xy")},
		{offset: 70000, data: []byte("z")},
		{offset: 103, data: []byte("d")}, // touches the first
	}
	in := module(segs)
	out, err := joinData(in)
	if err != nil {
		t.Fatal(err)
	}
	inIDs, inBodies := sections(t, in)
	outIDs, outBodies := sections(t, out)
	if !bytes.Equal(inIDs, outIDs) {
		t.Fatalf("sections %v became %v", inIDs, outIDs)
	}
	for i, id := range outIDs {
		if id == sectionData {
			continue
		}
		if !bytes.Equal(inBodies[i], outBodies[i]) {
			t.Errorf("section %d changed", id)
		}
	}
	got, err := readSegments(outBodies[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].offset != 64 || len(got[0].data) != 70001-64 {
		t.Fatalf("got %d segments, first at %d of %d bytes; want one at 64 of %d", len(got), got[0].offset, len(got[0].data), 70001-64)
	}
	if !sameImage(got, segs) {
		t.Fatal("the joined segment gives another memory image")
	}
	if start, mem := image(got); start != 64 || string(mem[100-64:104-64]) != "abcd" || mem[70000-64] != 'z' || mem[66-64] != 0 {
		t.Fatalf("memory image from %d: %q...", start, mem[:40])
	}
	again, err := joinData(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("a second join changed the binary (err %v)", err)
	}
}

func TestJoinDataKeepsTheDataCountTrue(t *testing.T) {
	for _, segs := range [][]segment{nil, {{offset: 8, data: []byte("a")}, {offset: 90, data: []byte("b")}}} {
		mod := wasmbin.Module([]wasmbin.Section{
			{ID: sectionDataCount, Body: wasmbin.AppendUleb(nil, uint64(len(segs)))},
			{ID: sectionData, Body: writeSegments(segs)},
		})
		out, err := joinData(mod)
		if err != nil {
			t.Fatal(err)
		}
		_, bodies := sections(t, out)
		r := &wasmbin.Reader{B: bodies[0]}
		got, _ := readSegments(bodies[1])
		if n := r.Uleb(); n != uint64(len(got)) || n != uint64(min(len(segs), 1)) {
			t.Errorf("%d segments: data count %d, segments now %d", len(segs), n, len(got))
		}
	}
}

func TestJoinDataRefusesWhatItCannotKeep(t *testing.T) {
	overlap := module([]segment{{offset: 10, data: []byte("abcd")}, {offset: 12, data: []byte("x")}})
	passive := []byte("\x00asm\x01\x00\x00\x00")
	passive = append(passive, sectionData, 5, 1, 1, 2, 'h', 'i') // one passive segment "hi"
	for name, mod := range map[string][]byte{
		"overlap":   overlap,
		"passive":   passive,
		"truncated": overlap[:len(overlap)-9],
		"not wasm":  []byte("hello, world"),
		"too wide":  module([]segment{{offset: 0, data: []byte("a")}, {offset: maxSpan, data: []byte("b")}}),
	} {
		if _, err := joinData(mod); err == nil {
			t.Errorf("%s: joined without an error", name)
		}
	}
}

func TestRunRewritesTheFileInPlace(t *testing.T) {
	name := filepath.Join(t.TempDir(), "app.wasm")
	segs := []segment{{offset: 8, data: []byte("go")}, {offset: 400, data: []byte("wasm")}}
	if err := os.WriteFile(name, module(segs), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(name); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	_, bodies := sections(t, b)
	got, err := readSegments(bodies[1])
	if err != nil || len(got) != 1 {
		t.Fatalf("the file has %d segments (err %v), want 1", len(got), err)
	}
	if err := run(filepath.Join(t.TempDir(), "missing.wasm")); err == nil || !strings.Contains(err.Error(), "missing.wasm") {
		t.Fatalf("a missing file: err %v", err)
	}
}

// FuzzJoinData: any input gives an error, or a binary with the same
// sections whose data gives the same memory image.
func FuzzJoinData(f *testing.F) {
	f.Add(module([]segment{{offset: 1, data: []byte("a")}, {offset: 300, data: []byte("b")}}))
	f.Add(module(nil))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x0b\x01"))
	f.Fuzz(func(t *testing.T, mod []byte) {
		out, err := joinData(mod)
		if err != nil {
			return
		}
		inIDs, inBodies := sections(t, mod)
		outIDs, outBodies := sections(t, out)
		if !bytes.Equal(inIDs, outIDs) {
			t.Fatalf("sections %v became %v", inIDs, outIDs)
		}
		for i, id := range inIDs {
			if id != sectionData {
				continue
			}
			before, err1 := readSegments(inBodies[i])
			after, err2 := readSegments(outBodies[i])
			if err1 != nil || err2 != nil || !sameImage(before, after) {
				t.Fatalf("data section %d: another memory image (%v, %v)", i, err1, err2)
			}
		}
	})
}
