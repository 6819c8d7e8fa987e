package jetstream

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// keptAcks is how many acks a device's record keeps: twice
// client.MaxInFlight, the most messages a client has out unacknowledged.
const keptAcks = 64

// deviceKey names a device of a user.
type deviceKey struct{ user, device string }

// deviceState is what this process knows of a device's record; its mu is
// held from checking an origin to recording it.
type deviceState struct {
	mu    sync.Mutex
	rev   uint64          // KV revision, 0 if never stored
	marks deviceMarksJSON // the stored record and what this process added since
	valid bool

	dirty     bool        // marks hold acks not written to the bucket yet (devices_later.go)
	scheduled bool        // a write of marks is due, by timer
	timer     *time.Timer // the write due, while scheduled
	failures  int         // writes that failed in a row
}

// deviceMarksJSON is the value of a device's key in chat_devices: the
// highest id stored, the acks of the newest stored messages, and the
// highest id whose ack was dropped to keep the record small (nil in
// records made before it was kept).
type deviceMarksJSON struct {
	High  uint64    `json:"h"`
	Acks  []keptAck `json:"a"`
	Floor *uint64   `json:"f,omitempty"`
}

// floor returns the highest id whose ack may have been dropped: an id
// above it without a kept ack was never stored. A record that does not say
// is taken to have dropped every id up to High.
func (m deviceMarksJSON) floor() uint64 {
	if m.Floor == nil {
		if len(m.Acks) < keptAcks {
			return 0 // never full: nothing was dropped
		}
		return m.High
	}
	return *m.Floor
}

// keptAck is the ack of one stored message, kept so that a retry gets it
// again. It is written as [n, seq, time, conv] to keep the record small: it
// is rewritten with every message of the device.
type keptAck struct {
	N, Seq uint64
	Time   int64
	Conv   string
}

// MarshalJSON writes the ack as an array.
func (a keptAck) MarshalJSON() ([]byte, error) {
	return a.appendJSON(nil), nil
}

// appendJSON appends the ack as MarshalJSON writes it, without
// reflection: a device's record is written again with every message it
// sends, all its acks with it.
func (a keptAck) appendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendUint(dst, a.N, 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, a.Seq, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, a.Time, 10)
	dst = append(dst, ',')
	dst = appendJSONString(dst, a.Conv)
	return append(dst, ']')
}

// appendJSON appends the record as encoding/json would write it (with
// fewer characters escaped), without reflection.
func (m deviceMarksJSON) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"h":`...)
	dst = strconv.AppendUint(dst, m.High, 10)
	dst = append(dst, `,"a":`...)
	if m.Acks == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, a := range m.Acks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = a.appendJSON(dst)
		}
		dst = append(dst, ']')
	}
	if m.Floor != nil {
		dst = append(dst, `,"f":`...)
		dst = strconv.AppendUint(dst, *m.Floor, 10)
	}
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, the rest (valid UTF-8, as conversation ids
// are) as it is.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// UnmarshalJSON reads the array MarshalJSON writes.
func (a *keptAck) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 4 {
		return fmt.Errorf("jetstream: kept ack %s: %v", b, err)
	}
	for i, dst := range []any{&a.N, &a.Seq, &a.Time, &a.Conv} {
		if err := json.Unmarshal(parts[i], dst); err != nil {
			return fmt.Errorf("jetstream: kept ack %s: %w", b, err)
		}
	}
	return nil
}

func (l *Log) device(o *hub.Origin) *deviceState {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := deviceKey{o.User, o.ID.Device}
	d := l.marks[k]
	if d == nil {
		d = &deviceState{}
		l.marks[k] = d
	}
	return d
}

func deviceKV(o *hub.Origin) string { return token(o.User) + "." + token(o.ID.Device) }

// checkDevice reports whether o was stored before. Callers hold dev.mu.
func (l *Log) checkDevice(ctx context.Context, dev *deviceState, o *hub.Origin) (chat.Ack, bool, error) {
	if !dev.valid {
		if err := l.readDevice(ctx, dev, o); err != nil {
			return chat.Ack{}, false, err
		}
	}
	if o.ID.N > dev.marks.High {
		return chat.Ack{}, false, nil
	}
	for _, a := range dev.marks.Acks {
		if a.N == o.ID.N {
			return chat.Ack{ID: o.ID, Conv: a.Conv, Seq: a.Seq, Time: a.Time}, true, nil
		}
	}
	// Below the newest without a kept ack: never stored when above every
	// id whose ack was dropped (a newer message overtook it, as when a
	// client writes one before its outbox's resend, or moves to another
	// node). The stream's dedupe window guards the rest (publish).
	if o.ID.N > dev.marks.floor() {
		return chat.Ack{}, false, nil
	}
	return chat.Ack{}, false, hub.ErrStaleID
}

func (l *Log) readDevice(ctx context.Context, dev *deviceState, o *hub.Origin) error {
	rev, m, err := l.fetchDevice(ctx, deviceKV(o))
	if err != nil {
		return err
	}
	if dev.dirty {
		m = mergeMarks(m, dev.marks) // keep the acks not written yet
	}
	dev.rev, dev.marks, dev.valid = rev, m, true
	return nil
}

// fetchDevice reads the stored record of key: its revision (0 if none) and
// marks.
func (l *Log) fetchDevice(ctx context.Context, key string) (uint64, deviceMarksJSON, error) {
	entry, err := l.devices.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return 0, deviceMarksJSON{}, nil
	case err != nil:
		return 0, deviceMarksJSON{}, fmt.Errorf("jetstream: device marks: %w", err)
	}
	var m deviceMarksJSON
	if err := json.Unmarshal(entry.Value(), &m); err != nil {
		return 0, m, fmt.Errorf("jetstream: device marks of %s: %w", key, err)
	}
	return entry.Revision(), m, nil
}

// recordDevice raises the device's high-water mark to o and keeps its ack,
// in this process at once, and in the bucket a moment later (writeLater).
// Callers hold dev.mu.
func (l *Log) recordDevice(dev *deviceState, o *hub.Origin, ack chat.Ack) {
	dev.marks = dev.marks.with(keptAck{N: o.ID.N, Seq: ack.Seq, Time: ack.Time, Conv: ack.Conv})
	dev.dirty = true
	l.writeLater(dev, deviceKV(o))
}

// with returns m with one more ack, the oldest dropped past keptAcks.
func (m deviceMarksJSON) with(a keptAck) deviceMarksJSON {
	floor := m.floor()
	m.High = max(m.High, a.N)
	m.Acks = append(append(make([]keptAck, 0, len(m.Acks)+1), m.Acks...), a)
	if drop := len(m.Acks) - keptAcks; drop > 0 {
		for _, a := range m.Acks[:drop] {
			floor = max(floor, a.N)
		}
		m.Acks = m.Acks[drop:]
	}
	m.Floor = &floor
	return m
}

// mergeMarks joins a stored record with this process's: the higher mark,
// the newest keptAcks acks of both by id, and the higher floor (raised by
// what the join drops). Two processes that served one device (it moved)
// each keep what the other stored.
func mergeMarks(stored, mine deviceMarksJSON) deviceMarksJSON {
	floor := max(stored.floor(), mine.floor())
	byID := make(map[uint64]keptAck, len(stored.Acks)+len(mine.Acks))
	for _, a := range stored.Acks {
		byID[a.N] = a
	}
	for _, a := range mine.Acks {
		byID[a.N] = a
	}
	acks := make([]keptAck, 0, len(byID))
	for _, a := range byID {
		acks = append(acks, a)
	}
	slices.SortFunc(acks, func(a, b keptAck) int { return cmp.Compare(a.N, b.N) })
	if drop := len(acks) - keptAcks; drop > 0 {
		floor = max(floor, acks[drop-1].N)
		acks = acks[drop:]
	}
	return deviceMarksJSON{High: max(stored.High, mine.High), Acks: acks, Floor: &floor}
}
