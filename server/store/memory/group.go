package memory

import (
	"context"
	"maps"
	"slices"

	"github.com/founding/chat/server/hub"
)

// UpdateConv changes the record of conversation id by change, atomically.
func (d *Directory) UpdateConv(_ context.Context, id string, change func(*hub.ConvRecord) error) (hub.ConvRecord, error) {
	d.mu.Lock()
	old, ok := d.convs[id]
	if !ok {
		d.mu.Unlock()
		return hub.ConvRecord{}, hub.ErrNotFound
	}
	rec := old
	rec.Members = slices.Clone(old.Members)
	rec.Since = maps.Clone(old.Since)
	if err := change(&rec); err != nil {
		d.mu.Unlock()
		return hub.ConvRecord{}, err
	}
	d.convs[id] = rec
	d.mu.Unlock()
	d.records.send(rec)
	return rec, nil
}
