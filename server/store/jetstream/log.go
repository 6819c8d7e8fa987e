package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

var _ hub.Log = (*Log)(nil)

// Names in the log's layout (jetstream.go).
const (
	seqHeader     = "Chat-Seq"
	streamPrefix  = "CHAT_LOG_"
	subjectPrefix = "chat.log."
	devicesBucket = "devices"
	// maxAppendAttempts bounds the retries when other processes keep
	// appending to the same conversation.
	maxAppendAttempts = 32
)

// LogOptions configure a Log. Zero values mean the defaults.
type LogOptions struct {
	// Shards spreads conversations over this many streams, by a stable hash
	// of the conversation id: a stream's leader is its write bottleneck.
	// Defaults to 1. Changing it later leaves old entries where they are:
	// choose it when the data directory is new.
	Shards int
	// Replicas is how many copies each stream keeps. Defaults to 1.
	Replicas int
	// MaxAge drops entries older than this. Zero keeps them forever.
	MaxAge time.Duration
	// MaxBytes bounds each stream; the oldest entries go first. Zero means
	// no bound.
	MaxBytes int64
	// MaxPerConversation keeps at most this many entries per conversation.
	// Zero means no bound.
	MaxPerConversation int64
	// DedupeWindow is how long JetStream itself remembers message ids, which
	// covers a crash between storing an entry and recording its device mark.
	// Defaults to 10 minutes.
	DedupeWindow time.Duration
	// TailCache is how many of the newest entries of each conversation are
	// kept in memory to answer history without reading the stream.
	// Defaults to 256.
	TailCache int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Log is a hub.Log in JetStream streams. It is safe for concurrent
// use, and several processes may share one: a conversation's next sequence
// is claimed with an expected-last-sequence check, retried on conflict.
type Log struct {
	opts    LogOptions
	js      jetstream.JetStream
	streams []jetstream.Stream
	devices jetstream.KeyValue
	now     func() time.Time
	// watching is set while Watch keeps the newest sequences current;
	// without it Page reads the newest entry from the stream each time.
	watching atomic.Bool

	mu    sync.Mutex
	convs map[string]*convLog
	marks map[deviceKey]*deviceState
}

// convLog is what this process knows of one conversation.
type convLog struct {
	mu         sync.Mutex
	loaded     bool
	last       uint64       // newest conversation sequence
	lastStream uint64       // its stream sequence
	tail       []chat.Entry // newest entries, consecutive, ending at last (or empty)
}

// OpenLog creates or updates the streams and the devices bucket and returns
// a log over them.
func OpenLog(ctx context.Context, js jetstream.JetStream, opts LogOptions) (*Log, error) {
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.DedupeWindow <= 0 {
		opts.DedupeWindow = 10 * time.Minute
	}
	if opts.TailCache <= 0 {
		opts.TailCache = 256
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Log{opts: opts, js: js, now: time.Now, convs: make(map[string]*convLog), marks: make(map[deviceKey]*deviceState)}
	for i := 0; i < opts.Shards; i++ {
		s, err := js.CreateOrUpdateStream(ctx, l.streamConfig(i))
		if err != nil {
			return nil, fmt.Errorf("jetstream: stream %s%d: %w", streamPrefix, i, err)
		}
		l.streams = append(l.streams, s)
	}
	kv, err := openBucket(ctx, js, devicesBucket, "per-device high-water marks of message ids", opts.Replicas)
	if err != nil {
		return nil, err
	}
	l.devices = kv
	return l, nil
}

func (l *Log) streamConfig(shard int) jetstream.StreamConfig {
	maxBytes, maxPer := l.opts.MaxBytes, l.opts.MaxPerConversation
	if maxBytes <= 0 {
		maxBytes = -1
	}
	if maxPer <= 0 {
		maxPer = -1
	}
	return jetstream.StreamConfig{
		Name:              streamPrefix + strconv.Itoa(shard),
		Description:       "chat: conversation entries, one subject per conversation",
		Subjects:          []string{subjectPrefix + strconv.Itoa(shard) + ".*"},
		Storage:           jetstream.FileStorage,
		Replicas:          l.opts.Replicas,
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		MaxAge:            l.opts.MaxAge,
		MaxBytes:          maxBytes,
		MaxMsgsPerSubject: maxPer,
		Duplicates:        l.opts.DedupeWindow,
		AllowDirect:       true,
		DenyDelete:        true,
	}
}

func (l *Log) shard(conv string) int {
	h := fnv.New32a()
	h.Write([]byte(conv))
	return int(h.Sum32() % uint32(len(l.streams)))
}

func (l *Log) subject(conv string) string {
	return subjectPrefix + strconv.Itoa(l.shard(conv)) + "." + token(conv)
}

func (l *Log) stream(conv string) jetstream.Stream { return l.streams[l.shard(conv)] }

func (l *Log) conv(id string) *convLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.convs[id]
	if c == nil {
		c = &convLog{}
		l.convs[id] = c
	}
	return c
}

// load reads the newest entry of a conversation from the stream. Callers
// hold c.mu.
func (l *Log) load(ctx context.Context, c *convLog, conv string) error {
	if c.loaded {
		return nil
	}
	msg, err := l.stream(conv).GetLastMsgForSubject(ctx, l.subject(conv))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		c.last, c.lastStream = 0, 0
	case err != nil:
		return fmt.Errorf("jetstream: last entry of %q: %w", conv, err)
	default:
		seq, err := strconv.ParseUint(msg.Header.Get(seqHeader), 10, 64)
		if err != nil {
			return fmt.Errorf("jetstream: entry %d of %q has no %s", msg.Sequence, conv, seqHeader)
		}
		if seq != c.last {
			c.tail = nil
		}
		c.last, c.lastStream = seq, msg.Sequence
	}
	c.loaded = true
	return nil
}

// Append stores e as the next entry of e.Conv.
func (l *Log) Append(ctx context.Context, e chat.Entry) (chat.Entry, error) {
	ack, _, err := l.append(ctx, e, nil)
	if err != nil {
		return chat.Entry{}, err
	}
	e.Seq, e.Time = ack.Seq, ack.Time
	return e, nil
}

// AppendMessage stores a message a client sent, once per origin: a retry
// returns the first ack and dup true.
func (l *Log) AppendMessage(ctx context.Context, e chat.Entry, o hub.Origin) (chat.Ack, bool, error) {
	return l.append(ctx, e, &o)
}

func (l *Log) append(ctx context.Context, e chat.Entry, o *hub.Origin) (chat.Ack, bool, error) {
	var dev *deviceState
	if o != nil {
		dev = l.device(o)
		dev.mu.Lock()
		defer dev.mu.Unlock()
		if ack, dup, err := l.checkDevice(ctx, dev, o); err != nil || dup {
			return ack, dup, err
		}
	}
	c := l.conv(e.Conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	var ack chat.Ack
	var dup bool
	var err error
	for attempt := 0; attempt < maxAppendAttempts; attempt++ {
		if err = l.load(ctx, c, e.Conv); err != nil {
			return chat.Ack{}, false, err
		}
		ack, dup, err = l.publish(ctx, c, e, o)
		if !isWrongLast(err) {
			break
		}
		// Another process appended: read the newest again, after a random
		// pause so that two writers do not keep colliding.
		c.loaded = false
		time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 4))))
	}
	if err != nil {
		return chat.Ack{}, false, err
	}
	if o != nil {
		ack.ID = o.ID
		if err := l.recordDevice(ctx, dev, o, ack); err != nil {
			l.opts.Logger.Warn("device mark not recorded", "user", o.User, "device", o.ID.Device, "err", err)
		}
	}
	return ack, dup, nil
}

// publish writes e as entry c.last+1. Callers hold c.mu.
func (l *Log) publish(ctx context.Context, c *convLog, e chat.Entry, o *hub.Origin) (chat.Ack, bool, error) {
	e.Seq = c.last + 1
	e.Time = l.now().UnixMilli()
	data, err := json.Marshal(e)
	if err != nil {
		return chat.Ack{}, false, err
	}
	msg := &nats.Msg{Subject: l.subject(e.Conv), Data: data, Header: nats.Header{}}
	msg.Header.Set(seqHeader, strconv.FormatUint(e.Seq, 10))
	opts := []jetstream.PublishOpt{jetstream.WithExpectLastSequencePerSubject(c.lastStream)}
	if o != nil {
		opts = append(opts, jetstream.WithMsgID(token(o.User)+"."+o.ID.Device+"."+strconv.FormatUint(o.ID.N, 10)))
	}
	pub, err := l.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return chat.Ack{}, false, err
	}
	if pub.Duplicate {
		// Stored before, within the dedupe window: return that entry.
		orig, err := l.entryAt(ctx, e.Conv, pub.Sequence)
		if err != nil {
			return chat.Ack{}, false, err
		}
		return chat.Ack{Conv: orig.Conv, Seq: orig.Seq, Time: orig.Time}, true, nil
	}
	c.last, c.lastStream = e.Seq, pub.Sequence
	c.push(e, l.opts.TailCache)
	return chat.Ack{Conv: e.Conv, Seq: e.Seq, Time: e.Time}, false, nil
}

func isWrongLast(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// push adds e to the tail cache if it continues it. Callers hold c.mu.
func (c *convLog) push(e chat.Entry, keep int) {
	n := len(c.tail)
	switch {
	case n > 0 && e.Seq <= c.tail[n-1].Seq:
		return
	case n > 0 && e.Seq != c.tail[n-1].Seq+1:
		c.tail = c.tail[:0]
	}
	c.tail = append(c.tail, e)
	if len(c.tail) > keep {
		c.tail = append(c.tail[:0:0], c.tail[len(c.tail)-keep:]...)
	}
}

// observe records an entry seen on the stream (appended by any process), so
// the newest sequence and the tail cache stay current.
func (l *Log) observe(e chat.Entry, streamSeq uint64) {
	c := l.conv(e.Conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded || e.Seq < c.last {
		return
	}
	if e.Seq > c.last {
		c.last, c.lastStream = e.Seq, streamSeq
	}
	c.push(e, l.opts.TailCache)
}

// Last returns the newest sequence of conv, 0 if it has no entries.
func (l *Log) Last(ctx context.Context, conv string) (uint64, error) {
	c := l.conv(conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := l.load(ctx, c, conv); err != nil {
		return 0, err
	}
	return c.last, nil
}

// Page returns entries of q.Conv as chat.History describes.
func (l *Log) Page(ctx context.Context, q chat.History) (chat.Page, error) {
	c := l.conv(q.Conv)
	c.mu.Lock()
	if !l.watching.Load() {
		c.loaded = false // another process may have appended
	}
	err := l.load(ctx, c, q.Conv)
	last, lastStream := c.last, c.lastStream
	tail := append([]chat.Entry(nil), c.tail...)
	c.mu.Unlock()
	if err != nil {
		return chat.Page{}, err
	}
	p := chat.Page{Conv: q.Conv, First: 1, Last: last}
	if last == 0 {
		if q.Before == 1 {
			return p, hub.ErrBeforeStart
		}
		return p, checkFuture(q, 0)
	}
	first, firstStream, err := l.firstEntry(ctx, q.Conv)
	if err != nil {
		return p, err
	}
	p.First = first
	if err := checkFuture(q, last); err != nil {
		return p, err
	}
	if q.Before > 0 && q.Before <= first {
		return p, hub.ErrBeforeStart
	}
	lo, hi := pageRange(q, first, last)
	if lo > hi {
		return p, nil
	}
	if n := len(tail); n > 0 && tail[0].Seq <= lo && tail[n-1].Seq >= hi {
		p.Entries = append([]chat.Entry(nil), tail[lo-tail[0].Seq:hi-tail[0].Seq+1]...)
		return p, nil
	}
	p.Entries, err = l.read(ctx, q.Conv, lo, hi, firstStream, lastStream)
	return p, err
}

func checkFuture(q chat.History, last uint64) error {
	if q.After > last || q.Before > last+1 {
		return hub.ErrFuture
	}
	return nil
}

// pageRange returns the sequences a page holds, lo > hi when none.
func pageRange(q chat.History, first, last uint64) (lo, hi uint64) {
	limit := uint64(q.Limit)
	if limit == 0 {
		limit = chat.DefaultHistoryLimit
	}
	switch {
	case q.After > 0:
		lo = max(q.After+1, first)
		return lo, min(lo+limit-1, last)
	case q.Before > 0:
		hi = q.Before - 1
	default:
		hi = last
	}
	if hi+1 > first+limit {
		lo = hi + 1 - limit
	} else {
		lo = first
	}
	return lo, hi
}

// firstEntry returns the conversation and stream sequences of the oldest
// entry of conv still held.
func (l *Log) firstEntry(ctx context.Context, conv string) (uint64, uint64, error) {
	msg, err := l.stream(conv).GetMsg(ctx, 1, jetstream.WithGetMsgSubject(l.subject(conv)))
	if err != nil {
		return 0, 0, fmt.Errorf("jetstream: first entry of %q: %w", conv, err)
	}
	seq, err := strconv.ParseUint(msg.Header.Get(seqHeader), 10, 64)
	return seq, msg.Sequence, err
}

// read returns entries lo..hi of conv from the stream: it finds lo by a
// binary search over stream sequences, then walks the conversation's subject.
func (l *Log) read(ctx context.Context, conv string, lo, hi, firstStream, lastStream uint64) ([]chat.Entry, error) {
	s, subj := l.stream(conv), l.subject(conv)
	at, err := l.locate(ctx, s, subj, lo, firstStream, lastStream)
	if err != nil {
		return nil, err
	}
	out := make([]chat.Entry, 0, hi-lo+1)
	for want := lo; want <= hi; want++ {
		msg, err := s.GetMsg(ctx, at, jetstream.WithGetMsgSubject(subj))
		if err != nil {
			return out, fmt.Errorf("jetstream: entry %d of %q: %w", want, conv, err)
		}
		var e chat.Entry
		if err := json.Unmarshal(msg.Data, &e); err != nil {
			return out, fmt.Errorf("jetstream: entry at %d: %w", msg.Sequence, err)
		}
		if e.Seq != want {
			return out, fmt.Errorf("jetstream: %q has entry %d where %d should be", conv, e.Seq, want)
		}
		out = append(out, e)
		at = msg.Sequence + 1
	}
	return out, nil
}

// locate returns the stream sequence of entry seq of the subject.
func (l *Log) locate(ctx context.Context, s jetstream.Stream, subj string, seq, low, high uint64) (uint64, error) {
	for low < high {
		mid := low + (high-low)/2
		msg, err := s.GetMsg(ctx, mid, jetstream.WithGetMsgSubject(subj))
		if err != nil {
			return 0, fmt.Errorf("jetstream: locating entry %d: %w", seq, err)
		}
		got, err := strconv.ParseUint(msg.Header.Get(seqHeader), 10, 64)
		if err != nil {
			return 0, err
		}
		switch {
		case got == seq:
			return msg.Sequence, nil
		case got < seq:
			low = msg.Sequence + 1
		default:
			high = mid
		}
	}
	return low, nil
}

// entryAt reads the entry stored at a stream sequence.
func (l *Log) entryAt(ctx context.Context, conv string, streamSeq uint64) (chat.Entry, error) {
	msg, err := l.stream(conv).GetMsg(ctx, streamSeq)
	if err != nil {
		return chat.Entry{}, err
	}
	var e chat.Entry
	err = json.Unmarshal(msg.Data, &e)
	return e, err
}

// Watch calls fn with every entry appended from now on, by any process, in
// order within each conversation (conversations on different shards may be
// delivered concurrently). It returns when the watch is set up; stop ends it.
func (l *Log) Watch(ctx context.Context, fn func(chat.Entry)) (stop func(), err error) {
	var ccs []jetstream.ConsumeContext
	stopAll := func() {
		for _, cc := range ccs {
			cc.Stop()
		}
	}
	for _, s := range l.streams {
		cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
		if err != nil {
			stopAll()
			return nil, fmt.Errorf("jetstream: watching %s: %w", s.CachedInfo().Config.Name, err)
		}
		cc, err := cons.Consume(func(msg jetstream.Msg) {
			var e chat.Entry
			if err := json.Unmarshal(msg.Data(), &e); err != nil {
				l.opts.Logger.Error("undecodable entry", "subject", msg.Subject(), "err", err)
				return
			}
			if md, err := msg.Metadata(); err == nil {
				l.observe(e, md.Sequence.Stream)
			}
			fn(e)
		})
		if err != nil {
			stopAll()
			return nil, err
		}
		ccs = append(ccs, cc)
	}
	l.watching.Store(true)
	return func() { l.watching.Store(false); stopAll() }, nil
}
