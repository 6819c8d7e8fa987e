package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

// updateAttempts bounds how often UpdateConv reads a record again that
// others keep changing.
const updateAttempts = 8

// UpdateConv changes the record of conversation id by change, with a
// compare-and-set on its revision, reading it again when another process
// changed it first.
func (d *Directory) UpdateConv(ctx context.Context, id string, change func(*hub.ConvRecord) error) (hub.ConvRecord, error) {
	for attempt := 0; attempt < updateAttempts; attempt++ {
		e, err := d.convs.Get(ctx, token(id))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return hub.ConvRecord{}, hub.ErrNotFound
		}
		if err != nil {
			return hub.ConvRecord{}, err
		}
		var v convValue
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			return hub.ConvRecord{}, fmt.Errorf("jetstream: record of %q: %w", id, err)
		}
		rec := v.record()
		if err := change(&rec); err != nil {
			return hub.ConvRecord{}, err
		}
		data, err := json.Marshal(newConvValue(rec))
		if err != nil {
			return hub.ConvRecord{}, err
		}
		_, err = d.convs.Update(ctx, token(id), data, e.Revision())
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return hub.ConvRecord{}, err
		}
	}
	return hub.ConvRecord{}, fmt.Errorf("jetstream: the record of %q kept changing", id)
}
