package wasmbin

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestLEB128RoundTrips(t *testing.T) {
	for _, v := range []int64{0, 1, 63, 64, -1, -64, -65, 127, 128, 624485, -123456, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		r := &Reader{B: AppendSleb(nil, v)}
		if got := r.Sleb(); got != v || r.Err != nil || !r.Done() {
			t.Errorf("sleb %d: got %d (err %v, %d of %d bytes read)", v, got, r.Err, r.Off, len(r.B))
		}
		if v < 0 {
			continue
		}
		r = &Reader{B: AppendUleb(nil, uint64(v))}
		if got := r.Uleb(); got != uint64(v) || r.Err != nil || !r.Done() {
			t.Errorf("uleb %d: got %d (err %v)", v, got, r.Err)
		}
	}
	// The spec's examples: 624485 is e5 8e 26; -123456 is c0 bb 78.
	if got := AppendUleb(nil, 624485); !bytes.Equal(got, []byte{0xe5, 0x8e, 0x26}) {
		t.Errorf("uleb 624485 = % x", got)
	}
	if got := AppendSleb(nil, -123456); !bytes.Equal(got, []byte{0xc0, 0xbb, 0x78}) {
		t.Errorf("sleb -123456 = % x", got)
	}
}

func TestReaderFailuresStick(t *testing.T) {
	r := &Reader{B: []byte{0x80, 0x80}} // a number that does not end
	if r.Uleb() != 0 || !errors.Is(r.Err, ErrShort) {
		t.Fatalf("err %v", r.Err)
	}
	if r.Byte() != 0 || r.Name() != "" || !r.Done() {
		t.Fatal("reads after a failure returned values")
	}
	r = &Reader{B: bytes.Repeat([]byte{0xff}, 11)}
	if r.Uleb(); r.Err == nil {
		t.Fatal("an 11-byte number was read")
	}
	r = &Reader{B: []byte{5, 'a', 'b'}}
	if r.Bytes() != nil || !errors.Is(r.Err, ErrShort) {
		t.Fatalf("a length past the end: err %v", r.Err)
	}
}

func TestSectionsAndModuleRoundTrip(t *testing.T) {
	in := []Section{{ID: 1, Body: []byte{1, 0}}, {ID: 11, Body: bytes.Repeat([]byte{7}, 200)}, {ID: 0, Body: []byte("\x04note")}}
	mod := Module(in)
	out, err := Sections(mod)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d sections, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].ID != in[i].ID || !bytes.Equal(out[i].Body, in[i].Body) {
			t.Errorf("section %d: %d % x, want %d % x", i, out[i].ID, out[i].Body, in[i].ID, in[i].Body)
		}
	}
	if _, err := Sections(mod[:len(mod)-1]); !errors.Is(err, ErrShort) {
		t.Errorf("a cut module: err %v", err)
	}
	if _, err := Sections([]byte("hello, world")); err == nil {
		t.Error("not a module, no error")
	}
}
