package push

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// Directory is what the Notifier reads of the hub's directory to decide
// who may be told of an entry; a hub.Directory is one.
type Directory interface {
	Conv(ctx context.Context, id string) (hub.ConvRecord, error)
	Memberships(ctx context.Context, user string) ([]string, error)
	Rules(ctx context.Context, conv string) (hub.RoomRules, error)
	Mutes(ctx context.Context, user string) ([]hub.Member, error)
	Cursor(ctx context.Context, user, conv string) (uint64, error)
}

// NotifierOptions configure a Notifier. Zero values mean the defaults.
type NotifierOptions struct {
	// Store keeps subscriptions, settings and activity. Required.
	Store Store
	// Directory tells members, bans, mutes and read positions. Required.
	Directory Directory
	// FindUser returns the key of the user called name (a mention, the
	// author of a message replied to), or an error when there is none.
	// Required.
	FindUser func(ctx context.Context, name string) (string, error)
	// LiveGroups returns the browser sessions of user that have not ended:
	// a subscription of any other is removed, never pushed to. Required.
	LiveGroups func(ctx context.Context, user string) ([]string, error)
	// Send queues a push (Sender.Send). Required.
	Send func(Message) bool
	// TTL is how long a push service keeps a push for a device that is
	// offline. Defaults to 24 hours.
	TTL time.Duration
	// Queue bounds the entries waiting for a decision; more are dropped
	// (chat_push_held_total{reason="decide_queue_full"}). Defaults to 4096.
	Queue int
	// ReleaseEvery is how often the Notifier looks for users whose
	// do-not-disturb ended, to send them what it held (held.go).
	// Defaults to a minute.
	ReleaseEvery time.Duration
	// Metrics counts; nil counts nothing.
	Metrics *Metrics
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Notifier decides which entries push to whom (docs/push.md has the
// rules) and hands the pushes to a Sender. Stored takes the entries this
// node stored, and only those: each entry is decided once, by the node
// that appended it, so each device gets one push whichever nodes the
// people are on.
type Notifier struct {
	o      NotifierOptions
	shards []chan stored
	queued atomic.Int64
	wg     sync.WaitGroup
	ctx    context.Context
	stop   context.CancelFunc

	mu      sync.Mutex
	closed  bool
	written map[string]time.Time // when this node last wrote a user's activity
}

// stored is an entry waiting for its decision.
type stored struct {
	e      chat.Entry
	sender string
}

// decideShards is how many entries are decided at once; entries of one
// conversation and of its threads are decided in order, by one shard.
const decideShards = 4

// NewNotifier returns a Notifier; Close stops it.
func NewNotifier(o NotifierOptions) *Notifier {
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	if o.Queue <= 0 {
		o.Queue = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReleaseEvery <= 0 {
		o.ReleaseEvery = time.Minute
	}
	ctx, stop := context.WithCancel(context.Background())
	n := &Notifier{o: o, ctx: ctx, stop: stop, written: make(map[string]time.Time)}
	for range decideShards {
		ch := make(chan stored, o.Queue/decideShards+1)
		n.shards = append(n.shards, ch)
		n.wg.Go(func() {
			for s := range ch {
				n.queued.Add(-1)
				n.decide(s.e, s.sender)
			}
		})
	}
	n.wg.Go(n.releaseLoop)
	return n
}

// Stored takes an entry this node stored for the user key sender (a
// message, an edit, a reaction: only messages push). It never blocks.
func (n *Notifier) Stored(e chat.Entry, sender string) {
	if e.Kind != chat.EntryMessage {
		return
	}
	h := fnv.New32a()
	h.Write([]byte(parentOf(e.Conv))) // a thread in its conversation's shard, in order with it
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	select {
	case n.shards[h.Sum32()%decideShards] <- stored{e, sender}:
		n.queued.Add(1)
	default:
		n.o.Metrics.hold("decide_queue_full")
	}
}

// Queued returns how many entries wait for a decision.
func (n *Notifier) Queued() int { return int(n.queued.Load()) }

// Close stops deciding; entries waiting are dropped.
func (n *Notifier) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	for _, ch := range n.shards {
		close(ch)
	}
	n.mu.Unlock()
	n.stop()
	n.wg.Wait()
}

func activeKey(user string) string { return "active." + user }

// Active records that user is using a device now (a chat.Active frame):
// no push goes to them for chat.ActiveFor. A node writes it at most every
// half chat.ActiveEvery per user, so the record may be that much behind.
func (n *Notifier) Active(ctx context.Context, user string) error {
	now := time.Now()
	n.mu.Lock()
	if now.Sub(n.written[user]) < chat.ActiveEvery/2 {
		n.mu.Unlock()
		return nil
	}
	n.written[user] = now
	if len(n.written) > 10000 {
		for u, t := range n.written {
			if now.Sub(t) > chat.ActiveFor {
				delete(n.written, u)
			}
		}
	}
	n.mu.Unlock()
	_, err := update(ctx, n.o.Store, activeKey(user), func(ms *int64) (bool, error) {
		*ms = max(*ms, now.UnixMilli())
		return true, nil
	})
	return err
}

// ActiveAt reports whether user was active on some device within
// chat.ActiveFor before t.
func ActiveAt(ctx context.Context, st Store, user string, t time.Time) (bool, error) {
	ms, err := read[int64](ctx, st, activeKey(user))
	return t.Sub(time.UnixMilli(ms)) < chat.ActiveFor, err
}

// Why a person is told of an entry, strongest first.
type reason int

const (
	byAll reason = iota + 1
	byReply
	byMention
	byPrivate
)

// decideTimeout bounds the reads of one entry's decision.
const decideTimeout = 30 * time.Second

// decide pushes e to everyone it concerns, by the rules of docs/push.md.
func (n *Notifier) decide(e chat.Entry, sender string) {
	ctx, cancel := context.WithTimeout(n.ctx, decideTimeout)
	defer cancel()
	rec, err := n.o.Directory.Conv(ctx, parentOf(e.Conv))
	if err != nil {
		n.lookupFailed("the conversation", err)
		return
	}
	who := map[string]reason{}
	raise := func(key string, r reason) {
		if key != "" && key != sender && who[key] < r {
			who[key] = r
		}
	}
	if rec.Kind == chat.KindPrivate {
		for _, m := range rec.Members {
			raise(m.Key, byPrivate)
		}
	}
	for _, name := range chat.Mentioned(e.HTML) {
		if key, err := n.o.FindUser(ctx, name); err == nil {
			raise(key, byMention)
		}
	}
	if e.Reply != nil && !e.Reply.Deleted {
		if key, err := n.o.FindUser(ctx, html.UnescapeString(e.Reply.From)); err == nil {
			raise(key, byReply)
		}
	}
	if chat.IsThread(e.Conv) {
		// A reply in a thread reaches its followers as a reply to them.
		followers, err := FollowersOf(ctx, n.o.Store, e.Conv)
		if err != nil {
			n.lookupFailed("who follows the thread", err)
		}
		for _, key := range followers {
			raise(key, byReply)
		}
	}
	all, err := AllOf(ctx, n.o.Store, e.Conv)
	if err != nil {
		n.lookupFailed("who wants every message", err)
	}
	for _, key := range all {
		raise(key, byAll)
	}
	if len(who) == 0 {
		return
	}
	var rules hub.RoomRules
	if rec.Kind == chat.KindRoom {
		if rules, err = n.o.Directory.Rules(ctx, rec.ID); err != nil {
			n.lookupFailed("the room's rules", err)
			return
		}
	}
	for key, r := range who {
		if err := n.tell(ctx, e, rec, rules, sender, key, r); err != nil {
			n.lookupFailed("a recipient", err)
		}
	}
}

func (n *Notifier) lookupFailed(what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	n.o.Metrics.hold("lookup")
	n.o.Logger.Error("push: reading "+what+" failed; no push for it", "err", err)
}

// tell pushes e to every device of user key, told for reason r, unless a
// rule holds it.
func (n *Notifier) tell(ctx context.Context, e chat.Entry, rec hub.ConvRecord, rules hub.RoomRules, sender, key string, r reason) error {
	return n.tellAs(ctx, e, rec, rules, sender, key, r, false)
}

// tellAs is tell; held says e was held by do-not-disturb, which ended:
// it is pushed only if the user has not read it meanwhile, counting
// what is new since they read.
func (n *Notifier) tellAs(ctx context.Context, e chat.Entry, rec hub.ConvRecord, rules hub.RoomRules, sender, key string, r reason, held bool) error {
	if rec.Kind == chat.KindPrivate {
		if !slices.ContainsFunc(rec.Members, func(m hub.Member) bool { return m.Key == key }) {
			return nil
		}
	} else {
		convs, err := n.o.Directory.Memberships(ctx, key)
		if err != nil {
			return err
		}
		if _, in := slices.BinarySearch(convs, rec.ID); !in || rules.Banned(key) {
			return nil // not a member (never was, left, removed): nothing of the room reaches them
		}
	}
	mutes, err := n.o.Directory.Mutes(ctx, key)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(mutes, func(m hub.Member) bool { return m.Key == sender }) {
		n.o.Metrics.hold("muted")
		return nil
	}
	settings, err := Settings(ctx, n.o.Store, key)
	if err != nil {
		return err
	}
	switch settings.Level(e.Conv) {
	case chat.PushNothing:
		n.o.Metrics.hold("level")
		return nil
	case chat.PushMentions:
		if r == byAll {
			n.o.Metrics.hold("level")
			return nil
		}
	}
	now := time.Now()
	loc, err := time.LoadLocation(settings.Quiet.Zone)
	if err != nil {
		loc = time.UTC
	}
	if settings.Quiet.QuietAt(now, loc) {
		n.o.Metrics.hold("quiet")
		if subs, err := Subscriptions(ctx, n.o.Store, key); err != nil || len(subs) == 0 {
			return err // no device to tell later either
		}
		return n.hold(ctx, e, sender, key, r) // sent when do-not-disturb ends (held.go)
	}
	if active, err := ActiveAt(ctx, n.o.Store, key, now); err != nil {
		return err
	} else if active {
		n.o.Metrics.hold("active")
		return nil
	}
	subs, err := Subscriptions(ctx, n.o.Store, key)
	if err != nil || len(subs) == 0 {
		return err
	}
	live, err := n.o.LiveGroups(ctx, key)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(subs, Live(live)) {
		// A session ended (signed out, expired, ended elsewhere): its
		// subscription goes with it.
		if _, err := Unsubscribe(ctx, n.o.Store, key, Live(live)); err != nil {
			return err
		}
		subs = slices.DeleteFunc(subs, Live(live))
	}
	if len(subs) == 0 {
		return nil
	}
	read, err := n.o.Directory.Cursor(ctx, key, e.Conv)
	if err != nil {
		return err
	}
	if held && read >= e.Seq {
		return nil // read meanwhile
	}
	count := 1
	if e.Seq > read {
		count = int(e.Seq - read)
	}
	payload, err := Payload(e, rec, key, count, settings.HideText)
	if err != nil {
		return err
	}
	for _, s := range subs {
		n.o.Send(Message{User: key, Sub: s, Payload: payload, Urgent: r != byAll, TTL: n.o.TTL, Topic: topic(e.Conv)})
	}
	return nil
}

// encodePush returns the JSON of p, HTML characters as they are (the
// default escapes would make a push of markup grow by a third).
func encodePush(p chat.Push) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// topic names conv's pushes to a push service (the Topic header: a newer
// push replaces one of the same topic it still holds): at most 32
// base64url characters, and not the conversation's id in clear.
func topic(conv string) string {
	sum := sha256.Sum256([]byte("chat push topic " + conv))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// parentOf returns the conversation whose members may read conv: a
// thread's parent (chat.ThreadOf), or conv itself.
func parentOf(conv string) string {
	if parent, _, ok := chat.ThreadOf(conv); ok {
		return parent
	}
	return conv
}

// Payload returns the JSON of the chat.Push that tells the user key of
// entry e of conversation rec, count entries of it unread: at most
// chat.MaxPushBytes, the entry left out when it does not fit and the
// text cut until it does. With hide, neither the text nor the entry goes.
func Payload(e chat.Entry, rec hub.ConvRecord, key string, count int, hide bool) ([]byte, error) {
	from := html.UnescapeString(e.From)
	p := chat.Push{Conv: e.Conv, Seq: e.Seq, Tag: chat.PushTag(e.Conv), Count: count, Kind: rec.Kind}
	if chat.IsGroup(rec.ID) { // titled by the group, as a room
		p.Title = groupTitle(rec, key)
		p.Name = html.EscapeString(p.Title)
	} else if rec.Kind == chat.KindPrivate {
		p.Title, p.Name = from, e.From
		for _, m := range rec.Members {
			if m.Key != key {
				p.Name = html.EscapeString(m.Name)
			}
		}
	} else {
		p.Title, p.Name = rec.Name, html.EscapeString(rec.Name)
	}
	more := ""
	if count > 1 {
		more = fmt.Sprintf(" (+%d more)", count-1)
	}
	text := strings.Join(strings.Fields(chat.PlainText(e.HTML)), " ") // one line on a lock screen
	if text == "" && len(e.Files) > 0 {
		text = fmt.Sprintf("%d file(s)", len(e.Files))
	}
	if hide {
		p.Body = "New message from " + from + more
	} else {
		entry := e
		p.Entry = &entry
	}
	if hide {
		return encodePush(p)
	}
	p.Body = from + ": " + text + more
	if b, err := encodePush(p); err != nil || len(b) <= chat.MaxPushBytes {
		return b, err
	}
	p.Entry = nil // the client fetches it when opened
	if b, err := encodePush(p); err != nil || len(b) <= chat.MaxPushBytes {
		return b, err
	}
	// The longest start of the text that fits, cut at a character.
	runes := []rune(text)
	lo, hi := 0, len(runes) // runes[:lo] fits (lo 0: "…" alone)
	var best []byte
	for lo <= hi {
		mid := (lo + hi) / 2
		p.Body = from + ": " + strings.TrimSpace(string(runes[:mid])) + "…" + more
		b, err := encodePush(p)
		if err != nil {
			return nil, err
		}
		if len(b) <= chat.MaxPushBytes {
			best, lo = b, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return nil, fmt.Errorf("push: no push of entry %d of %s fits in %d bytes", e.Seq, e.Conv, chat.MaxPushBytes)
	}
	return best, nil
}
