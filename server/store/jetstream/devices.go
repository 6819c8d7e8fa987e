package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

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
	rev   uint64 // KV revision, 0 if never stored
	marks deviceMarksJSON
	valid bool
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
	entry, err := l.devices.Get(ctx, deviceKV(o))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		dev.rev, dev.marks = 0, deviceMarksJSON{}
	case err != nil:
		return fmt.Errorf("jetstream: device marks: %w", err)
	default:
		var m deviceMarksJSON
		if err := json.Unmarshal(entry.Value(), &m); err != nil {
			return fmt.Errorf("jetstream: device marks of %s: %w", deviceKV(o), err)
		}
		dev.rev, dev.marks = entry.Revision(), m
	}
	dev.valid = true
	return nil
}

// recordDevice raises the device's high-water mark to o and keeps its ack.
// Callers hold dev.mu.
func (l *Log) recordDevice(ctx context.Context, dev *deviceState, o *hub.Origin, ack chat.Ack) error {
	for attempt := 0; attempt < 4; attempt++ {
		m := dev.marks
		floor := m.floor()
		if o.ID.N > m.High {
			m.High = o.ID.N
		}
		m.Acks = append(append([]keptAck(nil), m.Acks...), keptAck{N: o.ID.N, Seq: ack.Seq, Time: ack.Time, Conv: ack.Conv})
		if drop := len(m.Acks) - keptAcks; drop > 0 {
			for _, a := range m.Acks[:drop] {
				floor = max(floor, a.N)
			}
			m.Acks = m.Acks[drop:]
		}
		m.Floor = &floor
		data := m.appendJSON(nil)
		var rev uint64
		var err error
		if dev.rev == 0 {
			rev, err = l.devices.Create(ctx, deviceKV(o), data)
		} else {
			rev, err = l.devices.Update(ctx, deviceKV(o), data, dev.rev)
		}
		if err == nil {
			dev.rev, dev.marks = rev, m
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			dev.valid = false
			return err
		}
		if err := l.readDevice(ctx, dev, o); err != nil {
			return err
		}
	}
	return errors.New("jetstream: device marks kept changing")
}
