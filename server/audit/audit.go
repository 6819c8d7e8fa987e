// Package audit keeps the audit log of the admin console: every admin
// action, who did it, when and from where. The log only grows: neither
// backend has a way to change or remove an entry, and the JetStream one
// is a stream that refuses deletes and purges (DenyDelete, DenyPurge), so
// no admin can edit it through the server or the NATS API.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Entry is one admin action.
type Entry struct {
	Seq    uint64 `json:"seq"`              // its place in the log, from 1; set by Append
	Time   int64  `json:"time"`             // Unix ms
	Actor  string `json:"actor"`            // the admin's name
	Key    string `json:"key"`              // the admin's user key
	Addr   string `json:"addr"`             // the address the request came from
	Via    string `json:"via,omitempty"`    // "session", or "token" and its id
	Action string `json:"action"`           // what was done, e.g. "user.disable"
	Target string `json:"target,omitempty"` // whom or what it was done to
	Detail string `json:"detail,omitempty"` // more, e.g. "messages removed"
	Node   string `json:"node,omitempty"`   // the node that did it
}

// Log is the audit log: Append adds an entry, Page reads them newest
// first. Nothing changes or removes one.
type Log interface {
	// Append stores e, stamped with its sequence, and returns it.
	Append(ctx context.Context, e Entry) (Entry, error)
	// Page returns up to limit entries older than before (the newest
	// when before is 0), newest first.
	Page(ctx context.Context, before uint64, limit int) ([]Entry, error)
}

// Memory is a Log in the process, for one node and tests.
type Memory struct {
	mu      sync.Mutex
	entries []Entry
}

// NewMemory returns an empty Log in memory.
func NewMemory() *Memory { return &Memory{} }

// Append stores e.
func (m *Memory) Append(_ context.Context, e Entry) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Seq = uint64(len(m.entries)) + 1
	if e.Time == 0 {
		e.Time = time.Now().UnixMilli()
	}
	m.entries = append(m.entries, e)
	return e, nil
}

// Page returns entries newest first.
func (m *Memory) Page(_ context.Context, before uint64, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	end := uint64(len(m.entries))
	if before > 0 && before-1 < end {
		end = before - 1
	}
	out := []Entry{}
	for i := end; i > 0 && len(out) < limit; i-- {
		out = append(out, m.entries[i-1])
	}
	return out, nil
}

// StreamName and Subject are where the JetStream Log keeps its entries.
const (
	StreamName = "chat_audit"
	Subject    = "chat.audit"
)

// Stream is a Log in a JetStream stream that keeps every entry for ever
// and refuses deletes and purges.
type Stream struct {
	js     jetstream.JetStream
	stream jetstream.Stream
}

// OpenStream creates the stream (or finds it) with replicas copies and
// returns the Log over it.
func OpenStream(ctx context.Context, js jetstream.JetStream, replicas int) (*Stream, error) {
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "the admin console's audit log: append only",
		Subjects:    []string{Subject},
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
		Discard:     jetstream.DiscardNew, // never drop an old entry for a new one
	})
	if err != nil {
		return nil, fmt.Errorf("audit: opening the stream: %w", err)
	}
	return &Stream{js: js, stream: st}, nil
}

// Append publishes e and waits for the stream to store it.
func (s *Stream) Append(ctx context.Context, e Entry) (Entry, error) {
	if e.Time == 0 {
		e.Time = time.Now().UnixMilli()
	}
	data, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	ack, err := s.js.Publish(ctx, Subject, data)
	if err != nil {
		return e, fmt.Errorf("audit: storing an entry: %w", err)
	}
	e.Seq = ack.Sequence
	return e, nil
}

// Page reads the entries before before, newest first.
func (s *Stream) Page(ctx context.Context, before uint64, limit int) ([]Entry, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	seq := info.State.LastSeq
	if before > 0 && before-1 < seq {
		seq = before - 1
	}
	out := []Entry{}
	for ; seq >= max(info.State.FirstSeq, 1) && len(out) < limit; seq-- {
		m, err := s.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var e Entry
		if err := json.Unmarshal(m.Data, &e); err != nil {
			continue // not an entry of ours: passed over
		}
		e.Seq = m.Sequence
		out = append(out, e)
	}
	return slices.Clip(out), nil
}
