package memory

import (
	"context"
	"strings"

	"github.com/founding/chat/server/hub"
)

// Rooms lists the record of every room, for the admin console, in no
// order.
func (d *Directory) Rooms(context.Context) ([]hub.ConvRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []hub.ConvRecord
	for id, rec := range d.convs {
		if strings.HasPrefix(id, "r:") {
			out = append(out, rec)
		}
	}
	return out, nil
}

// MemberCounts returns how many members each conversation has, for the
// admin console.
func (d *Directory) MemberCounts(context.Context) (map[string]int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int)
	for _, convs := range d.members {
		for conv, in := range convs {
			if in {
				out[conv]++
			}
		}
	}
	return out, nil
}
