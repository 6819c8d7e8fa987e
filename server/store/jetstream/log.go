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
	"strings"
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
	// Private conversations made since retention was bounded live in
	// streams of their own (Log, "Where entries live").
	privateStreamPrefix  = "CHAT_PRIVATE_"
	privateSubjectPrefix = "chat.private."
	devicesBucket        = "devices"
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
	// MaxAge drops room entries older than this. Zero keeps them forever.
	MaxAge time.Duration
	// MaxBytes bounds each stream of room entries; the oldest entries go
	// first. Zero means no bound.
	MaxBytes int64
	// MaxPerConversation keeps at most this many entries per room. Zero
	// means no bound.
	MaxPerConversation int64
	// PrivateMaxBytes bounds each stream of private conversations. Nothing
	// private is ever dropped to make room: once a stream is full, new
	// private entries are refused with hub.ErrFull. Zero means no bound.
	PrivateMaxBytes int64
	// FillWarning is the share of a stream's byte bound past which the log
	// warns, at most once per WarnEvery per stream. Defaults to 0.8.
	FillWarning float64
	// WarnEvery defaults to 10 minutes.
	WarnEvery time.Duration
	// FillCheckEvery is how often an append looks at how full its stream
	// is. Defaults to a minute.
	FillCheckEvery time.Duration
	// DedupeWindow is how long JetStream itself remembers message ids, which
	// covers a crash between storing an entry and recording its device mark.
	// Defaults to 10 minutes.
	DedupeWindow time.Duration
	// MarkDelay is how long a device's changed record waits before it is
	// written, with whatever else the device sent meanwhile
	// (devices_later.go). It must stay far below DedupeWindow. Defaults to
	// 500 ms.
	MarkDelay time.Duration
	// TailCache is how many of the newest entries of each conversation are
	// kept in memory to answer history without reading the stream.
	// Defaults to 256.
	TailCache int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Watchdog supervises the log's watches (watch.go). Defaults to one
	// of the log's own, on Logger.
	Watchdog *Watchdog
}

// Log is a hub.Log in JetStream streams. It is safe for concurrent
// use, and several processes may share one: a conversation's next sequence
// is claimed with an expected-last-sequence check, retried on conflict.
//
// Where entries live: rooms in the streams CHAT_LOG_<n>, bounded by age,
// bytes and entries per room, the oldest dropped first; private
// conversations in CHAT_PRIVATE_<n>, bounded by bytes only and refusing new
// entries when full, so that a flood in rooms never costs anyone a private
// message they have not read. A private conversation that already had
// entries in CHAT_LOG_<n> (a data directory from before the private
// streams) stays there, so nothing of it is lost or split.
type Log struct {
	opts    LogOptions
	js      jetstream.JetStream
	streams []jetstream.Stream // rooms (and private conversations from before)
	private []jetstream.Stream // private conversations
	fill    []fillCheck        // per stream, streams then private
	devices jetstream.KeyValue
	now     func() time.Time
	// watching counts the watches that keep the newest sequences current;
	// without one, or while one is behind (fresh), Page reads the newest
	// entry from the stream each time.
	watching atomic.Int32

	mu    sync.Mutex
	convs map[string]*convLog
	marks map[deviceKey]*deviceState

	writers sync.WaitGroup // device records being written later (devices_later.go)
	closed  atomic.Bool    // Close was called: nothing more is written later
}

// convLog is what this process knows of one conversation.
type convLog struct {
	mu         sync.Mutex
	at         *place // where its entries live, once known
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
	if opts.MarkDelay <= 0 {
		opts.MarkDelay = defaultMarkDelay
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Watchdog == nil {
		opts.Watchdog = NewWatchdog(opts.Logger)
	}
	if opts.FillWarning <= 0 || opts.FillWarning > 1 {
		opts.FillWarning = 0.8
	}
	if opts.WarnEvery <= 0 {
		opts.WarnEvery = 10 * time.Minute
	}
	if opts.FillCheckEvery <= 0 {
		opts.FillCheckEvery = time.Minute
	}
	l := &Log{opts: opts, js: js, now: time.Now, convs: make(map[string]*convLog), marks: make(map[deviceKey]*deviceState)}
	for i := 0; i < opts.Shards; i++ {
		s, err := js.CreateOrUpdateStream(ctx, l.streamConfig(i))
		if err != nil {
			return nil, fmt.Errorf("jetstream: stream %s%d: %w%s", streamPrefix, i, err, reserveHint(err))
		}
		l.streams = append(l.streams, s)
		p, err := js.CreateOrUpdateStream(ctx, l.privateConfig(i))
		if err != nil {
			return nil, fmt.Errorf("jetstream: stream %s%d: %w%s", privateStreamPrefix, i, err, reserveHint(err))
		}
		l.private = append(l.private, p)
	}
	l.fill = make([]fillCheck, 2*opts.Shards)
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

// privateConfig is the stream of private conversations of a shard: no age
// or count limit, and full means refusing, never dropping.
func (l *Log) privateConfig(shard int) jetstream.StreamConfig {
	maxBytes := l.opts.PrivateMaxBytes
	if maxBytes <= 0 {
		maxBytes = -1
	}
	return jetstream.StreamConfig{
		Name:        privateStreamPrefix + strconv.Itoa(shard),
		Description: "chat: private conversation entries, one subject per conversation; refuses new ones when full",
		Subjects:    []string{privateSubjectPrefix + strconv.Itoa(shard) + ".*"},
		Storage:     jetstream.FileStorage,
		Replicas:    l.opts.Replicas,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    maxBytes,
		Duplicates:  l.opts.DedupeWindow,
		AllowDirect: true,
		DenyDelete:  true,
	}
}

// reserveHint explains a stream JetStream would not make for want of room.
func reserveHint(err error) string {
	if err != nil && strings.Contains(err.Error(), "insufficient") {
		return " (JetStream reserves each stream's byte bound on disk: lower -retain-bytes or -private-bytes, or free disk space)"
	}
	return ""
}

func (l *Log) shard(conv string) int {
	h := fnv.New32a()
	h.Write([]byte(conv))
	return int(h.Sum32() % uint32(len(l.streams)))
}

// place is where a conversation's entries live: a stream, the subject in
// it, and which fill check watches the stream.
type place struct {
	stream  jetstream.Stream
	subject string
	fill    int  // index in Log.fill
	private bool // a private stream: full refuses
}

// roomPlace is where conversation conv lives in the streams of rooms.
func (l *Log) roomPlace(conv string) *place {
	n := l.shard(conv)
	return &place{stream: l.streams[n], subject: subjectPrefix + strconv.Itoa(n) + "." + token(conv), fill: n}
}

// where returns where conversation conv lives: a private one in the
// private streams, unless it has entries from before them in the streams
// of rooms.
func (l *Log) where(ctx context.Context, conv string) (*place, error) {
	room := l.roomPlace(conv)
	kind := conv
	if parent, _, ok := chat.ThreadOf(conv); ok {
		kind = parent // a private conversation's threads are kept as it is (chat.ThreadOf)
	}
	if !strings.HasPrefix(kind, privateConvPrefix) {
		return room, nil
	}
	n := l.shard(conv)
	private := &place{stream: l.private[n], subject: privateSubjectPrefix + strconv.Itoa(n) + "." + token(conv), fill: len(l.streams) + n, private: true}
	_, err := private.stream.GetLastMsgForSubject(ctx, private.subject)
	if err == nil {
		return private, nil
	}
	if !errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("jetstream: finding %q: %w", conv, err)
	}
	_, err = room.stream.GetLastMsgForSubject(ctx, room.subject)
	switch {
	case err == nil:
		return room, nil // from before the private streams
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return private, nil
	default:
		return nil, fmt.Errorf("jetstream: finding %q: %w", conv, err)
	}
}

// fillCheck is when a stream's fill was last looked at and last warned of.
type fillCheck struct {
	mu              sync.Mutex
	checked, warned time.Time
}

// checkFill warns, at most every WarnEvery, when the stream of at holds more
// than FillWarning of its byte bound: rooms then start losing their oldest
// entries, private conversations will soon refuse new ones.
func (l *Log) checkFill(ctx context.Context, at *place) {
	fc := &l.fill[at.fill]
	now := l.now()
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if now.Sub(fc.checked) < l.opts.FillCheckEvery {
		return
	}
	fc.checked = now
	info, err := at.stream.Info(ctx)
	if err != nil {
		l.opts.Logger.Warn("could not see how full a log stream is", "err", err)
		return
	}
	bound := info.Config.MaxBytes
	if bound <= 0 || float64(info.State.Bytes) < l.opts.FillWarning*float64(bound) || now.Sub(fc.warned) < l.opts.WarnEvery {
		return
	}
	fc.warned = now
	then := "the oldest room entries are being dropped to make room (-retain-bytes)"
	if at.private {
		then = "new private messages will be refused when it is full (-private-bytes)"
	}
	l.opts.Logger.Warn("a log stream is filling up: "+then, "stream", info.Config.Name,
		"bytes", info.State.Bytes, "bound", bound, "full", fmt.Sprintf("%.0f%%", 100*float64(info.State.Bytes)/float64(bound)))
}

// privateConvPrefix starts the id of every private conversation (the hub's
// "p:<key>|<key>").
const privateConvPrefix = "p:"

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
	if c.at == nil {
		at, err := l.where(ctx, conv)
		if err != nil {
			return err
		}
		c.at = at
	}
	msg, err := c.at.stream.GetLastMsgForSubject(ctx, c.at.subject)
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
		l.recordDevice(dev, o, ack)
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
	// Every publish has a message id, so that trying it again is stored
	// once: the client's for a message, a random one for anything else.
	var id string
	if o != nil {
		id = token(o.User) + "." + o.ID.Device + "." + strconv.FormatUint(o.ID.N, 10)
	} else {
		id = strconv.FormatUint(rand.Uint64(), 36) + "." + strconv.FormatUint(rand.Uint64(), 36)
	}
	// The headers JetStream's publish options would set (the message id
	// and the subject's expected last sequence), set here: the options
	// cost five allocations per message (closures, their struct, the
	// list) for the same request.
	msg := &nats.Msg{Subject: c.at.subject, Data: data, Header: nats.Header{
		seqHeader:                           {strconv.FormatUint(e.Seq, 10)},
		jetstream.MsgIDHeader:               {id},
		jetstream.ExpectedLastSubjSeqHeader: {strconv.FormatUint(c.lastStream, 10)},
	}}
	pub, err := l.publishOnce(ctx, msg)
	if err != nil {
		if c.at.private && isStoreFailed(err) {
			return chat.Ack{}, false, fmt.Errorf("jetstream: %s: %w", c.at.stream.CachedInfo().Config.Name, hub.ErrFull)
		}
		return chat.Ack{}, false, err
	}
	l.checkFill(ctx, c.at)
	if pub.Duplicate {
		// Stored before, within the dedupe window: return that entry.
		orig, err := l.entryAt(ctx, c.at, pub.Sequence)
		if err != nil {
			return chat.Ack{}, false, err
		}
		return chat.Ack{Conv: orig.Conv, Seq: orig.Seq, Time: orig.Time}, true, nil
	}
	c.last, c.lastStream = e.Seq, pub.Sequence
	c.push(e, l.opts.TailCache)
	return chat.Ack{Conv: e.Conv, Seq: e.Seq, Time: e.Time}, false, nil
}

// publishTimeout bounds one wait for JetStream's ack of a publish. A
// publish sent while the connection to NATS was down and back may never
// hear its ack (seen in TestFaultNodeCutOffFromNATS: 30 s lost), so it is
// sent again, under the same message id, until ctx ends: the stream's
// dedupe window stores it once.
const publishTimeout = 3 * time.Second

// publishOnce publishes msg, again after each publishTimeout without an
// answer or while NATS is out of reach, until ctx ends.
func (l *Log) publishOnce(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	pause := 50 * time.Millisecond
	for {
		try, cancel := context.WithTimeout(ctx, publishTimeout)
		pub, err := l.js.PublishMsg(try, msg)
		cancel()
		if err == nil || ctx.Err() != nil || !unanswered(err) {
			return pub, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// unanswered reports whether a publish failed for want of an answer, not
// because JetStream refused it.
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrConnectionDraining)
}

// jsErrCodeStoreFailed is JetStream's answer to a message a stream could not
// store, such as one over the bound of a stream that refuses when full.
const jsErrCodeStoreFailed jetstream.ErrorCode = 10077

func isStoreFailed(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jsErrCodeStoreFailed
}

func isWrongLast(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// push adds e to the tail cache if it continues it; the cache holds keep
// to a quarter more of the newest entries. Callers hold c.mu.
func (c *convLog) push(e chat.Entry, keep int) {
	n := len(c.tail)
	switch {
	case n > 0 && e.Seq <= c.tail[n-1].Seq:
		return
	case n > 0 && e.Seq != c.tail[n-1].Seq+1:
		c.tail = c.tail[:0]
	}
	c.tail = append(c.tail, e)
	// Trimmed back to keep in chunks of a quarter, so that an append does
	// not copy the whole cache (a Slack import measured 170 kB copied
	// per message with 256 kept).
	if len(c.tail) > keep+keep/4 {
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

// Last returns the newest sequence of conv, 0 if it has no entries: the
// one kept while a watch keeps it current (fresh), else read again.
func (l *Log) Last(ctx context.Context, conv string) (uint64, error) {
	c := l.conv(conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !l.fresh() {
		c.loaded = false // another process may have appended
	}
	if err := l.load(ctx, c, conv); err != nil {
		return 0, err
	}
	return c.last, nil
}

// Page returns entries of q.Conv as chat.History describes.
func (l *Log) Page(ctx context.Context, q chat.History) (chat.Page, error) {
	c := l.conv(q.Conv)
	c.mu.Lock()
	if !l.fresh() {
		c.loaded = false // another process may have appended
	}
	err := l.load(ctx, c, q.Conv)
	last, lastStream, at := c.last, c.lastStream, c.at
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
	first, firstStream, err := l.firstEntry(ctx, at, q.Conv)
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
	p.Entries, err = l.read(ctx, at, q.Conv, lo, hi, firstStream, lastStream)
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
func (l *Log) firstEntry(ctx context.Context, at *place, conv string) (uint64, uint64, error) {
	msg, err := at.stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(at.subject))
	if err != nil {
		return 0, 0, fmt.Errorf("jetstream: first entry of %q: %w", conv, err)
	}
	seq, err := strconv.ParseUint(msg.Header.Get(seqHeader), 10, 64)
	return seq, msg.Sequence, err
}

// read returns entries lo..hi of conv from the stream: it finds lo by a
// binary search over stream sequences, then walks the conversation's subject.
func (l *Log) read(ctx context.Context, where *place, conv string, lo, hi, firstStream, lastStream uint64) ([]chat.Entry, error) {
	s, subj := where.stream, where.subject
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
func (l *Log) entryAt(ctx context.Context, at *place, streamSeq uint64) (chat.Entry, error) {
	msg, err := at.stream.GetMsg(ctx, streamSeq)
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
// Each stream's watch is supervised (watch.go): when it stops making
// progress it is made again from the entry after the last it delivered.
func (l *Log) Watch(ctx context.Context, fn func(chat.Entry)) (stop func(), err error) {
	var stops []func()
	stopAll := func() {
		for _, stop := range stops {
			stop()
		}
	}
	deliver := func(msg jetstream.Msg, streamSeq uint64) {
		var e chat.Entry
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			l.opts.Logger.Error("undecodable entry", "subject", msg.Subject(), "err", err)
			return
		}
		l.observe(e, streamSeq)
		fn(e)
	}
	for _, s := range append(append([]jetstream.Stream(nil), l.streams...), l.private...) {
		stop, err := l.opts.Watchdog.supervise(ctx, "log", s, consumeStream(deliver))
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, stop)
	}
	l.watching.Add(1)
	var once sync.Once
	return func() { once.Do(func() { l.watching.Add(-1); stopAll() }) }, nil
}

// fresh reports whether the newest sequences this process keeps are
// current: a watch keeps them so, and no watch of this log is behind.
func (l *Log) fresh() bool {
	return l.watching.Load() > 0 && l.opts.Watchdog.current("log")
}
