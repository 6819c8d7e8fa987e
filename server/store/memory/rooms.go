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

// RoomMembers returns the user keys of conv's members, for the admin
// console, in no order.
func (d *Directory) RoomMembers(_ context.Context, conv string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for user, convs := range d.members {
		if convs[conv] {
			out = append(out, user)
		}
	}
	return out, nil
}

// SetOwner makes owner the owner of room id, for the admin console; a
// room with no record is hub.ErrNotFound.
func (d *Directory) SetOwner(_ context.Context, id string, owner hub.Member) error {
	d.mu.Lock()
	rec, ok := d.convs[id]
	if !ok {
		d.mu.Unlock()
		return hub.ErrNotFound
	}
	rec.Owner = owner
	d.convs[id] = rec
	d.mu.Unlock()
	d.records.send(rec)
	return nil
}
