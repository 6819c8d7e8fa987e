package hub

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
)

// amendments keeps, per conversation, the actions (edits, deletes,
// reactions) the hub has seen, by the message they target, so that a
// history page shows each message as it is now (chat.Merge) and an action
// can be checked against its target's state (deleted, its reactions).
//
// An action always comes after its target. So to fold the messages from
// sequence s on, the hub needs the actions from s on, not the whole log:
// a conversation's record starts empty, knowing every action from the
// log's last sequence on (from), kept up to date by the log's watch
// (observe), which sees every entry appended by any process; a page or an
// action that needs older ones reads the log back to where it needs
// (cover), once. The latest page costs nothing more than itself; scrolling
// up reads what it shows anyway; a reply to an old message reads from it.
//
// Locks: amendments.mu guards the table; each convAmends.mu guards its
// record and is never held during a storage call; convAmends.scan is held
// while reading the log back, so that one reader does it. observe runs on
// the log's watch (memory.Log calls it under its own lock) and takes the
// first two briefly, calling nothing else.
type amendments struct {
	log Log

	mu    sync.Mutex
	convs map[string]*convAmends
}

// convAmends is what the hub knows of one conversation's actions.
type convAmends struct {
	ready chan struct{} // closed once from and high are set, or setting them failed
	err   error         // why; set before ready is closed

	scan sync.Mutex // held while reading the log back (cover)

	mu      sync.Mutex
	started bool                    // from and high are set
	from    uint64                  // every action at or after this sequence is in actions
	high    uint64                  // every entry up to here was seen
	pending []chat.Entry            // watched before started
	actions map[uint64][]chat.Entry // by target, in sequence order
	states  map[uint64]chat.Entry   // by target: its actions folded (chat.Merge), a cache
}

// startTimeout bounds reading where a conversation's log ends.
const startTimeout = 30 * time.Second

func newAmendments(log Log) *amendments {
	return &amendments{log: log, convs: make(map[string]*convAmends)}
}

// observe records a watched entry in its conversation's record, if one is
// kept.
func (a *amendments) observe(e chat.Entry) {
	a.mu.Lock()
	c := a.convs[e.Conv]
	a.mu.Unlock()
	if c == nil {
		return // a record made later reads it from the log when it needs it
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.pending = append(c.pending, e)
		return
	}
	c.see(e)
}

// see records e, the entry after high. Callers hold c.mu.
func (c *convAmends) see(e chat.Entry) {
	if e.Seq <= c.high {
		return
	}
	c.high = e.Seq
	if !chat.IsAction(e.Kind) {
		return
	}
	c.actions[e.Target] = append(c.actions[e.Target], e)
	if st, ok := c.states[e.Target]; ok {
		c.states[e.Target], _ = chat.Apply(st, e) // the newest action: the cache stays right
	}
}

// of returns the record of conversation conv, knowing every action from
// sequence need on (cover). A failed start is forgotten, so that the next
// call tries again.
func (a *amendments) of(ctx context.Context, conv string, need uint64) (*convAmends, error) {
	a.mu.Lock()
	c := a.convs[conv]
	if c == nil {
		c = &convAmends{ready: make(chan struct{}), actions: make(map[uint64][]chat.Entry), states: make(map[uint64]chat.Entry)}
		a.convs[conv] = c
		a.mu.Unlock()
		a.start(ctx, c, conv)
	} else {
		a.mu.Unlock()
	}
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		a.mu.Lock()
		if a.convs[conv] == c {
			delete(a.convs, conv)
		}
		a.mu.Unlock()
		return nil, c.err
	}
	if err := a.cover(ctx, c, conv, need); err != nil {
		return nil, err
	}
	return c, nil
}

// start sets from and high at the log's last sequence: the record was in
// the table before, so the watch's entries after it are all kept. Others
// wait on it, so it does not end with the caller's context.
func (a *amendments) start(ctx context.Context, c *convAmends, conv string) {
	defer close(c.ready)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), startTimeout)
	defer cancel()
	last, err := a.log.Last(ctx, conv)
	if err != nil {
		c.err = err
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started, c.from, c.high = true, last+1, last
	for _, e := range c.pending {
		c.see(e)
	}
	c.pending = nil
}

// cover reads conv's log back from sequence need to where c's record
// starts, so that it knows every action from need on.
func (a *amendments) cover(ctx context.Context, c *convAmends, conv string, need uint64) error {
	need = max(need, 1)
	c.mu.Lock()
	covered := c.from <= need
	c.mu.Unlock()
	if covered {
		return nil
	}
	c.scan.Lock()
	defer c.scan.Unlock()
	c.mu.Lock()
	to := c.from - 1 // read need..to
	c.mu.Unlock()
	var found []chat.Entry
	for next := need; next <= to; {
		q := chat.History{Conv: conv, After: next - 1, Limit: chat.MaxHistoryLimit}
		if next == 1 { // After 0 would ask for the latest page
			q = chat.History{Conv: conv, Before: min(to, chat.MaxHistoryLimit) + 1, Limit: chat.MaxHistoryLimit}
		}
		p, err := a.log.Page(ctx, q)
		switch {
		case errors.Is(err, ErrBeforeStart) && p.First > next:
			next = p.First // older entries are no longer held
			continue
		case err != nil:
			return err
		case len(p.Entries) == 0:
			next = to + 1
			continue
		}
		for _, e := range p.Entries {
			if e.Seq <= to && chat.IsAction(e.Kind) {
				found = append(found, e)
			}
		}
		next = p.Entries[len(p.Entries)-1].Seq + 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range found {
		c.actions[e.Target] = append(c.actions[e.Target], e)
		delete(c.states, e.Target)
	}
	for _, e := range found {
		slices.SortFunc(c.actions[e.Target], func(x, y chat.Entry) int { return cmp.Compare(x.Seq, y.Seq) })
	}
	c.from = need
	return nil
}

// stateOf returns what the actions made of message seq, to chat.Merge, and
// whether there were any. Callers hold c.mu and have covered seq+1.
func (c *convAmends) stateOf(seq uint64) (chat.Entry, bool) {
	if st, ok := c.states[seq]; ok {
		return st, true
	}
	actions := c.actions[seq]
	if len(actions) == 0 {
		return chat.Entry{}, false
	}
	st := chat.Entry{Conv: actions[0].Conv, Seq: seq, Kind: chat.EntryMessage}
	for _, a := range actions {
		st, _ = chat.Apply(st, a)
	}
	c.states[seq] = st
	return st, true
}

// state is stateOf for callers that do not hold c.mu.
func (c *convAmends) state(seq uint64) (chat.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateOf(seq)
}

// need returns the sequence from which the actions must be known to fold
// entries: their first, and just after any message a reply quotes or an
// edit changes (a delete of it comes after it).
func need(entries []chat.Entry) uint64 {
	n := entries[0].Seq
	for _, e := range entries {
		switch {
		case e.Reply != nil:
			n = min(n, e.Reply.Seq+1)
		case e.Kind == chat.EntryEdit:
			n = min(n, e.Target+1)
		}
	}
	return n
}

// fold returns entries as they are now: each message merged with its
// actions, replies to and edits of deleted messages without what they held
// of them, then the actions of the run itself folded in (those the watch
// has not brought yet). Every message's Upto says up to where actions are
// folded in. Callers have covered need(entries).
func (c *convAmends) fold(entries []chat.Entry) []chat.Entry {
	out := make([]chat.Entry, len(entries))
	c.mu.Lock()
	for i, e := range entries {
		if e.Kind == chat.EntryMessage {
			if st, ok := c.stateOf(e.Seq); ok {
				e = chat.Merge(e, st)
			}
			e.Upto = max(e.Upto, c.high)
		}
		var of uint64
		switch {
		case e.Reply != nil:
			of = e.Reply.Seq
		case e.Kind == chat.EntryEdit:
			of = e.Target
		}
		if of != 0 {
			if st, ok := c.stateOf(of); ok && st.Deleted {
				e = chat.ForgetDeleted(e, of)
			}
		}
		out[i] = e
	}
	c.mu.Unlock()
	return chat.Fold(out)
}
