package hub

import (
	"context"
	"errors"
	"fmt"

	"github.com/founding/chat/app/chat"
)

// Entries calls fn with every entry of conv still held, oldest first, a
// page at a time, so that an export of any size holds one page in memory.
// Folded, each message comes as it is now (its edits, deletion and
// reactions applied) and the actions and expiry markers are left out; raw,
// every entry comes as stored. Entries appended meanwhile may be left out.
func (h *Hub) Entries(ctx context.Context, conv string, folded bool, fn func([]chat.Entry) error) error {
	last, err := h.log.Last(ctx, conv)
	if err != nil {
		return fmt.Errorf("hub: reading %s: %w", conv, err)
	}
	for next := uint64(1); next <= last; {
		p, err := h.log.Page(ctx, chat.History{Conv: conv, Before: min(last+1, next+expirePage), Limit: expirePage})
		if errors.Is(err, ErrBeforeStart) && p.First > next {
			next = p.First
			continue
		}
		if err == nil && folded {
			err = h.foldPage(ctx, &p)
		}
		if err != nil {
			return fmt.Errorf("hub: reading %s: %w", conv, err)
		}
		if len(p.Entries) == 0 {
			return nil
		}
		next = p.Entries[len(p.Entries)-1].Seq + 1
		entries := p.Entries
		if folded {
			entries = entries[:0:0]
			for _, e := range p.Entries {
				if !chat.IsAction(e.Kind) && e.Kind != chat.EntryExpire {
					entries = append(entries, e)
				}
			}
		}
		if err := fn(entries); err != nil {
			return err
		}
	}
	return nil
}

// Wrote reports whether the user key is the author of entry e.
func Wrote(key string, e chat.Entry) bool { return wrote(key, e) }

// EachConv calls fn with the id of every conversation the log holds
// entries of, for an export of the whole server.
func (h *Hub) EachConv(ctx context.Context, fn func(conv string) error) error {
	dropper, ok := h.log.(Dropper)
	if !ok {
		return errors.New("hub: the log cannot list its conversations")
	}
	return dropper.Convs(ctx, fn)
}

// ConvRecord returns the directory's record of conversation id, or
// ErrNotFound.
func (h *Hub) ConvRecord(ctx context.Context, id string) (ConvRecord, error) {
	return h.dir.Conv(ctx, id)
}
