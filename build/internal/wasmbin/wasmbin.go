// Package wasmbin reads and writes the parts of the WebAssembly binary
// format that the build's tools need: a module's sections, LEB128
// numbers and names. wasmsize reads a module with it; wasmdata rewrites
// one.
package wasmbin

import (
	"bytes"
	"errors"
)

// ErrShort is a module that ends inside a value.
var ErrShort = errors.New("unexpected end of the WebAssembly binary")

// errLong is a LEB128 number longer than 64 bits.
var errLong = errors.New("LEB128 number too long")

// header is the magic number and version 1 that begin every module.
const header = "\x00asm\x01\x00\x00\x00"

// IsModule reports whether b begins as a WebAssembly module.
func IsModule(b []byte) bool { return len(b) >= len(header) && bytes.Equal(b[:4], []byte(header[:4])) }

// Section is one section of a module: its id and its body.
type Section struct {
	ID   byte
	Body []byte
}

// Sections splits a module into its sections, in order; the bodies share
// mod's bytes.
func Sections(mod []byte) ([]Section, error) {
	if !IsModule(mod) {
		return nil, errors.New("not a WebAssembly binary")
	}
	r := &Reader{B: mod, Off: len(header)}
	var out []Section
	for !r.Done() {
		id := r.Byte()
		body := r.Bytes()
		if r.Err != nil {
			return nil, r.Err
		}
		out = append(out, Section{ID: id, Body: body})
	}
	return out, nil
}

// Module writes sections as a module (version 1), in the order given.
func Module(sections []Section) []byte {
	b := []byte(header)
	for _, s := range sections {
		b = append(b, s.ID)
		b = AppendUleb(b, uint64(len(s.Body)))
		b = append(b, s.Body...)
	}
	return b
}

// Reader reads values from B at Off. The first failure stays in Err, and
// every read after it returns a zero value, so a caller may check Err once
// after a run of reads.
type Reader struct {
	B   []byte
	Off int
	Err error
}

// Done reports whether every byte was read, or a read failed.
func (r *Reader) Done() bool { return r.Err != nil || r.Off >= len(r.B) }

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Err != nil {
		return 0
	}
	if r.Off >= len(r.B) {
		r.Err = ErrShort
		return 0
	}
	r.Off++
	return r.B[r.Off-1]
}

// Uleb reads an unsigned LEB128 number.
func (r *Reader) Uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64 && r.Err == nil; shift += 7 {
		c := r.Byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	if r.Err == nil {
		r.Err = errLong
	}
	return 0
}

// Sleb reads a signed LEB128 number.
func (r *Reader) Sleb() int64 {
	var v int64
	for shift := 0; shift < 64 && r.Err == nil; shift += 7 {
		c := r.Byte()
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v
		}
	}
	if r.Err == nil {
		r.Err = errLong
	}
	return 0
}

// Bytes reads a run of bytes after its length; it shares r.B.
func (r *Reader) Bytes() []byte {
	n := r.Uleb()
	if r.Err != nil {
		return nil
	}
	if n > uint64(len(r.B)-r.Off) {
		r.Err = ErrShort
		return nil
	}
	b := r.B[r.Off : r.Off+int(n)]
	r.Off += int(n)
	return b
}

// Name reads a name: UTF-8 bytes after their length.
func (r *Reader) Name() string { return string(r.Bytes()) }

// AppendUleb appends v as an unsigned LEB128 number.
func AppendUleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendSleb appends v as a signed LEB128 number.
func AppendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
