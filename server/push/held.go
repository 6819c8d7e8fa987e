package push

import (
	"context"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// Pushes held by do-not-disturb are not lost: the newest held entry of
// each conversation is kept for the user (heldKey), and when
// do-not-disturb ends, whichever node notices first sends one push per
// conversation still unread, saying how many entries are new
// ("Ann: see you at 5 (+3 more)"). Every node looks every
// NotifierOptions.ReleaseEvery at the index of users with held pushes
// (heldIndexKey); a node takes a user out of it (compare-and-set) before it
// sends, so that one node sends them.

// heldKey is the record of the pushes held for user.
func heldKey(user string) string { return "held." + user }

// heldIndexKey is the record of the users who have pushes held.
const heldIndexKey = "held"

// maxHeldConvs bounds the conversations held for one user: past it, the
// oldest held is dropped.
const maxHeldConvs = 100

// heldPushes is the record at heldKey: by conversation, the newest entry
// held, its sender and the strongest reason of the pushes held.
type heldPushes struct {
	Convs map[string]heldPush `json:"convs,omitempty"`
}

type heldPush struct {
	Entry  chat.Entry `json:"entry"`
	Sender string     `json:"sender"`
	Reason reason     `json:"reason"`
}

// heldIndex is the record at heldIndexKey.
type heldIndex struct {
	Users []string `json:"users,omitempty"`
}

// hold keeps e, which do-not-disturb held for user key, for when it ends.
func (n *Notifier) hold(ctx context.Context, e chat.Entry, sender, key string, r reason) error {
	if _, err := update(ctx, n.o.Store, heldKey(key), func(h *heldPushes) (bool, error) {
		if h.Convs == nil {
			h.Convs = map[string]heldPush{}
		}
		old, had := h.Convs[e.Conv]
		if had && old.Entry.Seq >= e.Seq {
			return false, nil
		}
		h.Convs[e.Conv] = heldPush{Entry: e, Sender: sender, Reason: max(r, old.Reason)}
		if len(h.Convs) > maxHeldConvs {
			oldest := ""
			for c, p := range h.Convs {
				if oldest == "" || p.Entry.Time < h.Convs[oldest].Entry.Time {
					oldest = c
				}
			}
			delete(h.Convs, oldest)
		}
		return true, nil
	}); err != nil {
		return err
	}
	_, err := update(ctx, n.o.Store, heldIndexKey, func(ix *heldIndex) (bool, error) {
		if slices.Contains(ix.Users, key) {
			return false, nil
		}
		ix.Users = append(ix.Users, key)
		return true, nil
	})
	return err
}

// releaseLoop sends held pushes whose do-not-disturb ended, every
// ReleaseEvery, until the Notifier closes.
func (n *Notifier) releaseLoop() {
	t := time.NewTicker(n.o.ReleaseEvery)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
			n.release(time.Now())
		}
	}
}

// release sends the held pushes of every user whose do-not-disturb is
// over at now.
func (n *Notifier) release(now time.Time) {
	ctx, cancel := context.WithTimeout(n.ctx, decideTimeout)
	defer cancel()
	ix, err := read[heldIndex](ctx, n.o.Store, heldIndexKey)
	if err != nil {
		n.lookupFailed("the held pushes", err)
		return
	}
	for _, key := range ix.Users {
		settings, err := Settings(ctx, n.o.Store, key)
		if err != nil {
			n.lookupFailed("a user's settings", err)
			continue
		}
		loc, err := time.LoadLocation(settings.Quiet.Zone)
		if err != nil {
			loc = time.UTC
		}
		if settings.Quiet.QuietAt(now, loc) {
			continue
		}
		mine := false
		if _, err := update(ctx, n.o.Store, heldIndexKey, func(ix *heldIndex) (bool, error) {
			i := slices.Index(ix.Users, key)
			if mine = i >= 0; !mine {
				return false, nil // another node took them
			}
			ix.Users = slices.Delete(ix.Users, i, i+1)
			return true, nil
		}); err != nil || !mine {
			if err != nil {
				n.lookupFailed("the held pushes", err)
			}
			continue
		}
		var held heldPushes
		if _, err := update(ctx, n.o.Store, heldKey(key), func(h *heldPushes) (bool, error) {
			held, *h = *h, heldPushes{}
			return len(held.Convs) > 0, nil
		}); err != nil {
			n.lookupFailed("the held pushes", err)
			continue
		}
		for _, p := range held.Convs {
			if err := n.tellHeld(ctx, p, key); err != nil {
				n.lookupFailed("a held push", err)
			}
		}
	}
}

// tellHeld sends a held push by the rules as they are now (a level
// changed meanwhile, a member removed, the user active), if the user has
// not read the conversation that far meanwhile.
func (n *Notifier) tellHeld(ctx context.Context, p heldPush, key string) error {
	rec, err := n.o.Directory.Conv(ctx, parentOf(p.Entry.Conv))
	if err != nil {
		return err
	}
	var rules hub.RoomRules
	if rec.Kind == chat.KindRoom {
		if rules, err = n.o.Directory.Rules(ctx, rec.ID); err != nil {
			return err
		}
	}
	return n.tellAs(ctx, p.Entry, rec, rules, p.Sender, key, p.Reason, true)
}

// Held returns how many conversations have a push held for user, waiting
// for the end of their do-not-disturb.
func Held(ctx context.Context, st Store, user string) (int, error) {
	h, err := read[heldPushes](ctx, st, heldKey(user))
	return len(h.Convs), err
}
