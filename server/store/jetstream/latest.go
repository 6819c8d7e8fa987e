package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// maxMultiLast is how many keys one direct multi-get returns at most (the
// server's own limit); past it, latest reads with a watch.
const maxMultiLast = 1024

// The headers of a status message: nats.go parses its first line,
// "NATS/1.0 204 EOB", into these.
const (
	statusHeader      = "Status"
	descriptionHeader = "Description"
)

// directGetPatience bounds the wait for a direct get's answers; past it
// latest reads with a watch instead (a caller's context may have no end).
const directGetPatience = 5 * time.Second

// errNoAnswer says a direct get's answers did not all come in time.
var errNoAnswer = errors.New("jetstream: no full answer to a direct get")

// errTooMany says a direct multi-get matched more keys than it returns.
var errTooMany = errors.New("jetstream: too many keys for one direct get")

// latest returns the current value of every key of kv matching filter
// (deleted keys left out). With one copy of each bucket it asks the
// bucket's stream for the last message of each matching subject in one
// direct get, with no consumer: a user's connection reads several such
// prefixes, and a watch's ephemeral consumer, made and deleted for each,
// cost more CPU than the rest of a new connection. With more keys than a
// direct get returns, or a server that does not answer one, it reads with
// a watch; so it does with replicated buckets, where any replica answers
// a direct get and one that lags would miss what another node just wrote
// (a watch's consumer reads the leader's).
func (d *Directory) latest(ctx context.Context, kv jetstream.KeyValue, filter string) (map[string][]byte, error) {
	if d.replicas == 1 {
		out, err := d.lastForKeys(ctx, kv.Bucket(), filter)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return watchLatest(ctx, kv, filter)
}

// lastForKeys is latest by one direct multi-get on bucket's stream: the
// answer is a message per key, then an end-of-batch status (204), or a
// status alone when nothing matched (404) or too much did (413). The
// answers come through d's one reply subscription (directReplies).
func (d *Directory) lastForKeys(ctx context.Context, bucket, filter string) (map[string][]byte, error) {
	g := &directGet{prefix: "$KV." + bucket + ".", out: make(map[string][]byte), done: make(chan struct{})}
	inbox, err := d.replies.start(d.js.Conn(), g)
	if err != nil {
		return nil, err
	}
	defer d.replies.end(inbox)
	req := fmt.Sprintf(`{"multi_last":[%q]}`, g.prefix+filter)
	if err := d.js.Conn().PublishRequest(apiPrefix(d.js)+"DIRECT.GET.KV_"+bucket, inbox, []byte(req)); err != nil {
		return nil, err
	}
	wait := time.NewTimer(directGetPatience)
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, errNoAnswer
	case <-g.done:
		return g.out, g.err
	}
}

// directGet is one direct multi-get under way: what its answers hold so
// far, and done closed with the last.
type directGet struct {
	prefix string // "$KV.<bucket>.": a subject less it is a key
	out    map[string][]byte
	err    error
	done   chan struct{}
}

// take adds an answer to g, and reports whether it was the last.
func (g *directGet) take(m *nats.Msg) bool {
	switch status := m.Header.Get(statusHeader); status {
	case "":
	case "204", "404": // the end of the batch; nothing matched
		return true
	case "413":
		g.err = errTooMany
		return true
	default:
		g.err = fmt.Errorf("jetstream: direct get of %s: status %s %s", g.prefix, status, m.Header.Get(descriptionHeader))
		return true
	}
	if op := m.Header.Get("KV-Operation"); op == "DEL" || op == "PURGE" {
		return false
	}
	key, ok := strings.CutPrefix(m.Header.Get(jetstream.SubjectHeader), g.prefix)
	if !ok {
		g.err = fmt.Errorf("jetstream: direct get of %s answered with subject %q", g.prefix, m.Header.Get(jetstream.SubjectHeader))
		return true
	}
	g.out[key] = m.Data
	if len(g.out) > maxMultiLast {
		g.err = errTooMany
		return true
	}
	return false
}

// directReplies routes the answers of a Directory's direct gets to their
// gets through one subscription to a wildcard inbox, made on first use: a
// subscription for each get cost more than the get (nats.go gives each
// one a large channel).
type directReplies struct {
	mu      sync.Mutex
	sub     *nats.Subscription
	prefix  string // the inbox's, ending in "."
	next    uint64
	pending map[string]*directGet // by inbox
}

// start registers g and returns the inbox its answers go to.
func (r *directReplies) start(nc *nats.Conn, g *directGet) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sub == nil {
		r.prefix = nc.NewRespInbox() + "."
		sub, err := nc.Subscribe(r.prefix+"*", r.deliver)
		if err != nil {
			return "", err
		}
		r.sub, r.pending = sub, make(map[string]*directGet)
	}
	r.next++
	inbox := r.prefix + strconv.FormatUint(r.next, 36)
	r.pending[inbox] = g
	return inbox, nil
}

// end forgets the get of inbox, answered or given up.
func (r *directReplies) end(inbox string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pending, inbox)
}

// deliver gives an answer to its get; one given up on is dropped.
func (r *directReplies) deliver(m *nats.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.pending[m.Subject]
	if g == nil {
		return
	}
	if g.take(m) {
		delete(r.pending, m.Subject)
		close(g.done)
	}
}

// watchLatest is latest by a watch: an ordered consumer delivers the last
// value of every matching key, then a nil entry.
func watchLatest(ctx context.Context, kv jetstream.KeyValue, filter string) (map[string][]byte, error) {
	w, err := kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer func() { _ = w.Stop() }()
	out := make(map[string][]byte)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil { // closed, or every current value delivered
				return out, nil
			}
			out[e.Key()] = e.Value()
		}
	}
}
