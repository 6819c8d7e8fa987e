package jetstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Watches that do not go deaf (issue 27, STACK.md P14). After the NATS
// server leading a stream is killed, a consumer can stop delivering for
// good while the connection itself comes back: the library's own recovery
// may keep retrying, or never learn that the consumer is gone. So every
// watch this package keeps (the log's, the directory's) is supervised: it
// remembers the stream sequence of the last message it handed on, and a
// watchdog compares that with the stream's last sequence, asked of the
// server when the watch has delivered nothing for watchCheckEvery (every
// watchIdleCheckEvery while it was current at the last question and
// nothing came since; every watchCheckEvery once it is seen behind).
// A watch behind its stream with no progress for watchStaleAfter is
// stale: not ready (Watchdog.Err) with the reason. Once that has lasted
// watchStallAfter, or at once when its consumer reports its loss (missed
// heartbeats, deleted, a gap in its deliveries), the consumer is torn
// down and made again from the sequence after the last one delivered, so
// the hub gets every entry it missed, in order, once; the recovery is
// counted (Watchdog.Recoveries, chat_watch_recoveries_total) and logged.
// The watch is current again once a check finds it delivered up to the
// stream's last sequence (the next check, 0.5 s later, when it caught up).
//
// The bounds: a watch that stops while its stream moves on is seen behind
// within watchIdleCheckEvery of the first entry it missed (watchCheckEvery
// when it was delivering until then), stale watchStaleAfter later and made
// again watchStallAfter later: within 3 s and 4 s at most. A consumer whose
// server died is made again within about 2 s of its last heartbeat
// (watchHeartbeat).

// The watchdog's timings (above).
const (
	watchCheckEvery = 500 * time.Millisecond
	// watchIdleCheckEvery spaces the questions about a watch that was
	// current at the last one and has delivered nothing since: an idle
	// node asks about each of its watches this often.
	watchIdleCheckEvery = 2 * time.Second
	watchStaleAfter     = time.Second
	watchStallAfter     = 2 * time.Second
	watchHeartbeat      = time.Second
	// watchRetryEvery spaces attempts to make a consumer again while
	// they fail (NATS out of reach, the stream without a leader).
	watchRetryEvery = watchCheckEvery
	// watchAvoidFor is how long a consumer is not made again on the
	// server whose consumer stopped sending heartbeats (JetStream takes
	// seconds to learn that a killed server is gone, and places consumers
	// there meanwhile).
	watchAvoidFor = 5 * time.Second
	// watchAskTimeout bounds one question to the server.
	watchAskTimeout = 2 * time.Second
	// watchInactive is how long the server keeps a consumer nobody pulls
	// from: the ones given up are gone after it.
	watchInactive = 30 * time.Second
)

// Watchdog supervises the watches of one storage: it says whether all
// are current (Err, for readiness) and counts each recovery by kind of
// watch (Recoveries, for metrics). All methods may be called concurrently.
type Watchdog struct {
	logger *slog.Logger

	mu         sync.Mutex
	watches    map[*supervised]bool
	recoveries map[string]uint64 // by kind
}

// NewWatchdog returns a watchdog that logs to logger (slog.Default() when
// nil).
func NewWatchdog(logger *slog.Logger) *Watchdog {
	if logger == nil {
		logger = slog.Default()
	}
	return &Watchdog{logger: logger, watches: make(map[*supervised]bool), recoveries: make(map[string]uint64)}
}

// Err returns why a watch is not current, nil when every watch is.
func (d *Watchdog) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for w := range d.watches {
		if err := w.staleErr(); err != nil {
			errs = append(errs, err)
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// Recoveries returns how many times a watch of each kind ("log",
// "memberships", "cursors", "invitations", "mutes", "convs") was made again, every
// kind watched so far included, at 0 when it never was.
func (d *Watchdog) Recoveries() map[string]uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]uint64, len(d.recoveries))
	for k, v := range d.recoveries {
		out[k] = v
	}
	return out
}

// current reports whether every watch of kind is current.
func (d *Watchdog) current(kind string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for w := range d.watches {
		if w.kind == kind && w.staleErr() != nil {
			return false
		}
	}
	return true
}

// Consumers returns the consumers of stream that the watches use now, by
// name, each with the NATS server that holds it ("" when not known). A
// consumer of the stream not listed here serves no watch of this storage
// (one given up, until the server's inactivity threshold ends it).
func (d *Watchdog) Consumers(stream string) map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]string)
	for w := range d.watches {
		if w.name != stream {
			continue
		}
		w.mu.Lock()
		if w.consumer != "" {
			out[w.consumer] = w.host
		}
		w.mu.Unlock()
	}
	return out
}

func (d *Watchdog) add(w *supervised) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.watches[w] = true
	d.recoveries[w.kind] += 0
}

func (d *Watchdog) remove(w *supervised) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.watches, w)
}

func (d *Watchdog) recovered(kind string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recoveries[kind]++
}

// opener starts a consumer of a supervised watch at stream sequence from,
// as generation gen: it hands each message to w.handle with gen, and tells
// w.lost when the consumer reports that it is gone. It returns the
// function that stops the consumer.
type opener func(ctx context.Context, w *supervised, gen, from uint64) (stop func(), err error)

// supervised is one watch of a stream, kept current by its watchdog.
type supervised struct {
	d      *Watchdog
	kind   string           // the metric's label: "log", "memberships", ...
	stream jetstream.Stream // whose messages it delivers, all of them
	name   string           // the stream's, for messages
	open   opener

	handling  sync.Mutex    // one message handled at a time, across generations
	gen       atomic.Uint64 // the consumer in use; older ones are ignored
	delivered atomic.Uint64 // stream sequence of the last message handled
	moved     atomic.Int64  // when delivered last grew (Unix ns)
	busy      atomic.Bool   // a message is being handled
	remade    atomic.Bool   // the consumer was made again, not yet found current
	lostCh    chan error    // a consumer reported its loss

	mu       sync.Mutex
	stale    error // why the watch is not current, nil when it is
	staleAt  time.Time
	stopCons func()    // stops the consumer in use
	host     string    // the NATS server holding the consumer in use, when known
	consumer string    // the name of the consumer in use, when known
	avoid    string    // the server of a consumer lost with it: not to be used again at once,
	avoidTo  time.Time // until then (it may be the only one the stream has)
}

// placed records that the consumer of generation gen, named consumer, is
// on host, and reports whether that host is fine: not the one whose
// consumer was just lost, which JetStream may not know is dead yet and
// place on again.
func (w *supervised) placed(gen uint64, consumer, host string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if host != "" && host == w.avoid && time.Now().Before(w.avoidTo) {
		return false
	}
	if gen == w.gen.Load() {
		w.host, w.consumer = host, consumer
	}
	return true
}

// supervise starts a watch of stream from its next message on, under d.
// It returns once the first consumer is in place, with the function that
// ends the watch.
func (d *Watchdog) supervise(ctx context.Context, kind string, stream jetstream.Stream, open opener) (func(), error) {
	w := &supervised{d: d, kind: kind, stream: stream, name: stream.CachedInfo().Config.Name, open: open, lostCh: make(chan error, 1)}
	last, err := w.lastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("jetstream: watching %s: %w", w.name, err)
	}
	w.delivered.Store(last)
	w.moved.Store(time.Now().UnixNano())
	stop, err := open(ctx, w, w.gen.Add(1), last+1)
	if err != nil {
		return nil, fmt.Errorf("jetstream: watching %s: %w", w.name, err)
	}
	w.stopCons = stop
	d.add(w)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(runCtx)
	}()
	return func() {
		cancel()
		<-done
		d.remove(w)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.gen.Add(1)
		if w.stopCons != nil {
			w.stopCons()
			w.stopCons = nil
		}
	}, nil
}

// lastSeq asks the server for the stream's last sequence.
func (w *supervised) lastSeq(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, watchAskTimeout)
	defer cancel()
	info, err := w.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

// handle hands on the message at stream sequence seq (fn does), unless it
// comes from a consumer no longer in use or was handed on already.
func (w *supervised) handle(gen, seq uint64, fn func()) {
	w.handling.Lock()
	defer w.handling.Unlock()
	if gen != w.gen.Load() || seq <= w.delivered.Load() {
		return
	}
	w.busy.Store(true)
	fn()
	w.busy.Store(false)
	w.delivered.Store(seq)
	w.moved.Store(time.Now().UnixNano())
}

// lost tells the watchdog that consumer gen reported its loss.
func (w *supervised) lost(gen uint64, err error) {
	if gen != w.gen.Load() {
		return
	}
	select {
	case w.lostCh <- err:
	default:
	}
}

// consumerError is the error handler of a consumer of generation gen: it
// logs what the consumer reports and treats the errors that mean it is
// gone as its loss.
func (w *supervised) consumerError(gen uint64, err error) {
	if gen != w.gen.Load() || errors.Is(err, jetstream.ErrConnectionClosed) {
		return
	}
	gone := errors.Is(err, jetstream.ErrNoHeartbeat) || errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, jetstream.ErrConsumerNotFound)
	w.d.logger.Warn("a watch's consumer reports an error", "watch", w.kind, "stream", w.name, "err", err, "remaking", gone)
	if gone {
		w.lost(gen, err)
	}
}

func (w *supervised) staleErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stale
}

// setStale records why the watch is not current.
func (w *supervised) setStale(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stale == nil {
		w.staleAt = time.Now()
		w.d.logger.Warn("a watch is not current", "watch", w.kind, "stream", w.name, "err", err)
	}
	w.stale = err
}

// caughtUp records that the watch is current.
func (w *supervised) caughtUp() {
	w.remade.Store(false)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stale != nil {
		w.d.logger.Info("a watch is current again", "watch", w.kind, "stream", w.name,
			"delivered", w.delivered.Load(), "after", time.Since(w.staleAt).Round(time.Millisecond))
	}
	w.stale = nil
}

// run checks the watch every watchCheckEvery until ctx ends, and makes its
// consumer again when it is lost or stalled.
func (w *supervised) run(ctx context.Context) {
	tick := time.NewTicker(watchCheckEvery)
	defer tick.Stop()
	var behindSince time.Time // when the watch was first seen behind, with no progress since
	var behindAt uint64       // delivered then
	var broken bool           // the last attempt to make the consumer again failed
	var tried time.Time
	var target uint64   // while not current: the sequence to reach, 0 until a check saw the stream
	var asked time.Time // when the stream was last asked
	remake := func(why error) {
		tried = time.Now()
		broken = !w.remake(ctx, why)
		behindSince = time.Time{}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-w.lostCh:
			w.setStale(fmt.Errorf("the watch of %s (%s) lost its consumer: %w", w.name, w.kind, err))
			if errors.Is(err, jetstream.ErrNoHeartbeat) { // its server may be dead
				w.mu.Lock()
				w.avoid, w.avoidTo = w.host, time.Now().Add(watchAvoidFor)
				w.mu.Unlock()
			}
			target = 0
			remake(err)
			continue
		case <-tick.C:
		}
		if broken {
			if time.Since(tried) >= watchRetryEvery {
				remake(errors.New("trying again"))
			}
			continue
		}
		d := w.delivered.Load()
		recovering := w.remade.Load() || w.staleErr() != nil
		moving := time.Since(time.Unix(0, w.moved.Load())) < watchCheckEvery
		if w.busy.Load() || (moving && !recovering) {
			behindSince = time.Time{}
			continue
		}
		if !recovering && behindSince.IsZero() && time.Since(asked) < watchIdleCheckEvery {
			continue // idle, and current when last asked
		}
		asked = time.Now()
		last, err := w.lastSeq(ctx)
		if err != nil {
			continue // NATS out of reach: the storage's own check says so
		}
		if recovering {
			// Current again once it delivered what the stream held when
			// it was found behind, or when it was first asked after.
			// A consumer made again is given a whole check's interval
			// before it is found current: not ready for a moment that a
			// prober sees, not for one that falls between two probes.
			if target == 0 {
				target = last
			}
			if d >= target && time.Since(tried) >= watchCheckEvery {
				w.caughtUp()
				target, behindSince = 0, time.Time{}
				continue
			}
		}
		if d >= last {
			behindSince = time.Time{}
			w.mu.Lock()
			w.avoid = "" // whatever was lost is behind us
			w.mu.Unlock()
			continue
		}
		if behindSince.IsZero() || d != behindAt {
			behindSince, behindAt = time.Now(), d
			continue
		}
		// A check may come a little early: a quarter of the interval is
		// allowed for, so that a watch is stale at the second check a
		// second after it was first seen behind, not the third.
		stuck := time.Since(behindSince) + watchCheckEvery/4
		if stuck >= watchStaleAfter {
			w.setStale(fmt.Errorf("the watch of %s (%s) delivered nothing for %v: the stream is at %d, the watch at %d",
				w.name, w.kind, stuck.Round(100*time.Millisecond), last, d))
			if target == 0 {
				target = last
			}
		}
		if stuck >= watchStallAfter {
			remake(errors.New("stalled"))
		}
	}
}

// remake stops the consumer in use and starts another from the sequence
// after the last delivered, and reports whether it could.
func (w *supervised) remake(ctx context.Context, why error) bool {
	w.mu.Lock()
	if w.stopCons != nil {
		w.stopCons()
		w.stopCons = nil
	}
	gen := w.gen.Add(1)
	w.mu.Unlock()
	w.remade.Store(true)
	from := w.delivered.Load() + 1
	stop, err := w.open(ctx, w, gen, from)
	if err != nil {
		w.d.logger.Warn("a watch's consumer could not be made again; trying again", "watch", w.kind, "stream", w.name, "err", err)
		w.setStale(fmt.Errorf("the watch of %s (%s) is being made again: %w", w.name, w.kind, err))
		return false
	}
	w.mu.Lock()
	if w.gen.Load() != gen { // stopped meanwhile
		w.mu.Unlock()
		stop()
		return true
	}
	w.stopCons = stop
	w.mu.Unlock()
	w.d.recovered(w.kind)
	w.d.logger.Warn("a watch's consumer was made again", "watch", w.kind, "stream", w.name, "from", from, "why", why)
	return true
}

// consumeStream is the opener of a watch of every message of a stream,
// each handed to fn with its stream sequence: an ephemeral consumer of its
// own, in memory, that acknowledges nothing, with heartbeats every
// watchHeartbeat. A gap in its delivery sequence counts as its loss.
func consumeStream(fn func(msg jetstream.Msg, streamSeq uint64)) opener {
	return func(ctx context.Context, w *supervised, gen, from uint64) (func(), error) {
		ctx, cancel := context.WithTimeout(ctx, watchAskTimeout)
		defer cancel()
		cons, err := w.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
			OptStartSeq:       from,
			AckPolicy:         jetstream.AckNonePolicy,
			InactiveThreshold: watchInactive,
			Replicas:          1,
			MemoryStorage:     true,
		})
		if err != nil {
			return nil, err
		}
		info, host := cons.CachedInfo(), ""
		if info.Cluster != nil {
			host = info.Cluster.Leader
		}
		if !w.placed(gen, info.Name, host) {
			w.stream.DeleteConsumer(ctx, info.Name)
			return nil, fmt.Errorf("placed on %s, whose consumer was just lost", host)
		}
		var next uint64 = 1 // the delivery sequence expected; one goroutine delivers
		cc, err := cons.Consume(func(msg jetstream.Msg) {
			md, err := msg.Metadata()
			if err != nil {
				w.d.logger.Error("a watched message has no metadata", "stream", w.name, "err", err)
				return
			}
			if md.Sequence.Consumer != next {
				w.lost(gen, fmt.Errorf("delivery %d came where %d should have", md.Sequence.Consumer, next))
				return
			}
			next++
			w.handle(gen, md.Sequence.Stream, func() { fn(msg, md.Sequence.Stream) })
		}, jetstream.PullHeartbeat(watchHeartbeat), jetstream.PullExpiry(10*watchHeartbeat),
			jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { w.consumerError(gen, err) }))
		if err != nil {
			return nil, err
		}
		return cc.Stop, nil
	}
}

// watchBucket is the opener of a watch of every change of a key-value
// bucket, deletes too, each handed to fn (from one goroutine at a time).
func watchBucket(kv jetstream.KeyValue, fn func(jetstream.KeyValueEntry)) opener {
	return func(_ context.Context, w *supervised, gen, from uint64) (func(), error) {
		ctx, cancel := context.WithCancel(context.Background())
		kw, err := kv.WatchAll(ctx, jetstream.UpdatesOnly(), jetstream.ResumeFromRevision(from))
		if err != nil {
			cancel()
			return nil, err
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for e := range kw.Updates() {
				if e != nil {
					w.handle(gen, e.Revision(), func() { fn(e) })
				}
			}
		}()
		return func() {
			kw.Stop()
			cancel()
			select {
			case <-done:
			case <-time.After(watchAskTimeout):
			}
		}, nil
	}
}
