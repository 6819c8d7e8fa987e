// Package slackimport reads a Slack export (the zip Slack's "Export data"
// makes: users.json, channels.json and a folder per channel of day files,
// <channel>/<YYYY-MM-DD>.json) for an admin's import, and refuses a hostile
// one before acting on it: names that climb out of the archive, more
// entries than allowed (counted from the archive's end record, before its
// directory is read), more uncompressed bytes than allowed or a member that
// expands too much (a zip bomb), and malformed JSON. Every refusal is an
// *Error, whose text says what was wrong.
package slackimport

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Limits bound what Open accepts. Zero fields take the defaults.
type Limits struct {
	// MaxEntries bounds the members of the archive.
	MaxEntries uint64
	// MaxBytes bounds the uncompressed bytes of all members together.
	MaxBytes uint64
	// MaxMemberBytes bounds one member's uncompressed bytes (a day file, a
	// user list, an uploaded file).
	MaxMemberBytes uint64
	// MaxRatio bounds how many times a member may expand, for members
	// over ratioFloor bytes.
	MaxRatio uint64
}

// The defaults of Limits.
const (
	DefaultMaxEntries     = 1_000_000
	DefaultMaxBytes       = 8 << 30
	DefaultMaxMemberBytes = 256 << 20
	DefaultMaxRatio       = 100
)

// ratioFloor is the size under which a member's ratio is not checked:
// small JSON of repeated keys compresses well and harms nobody.
const ratioFloor = 1 << 20

func (l Limits) withDefaults() Limits {
	if l.MaxEntries == 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxMemberBytes == 0 {
		l.MaxMemberBytes = DefaultMaxMemberBytes
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// Error is a refusal of an archive: Message says why, for the admin.
type Error struct {
	Message string
}

func (e *Error) Error() string { return "slack import: " + e.Message }

func refuse(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// Archive is a checked Slack export.
type Archive struct {
	zr      *zip.Reader
	members map[string]*zip.File
}

// Open checks the archive r of size bytes against lim and returns it, or
// an *Error saying why it is refused (or the error reading r).
func Open(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	n, err := countEntries(r, size)
	if err != nil {
		return nil, err
	}
	if n > lim.MaxEntries {
		return nil, refuse("the archive has %d entries; at most %d are allowed", n, lim.MaxEntries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, refuse("the archive is not a readable zip: %v", err)
	}
	a := &Archive{zr: zr, members: make(map[string]*zip.File, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		if f.UncompressedSize64 > lim.MaxMemberBytes {
			return nil, refuse("%.100q expands to %d bytes; at most %d are allowed for one member", f.Name, f.UncompressedSize64, lim.MaxMemberBytes)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > lim.MaxRatio*max(f.CompressedSize64, 1) {
			return nil, refuse("%.100q expands %d times (%d bytes from %d); at most %d times is allowed", f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), f.UncompressedSize64, f.CompressedSize64, lim.MaxRatio)
		}
		if total += f.UncompressedSize64; total > lim.MaxBytes {
			return nil, refuse("the archive expands to more than %d bytes, the most allowed", lim.MaxBytes)
		}
		if _, dup := a.members[f.Name]; dup {
			return nil, refuse("%.100q is in the archive twice", f.Name)
		}
		a.members[f.Name] = f
	}
	return a, nil
}

// checkName refuses a member's name that could name a place outside the
// archive, or that no export makes: absolute, with "..", a backslash, a
// drive letter or a control character, or not UTF-8.
func checkName(name string) error {
	bad := !utf8.ValidString(name) || name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) ||
		(len(name) > 1 && name[1] == ':')
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			bad = true
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			bad = true
		}
	}
	if !bad && path.Clean(name) != strings.TrimSuffix(name, "/") {
		bad = true
	}
	if bad {
		return refuse("the archive holds a member named %.100q, which could point outside it; refused", name)
	}
	return nil
}

// The records at the end of a zip (APPNOTE 4.3.14 to 4.3.16).
const (
	endSig       = 0x06054b50
	endLen       = 22
	end64LocSig  = 0x07064b50
	end64LocLen  = 20
	end64Sig     = 0x06064b50
	end64Len     = 56
	maxCommentSz = 0xffff
)

// countEntries returns how many entries the archive's end record says it
// has, reading only its last bytes (the end record, and the zip64 one when
// the count does not fit in 16 bits).
func countEntries(r io.ReaderAt, size int64) (uint64, error) {
	tail := min(size, endLen+maxCommentSz)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	at := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == endSig {
			at = i
			break
		}
	}
	if at < 0 {
		return 0, refuse("the archive is not a zip: it has no end record")
	}
	n := uint64(binary.LittleEndian.Uint16(buf[at+10:]))
	if n != 0xffff {
		return n, nil
	}
	// Zip64: the locator just before the end record says where the zip64
	// end record is.
	locAt := size - tail + int64(at) - end64LocLen
	if locAt < 0 {
		return 0, refuse("the archive's zip64 records are missing")
	}
	loc := make([]byte, end64LocLen)
	if _, err := r.ReadAt(loc, locAt); err != nil {
		return 0, err
	}
	if binary.LittleEndian.Uint32(loc) != end64LocSig {
		return n, nil // not zip64 after all: 65535 entries
	}
	recAt := binary.LittleEndian.Uint64(loc[8:])
	if recAt > uint64(size) || uint64(size)-recAt < end64Len {
		return 0, refuse("the archive's zip64 end record lies outside it")
	}
	rec := make([]byte, end64Len)
	if _, err := r.ReadAt(rec, int64(recAt)); err != nil {
		return 0, err
	}
	if binary.LittleEndian.Uint32(rec) != end64Sig {
		return 0, refuse("the archive's zip64 end record is damaged")
	}
	return binary.LittleEndian.Uint64(rec[32:]), nil
}
