package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
)

// Retention (chat/retention.go): a conversation keeps its entries as long
// as its room's policy says, or the server's default (Options.Retention).
// Expire removes what is older from one conversation:
//
//  1. it reads the conversation from its first entry while entries are older
//     than the cut-off, a page at a time (never the whole history in
//     memory), giving back each expired message's files and its link
//     preview's thumbnail;
//  2. it appends an EntryExpire whose Target is the first sequence kept, so
//     that the conversation never loses its newest entry (its sequence
//     would start again) and so that every node's search index (which
//     watches the log) and every client drops what came before;
//  3. it asks the Log to drop the entries before Target.
//
// Each step can run again: a sweep that stopped half-way, or two nodes
// sweeping at once, give the same result (at worst one more EntryExpire).

// Dropper is what a Log offers for retention. Both backends have it.
type Dropper interface {
	// Convs calls fn with the id of every conversation that has entries.
	Convs(ctx context.Context, fn func(conv string) error) error
	// Drop removes the entries of conv before sequence below, never its
	// newest, and returns how many it removed.
	Drop(ctx context.Context, conv string, below uint64) (int, error)
}

// Expired tells what Expire did to one conversation.
type Expired struct {
	Conv    string
	Entries int    // entries removed
	Files   int    // references given back to files
	First   uint64 // the first sequence kept; 0 when nothing expired
}

// expirePage is how many entries Expire reads at a time.
const expirePage = chat.MaxHistoryLimit

// RetentionOf returns how long conversation conv keeps its entries, 0 for
// ever: its room's policy, or the server's default.
func (h *Hub) RetentionOf(ctx context.Context, conv string) (time.Duration, error) {
	rules, err := h.dir.Rules(ctx, conv)
	if err != nil {
		return 0, err
	}
	return retention(rules.RetainDays, h.opts.Retention), nil
}

// retention is the retention of a room whose policy is days under the
// server's default def.
func retention(days int, def time.Duration) time.Duration {
	switch {
	case days == chat.RetainForever:
		return 0
	case days > 0:
		return time.Duration(days) * 24 * time.Hour
	}
	return def
}

// retainDays is retention in whole days for ConvInfo.RetainDays (a
// default shorter than a day shows as 1).
func retainDays(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return max(1, int(d/(24*time.Hour)))
}

// Expire removes the entries of conv older than the Unix millisecond
// before (see above). An entry's age counts from Entry.When: an imported
// message's from when it was written in the chat it came from (Sent), not
// from its import. As the log drops only a prefix, the scan stops at the
// first newer message; newer entries of other kinds before it (the
// admin's join before the imported history) go with the older messages
// after them, and stay when no older one follows. Markers (EntryExpire)
// alone never make it append another: an idle conversation stays as it
// is.
func (h *Hub) Expire(ctx context.Context, conv string, before int64) (Expired, error) {
	out := Expired{Conv: conv}
	dropper, ok := h.log.(Dropper)
	if !ok {
		return out, errors.New("hub: the log cannot drop entries")
	}
	last, err := h.log.Last(ctx, conv)
	if err != nil || last == 0 {
		return out, err
	}
	cut := last + 1 // the first sequence kept: every entry is older until one is not
	content := 0    // expiring entries that are not markers
	// Held: the newer entries other than messages met since the last older
	// one (see the comment above).
	held, heldContent := uint64(0), 0
	var heldPreviews []chat.Entry
	next := uint64(1)
scan:
	for next <= last {
		p, err := h.log.Page(ctx, chat.History{Conv: conv, Before: min(last+1, next+expirePage), Limit: expirePage})
		if errors.Is(err, ErrBeforeStart) && p.First > next {
			next = p.First
			continue
		}
		if err != nil {
			return out, fmt.Errorf("hub: reading %s to expire it: %w", conv, err)
		}
		if len(p.Entries) == 0 {
			break
		}
		for _, e := range p.Entries {
			if e.When() >= before {
				if e.Kind == chat.EntryMessage {
					cut = cmp.Or(held, e.Seq)
					break scan
				}
				held = cmp.Or(held, e.Seq)
				if e.Kind != chat.EntryExpire {
					heldContent++
				}
				if e.Kind == chat.EntryPreview {
					heldPreviews = append(heldPreviews, e)
				}
				continue
			}
			// An older entry after newer ones (an imported message after
			// its room's join): those go too.
			for _, pv := range heldPreviews {
				out.Files += h.expireFiles(ctx, pv)
			}
			content += heldContent
			held, heldContent, heldPreviews = 0, 0, heldPreviews[:0]
			if e.Kind != chat.EntryExpire {
				content++
			}
			out.Files += h.expireFiles(ctx, e)
		}
		next = p.Entries[len(p.Entries)-1].Seq + 1
	}
	if held != 0 && cut == last+1 {
		cut = held
	}
	if content == 0 {
		return out, nil
	}
	if _, err := h.log.Append(ctx, chat.Entry{Conv: conv, Kind: chat.EntryExpire, Target: cut}); err != nil {
		return out, fmt.Errorf("hub: marking %s expired: %w", conv, err)
	}
	n, err := dropper.Drop(ctx, conv, cut)
	out.Entries, out.First = n, cut
	if err != nil {
		return out, fmt.Errorf("hub: dropping the expired entries of %s: %w", conv, err)
	}
	h.opts.Logger.Info("retention: expired", "conv", conv, "entries", n, "files", out.Files, "first kept", cut)
	return out, nil
}

// expireFiles gives back the references an expiring entry holds to files:
// a message's attachments, a link preview's thumbnail. A file no other
// message refers to is removed (UnreferFile). It returns how many it gave
// back.
func (h *Hub) expireFiles(ctx context.Context, e chat.Entry) int {
	if h.opts.Files == nil {
		return 0
	}
	var files []chat.File
	seq := e.Seq
	switch e.Kind {
	case chat.EntryMessage:
		files = append(files, e.Files...)
		files = append(files, previewFiles(e.Preview)...)
	case chat.EntryPreview:
		files, seq = previewFiles(e.Preview), e.Target
	}
	n := 0
	for _, f := range files {
		if _, err := h.opts.Files.UnreferFile(ctx, f.ID, FileRef{Conv: e.Conv, Seq: seq}); err != nil {
			h.opts.Logger.Warn("an expired message's file could not be given back; it stays until swept", "file", f.ID, "conv", e.Conv, "seq", seq, "err", err)
			continue
		}
		n++
	}
	return n
}

// SweepStats tells what one Sweep did.
type SweepStats struct {
	Convs   int // conversations looked at
	Expired int // conversations that lost entries
	Entries int // entries removed
	Files   int // references given back to files
}

// Sweep applies every conversation's retention at time now: the server's
// default, or its room's policy. It goes on past a conversation that
// fails, and returns the failures joined.
func (h *Hub) Sweep(ctx context.Context, now time.Time) (SweepStats, error) {
	var st SweepStats
	dropper, ok := h.log.(Dropper)
	if !ok {
		return st, errors.New("hub: the log cannot drop entries")
	}
	var errs []error
	err := dropper.Convs(ctx, func(conv string) error {
		st.Convs++
		keep := h.opts.Retention
		if !isPrivate(conv) {
			var err error
			if keep, err = h.RetentionOf(ctx, conv); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", conv, err))
				return nil
			}
		}
		if keep <= 0 {
			return nil
		}
		x, err := h.Expire(ctx, conv, now.Add(-keep).UnixMilli())
		if err != nil {
			errs = append(errs, err)
		}
		if x.First > 0 {
			st.Expired++
			st.Entries += x.Entries
			st.Files += x.Files
		}
		return ctx.Err()
	})
	return st, errors.Join(append(errs, err)...)
}

// isPrivate reports whether conv is a private conversation's id.
func isPrivate(conv string) bool { return len(conv) > 2 && conv[:2] == "p:" }

// SetRetention sets room convID's retention policy (chat.SetRetention).
func (h *Hub) SetRetention(ctx context.Context, key, convID string, days int) error {
	u, c, err := h.moderated(ctx, key, convID)
	if err != nil {
		return err
	}
	changed, err := h.dir.SetRetention(ctx, c.id, days)
	if err != nil {
		return h.storageError("change the room's retention", err)
	}
	if !changed {
		return nil
	}
	what := "keeps the room's messages as the server does"
	switch {
	case days == chat.RetainForever:
		what = "keeps the room's messages for ever"
	case days > 0:
		what = "keeps the room's messages " + strconv.Itoa(days) + " days"
	}
	return h.appendModeration(ctx, chat.Entry{Conv: c.id, Kind: chat.EntryRetention, From: escape(u.name), Days: days, HTML: markup.Event(u.name, what)})
}
