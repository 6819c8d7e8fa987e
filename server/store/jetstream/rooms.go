package jetstream

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/founding/chat/server/hub"
)

// Rooms lists the record of every room, for the admin console, in no
// order.
func (d *Directory) Rooms(ctx context.Context) ([]hub.ConvRecord, error) {
	values, err := latest(ctx, d.convs, ">")
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
	values, err := latest(ctx, d.members, ">")
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
