package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

// Rooms lists the record of every room, for the admin console, in no
// order.
func (d *Directory) Rooms(ctx context.Context) ([]hub.ConvRecord, error) {
	values, err := d.latest(ctx, d.convs, ">")
	if err != nil {
		return nil, err
	}
	var out []hub.ConvRecord
	for key, data := range values {
		var v convValue
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("jetstream: record of %q: %w", key, err)
		}
		if rec := v.record(); strings.HasPrefix(rec.ID, "r:") {
			out = append(out, rec)
		}
	}
	return out, nil
}

// MemberCounts returns how many members each conversation has, for the
// admin console.
func (d *Directory) MemberCounts(ctx context.Context) (map[string]int, error) {
	values, err := d.latest(ctx, d.members, ">")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int)
	for key := range values {
		if _, conv, ok := splitPair(key); ok {
			out[conv]++
		}
	}
	return out, nil
}

// RoomMembers returns the user keys of conv's members, for the admin
// console, in no order.
func (d *Directory) RoomMembers(ctx context.Context, conv string) ([]string, error) {
	values, err := d.latest(ctx, d.members, "*."+token(conv))
	if err != nil {
		return nil, err
	}
	var out []string
	for key := range values {
		if user, c, ok := splitPair(key); ok && c == conv {
			out = append(out, user)
		}
	}
	return out, nil
}

// SetOwner makes owner the owner of room id, for the admin console; a
// room with no record is hub.ErrNotFound.
func (d *Directory) SetOwner(ctx context.Context, id string, owner hub.Member) error {
	for {
		e, err := d.convs.Get(ctx, token(id))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return hub.ErrNotFound
		}
		if err != nil {
			return err
		}
		var v convValue
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			return fmt.Errorf("jetstream: record of %q: %w", id, err)
		}
		m := memberValue(owner)
		v.Owner = &m
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = d.convs.Update(ctx, token(id), data, e.Revision())
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // changed meanwhile: read it again
		}
		return err
	}
}
