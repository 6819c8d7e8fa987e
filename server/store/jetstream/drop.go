package jetstream

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

var _ hub.Dropper = (*Log)(nil)

// Convs calls fn with the id of every conversation that has entries in the
// log's streams (rooms', then private ones), one stream at a time.
func (l *Log) Convs(ctx context.Context, fn func(conv string) error) error {
	for _, s := range append(append([]jetstream.Stream(nil), l.streams...), l.private...) {
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
		if err != nil {
			return fmt.Errorf("jetstream: listing the conversations of %s: %w", s.CachedInfo().Config.Name, err)
		}
		for subj := range info.State.Subjects {
			i := strings.LastIndexByte(subj, '.')
			conv, ok := untoken(subj[i+1:])
			if !ok {
				continue
			}
			if err := fn(conv); err != nil {
				return err
			}
		}
	}
	return nil
}

// Drop removes the entries of conv before sequence below, never its
// newest: a purge of the conversation's subject up to the stream sequence
// of entry below, which every replica applies. Dropping again what is gone
// removes nothing.
func (l *Log) Drop(ctx context.Context, conv string, below uint64) (int, error) {
	c := l.conv(conv)
	c.mu.Lock()
	c.loaded = false // read the newest from the stream: another node may have appended
	err := l.load(ctx, c, conv)
	last, lastStream, at := c.last, c.lastStream, c.at
	c.mu.Unlock()
	if err != nil || last == 0 {
		return 0, err
	}
	below = min(below, last)
	first, firstStream, err := l.firstEntry(ctx, at, conv)
	if err != nil || below <= first {
		return 0, err
	}
	streamSeq, err := l.locate(ctx, at.stream, at.subject, below, firstStream, lastStream)
	if err != nil {
		return 0, err
	}
	if err := at.stream.Purge(ctx, jetstream.WithPurgeSubject(at.subject), jetstream.WithPurgeSequence(streamSeq)); err != nil {
		return 0, fmt.Errorf("jetstream: dropping the entries of %q before %d: %w", conv, below, err)
	}
	return int(below - first), nil
}
