package hub

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
)

// amendments keeps, per conversation, what actions (edits, deletes,
// reactions) made of the messages they target, so that a history page
// shows each message as it is now (chat.Merge) without reading what
// follows it, and an action can be checked against its target's state
// (deleted, its reactions).
//
// A conversation's state is built on first use by reading its whole log
// once (load), then kept up to date from the log's watch (observe), which
// sees every entry appended by any process. Entries the watch delivers
// while the log is being read wait in pending and are applied after, in
// order; high is the sequence up to which every action is folded in. The
// state lives in memory, one copy per process: a restart reads the log
// again on first use.
//
// Locks: amendments.mu guards the table only; each convAmends.mu guards
// its state. Neither is held during a storage call; observe runs on the
// log's watch (memory.Log calls it under its own lock) and takes both,
// briefly, calling nothing else.
type amendments struct {
	log Log

	mu    sync.Mutex
	convs map[string]*convAmends
}

// convAmends is the folded state of one conversation's actions.
type convAmends struct {
	ready chan struct{} // closed when loaded or failed
	err   error         // why loading failed; set before ready is closed

	mu      sync.Mutex
	loaded  bool
	high    uint64                // every action up to this sequence is folded in
	pending []chat.Entry          // watched while loading, applied after
	states  map[uint64]chat.Entry // by target: what its actions made of it (chat.Merge)
}

// loadTimeout bounds reading a conversation's log to build its state.
const loadTimeout = 2 * time.Minute

func newAmendments(log Log) *amendments {
	return &amendments{log: log, convs: make(map[string]*convAmends)}
}

// observe folds a watched entry into its conversation's state, if one is
// kept.
func (a *amendments) observe(e chat.Entry) {
	a.mu.Lock()
	c := a.convs[e.Conv]
	a.mu.Unlock()
	if c == nil {
		return // loading will read it from the log
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.pending = append(c.pending, e)
		return
	}
	c.apply(e)
}

// apply folds e in once. Callers hold c.mu.
func (c *convAmends) apply(e chat.Entry) {
	if e.Seq <= c.high {
		return
	}
	c.high = e.Seq
	if !chat.IsAction(e.Kind) {
		return
	}
	st, ok := c.states[e.Target]
	if !ok {
		st = chat.Entry{Conv: e.Conv, Seq: e.Target, Kind: chat.EntryMessage}
	}
	c.states[e.Target], _ = chat.Apply(st, e)
}

// of returns the state of conversation conv, reading its log the first
// time. A failed load is forgotten, so that the next call tries again.
func (a *amendments) of(ctx context.Context, conv string) (*convAmends, error) {
	a.mu.Lock()
	c := a.convs[conv]
	if c == nil {
		c = &convAmends{ready: make(chan struct{}), states: make(map[uint64]chat.Entry)}
		a.convs[conv] = c
		a.mu.Unlock()
		a.load(c, conv)
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
	return c, nil
}

// load reads conv's log from its oldest entry to its newest, folding in the
// actions, then what the watch delivered meanwhile.
func (a *amendments) load(c *convAmends, conv string) {
	defer close(c.ready)
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	last, err := a.log.Last(ctx, conv)
	if err != nil {
		c.err = err
		return
	}
	for after := uint64(0); after < last; {
		q := chat.History{Conv: conv, After: after, Limit: chat.MaxHistoryLimit}
		if after == 0 { // After 0 asks for the latest page: ask from the start
			q = chat.History{Conv: conv, Before: min(last, chat.MaxHistoryLimit) + 1, Limit: chat.MaxHistoryLimit}
		}
		p, err := a.log.Page(ctx, q)
		switch {
		case errors.Is(err, ErrBeforeStart) && after == 0 && p.First > 1:
			after = p.First - 1 // older entries are no longer held
			continue
		case err != nil:
			c.err = err
			return
		case len(p.Entries) == 0:
			after = last
			continue
		}
		c.mu.Lock()
		for _, e := range p.Entries {
			c.apply(e)
		}
		c.mu.Unlock()
		after = p.Entries[len(p.Entries)-1].Seq
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.pending {
		c.apply(e)
	}
	c.pending, c.loaded = nil, true
}

// state returns what actions made of message seq: the message's state to
// chat.Merge, and whether it was changed at all.
func (c *convAmends) state(seq uint64) (chat.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.states[seq]
	return st, ok
}

// fold returns entries as they are now: each message merged with its
// state, replies to and edits of deleted messages without what they held
// of them, then the actions of the run itself folded in (those the watch
// has not brought yet). Every message's Upto says up to where actions are
// folded in.
func (c *convAmends) fold(entries []chat.Entry) []chat.Entry {
	out := make([]chat.Entry, len(entries))
	c.mu.Lock()
	for i, e := range entries {
		if e.Kind == chat.EntryMessage {
			if st, ok := c.states[e.Seq]; ok {
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
		if st, ok := c.states[of]; ok && st.Deleted {
			e = chat.ForgetDeleted(e, of)
		}
		out[i] = e
	}
	c.mu.Unlock()
	return chat.Fold(out)
}
