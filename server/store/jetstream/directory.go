package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

var _ hub.Directory = (*Directory)(nil)

// Buckets of the directory. Keys are tokens joined by ".".
const (
	convsBucket   = "convs"   // <conv> -> the conversation's record, JSON
	membersBucket = "members" // <user>.<conv> -> "1"
	cursorsBucket = "cursors" // <user>.<conv> -> read-up-to seq
	seenBucket    = "seen"    // <user> -> last online, Unix ms
	looksBucket   = "looks"   // <look> -> the conv whose name has that skeleton
)

// Directory is a hub.Directory in JetStream key-value buckets, shared by
// every process on the same NATS. It is safe for concurrent use.
type Directory struct {
	js                                   jetstream.JetStream
	replicas                             int           // copies of each bucket
	replies                              directReplies // latest.go
	watchdog                             *Watchdog
	convs, members, cursors, seen, looks jetstream.KeyValue
	rules, invitations, mutes            jetstream.KeyValue // moderation.go
}

// OpenDirectory creates or updates the buckets, with replicas copies each
// (at least 1), and returns a directory over them. Its watches are
// supervised by wd (watch.go); nil means a watchdog of its own.
func OpenDirectory(ctx context.Context, js jetstream.JetStream, replicas int, wd *Watchdog) (*Directory, error) {
	if wd == nil {
		wd = NewWatchdog(nil)
	}
	d := &Directory{js: js, watchdog: wd, replicas: max(replicas, 1)}
	for _, b := range []struct {
		kv                *jetstream.KeyValue
		name, description string
	}{
		{&d.convs, convsBucket, "conversations"},
		{&d.members, membersBucket, "who is in which conversation"},
		{&d.cursors, cursorsBucket, "read positions"},
		{&d.seen, seenBucket, "when users were last online"},
		{&d.looks, looksBucket, "which room holds each look of a name"},
	} {
		kv, err := openBucket(ctx, js, b.name, b.description, replicas)
		if err != nil {
			return nil, err
		}
		*b.kv = kv
	}
	if err := d.openModeration(ctx, js, replicas); err != nil {
		return nil, err
	}
	return d, nil
}

// convValue is a conversation's record as chat_convs stores it.
type convValue struct {
	ID      string            `json:"id"`
	Kind    chat.ConvKind     `json:"kind"`
	Name    string            `json:"name,omitempty"`
	Members []memberValue     `json:"members,omitempty"`
	Owner   *memberValue      `json:"owner,omitempty"` // rooms made since owners
	Since   map[string]uint64 `json:"since,omitempty"` // a group's later members' first sequence (group.go)
}

// memberValue is a member of a private conversation in a convValue.
type memberValue struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Bot  bool   `json:"bot,omitempty"`
}

func newConvValue(rec hub.ConvRecord) convValue {
	v := convValue{ID: rec.ID, Kind: rec.Kind, Name: rec.Name, Since: rec.Since}
	for _, m := range rec.Members {
		v.Members = append(v.Members, memberValue(m))
	}
	if rec.Owner.Key != "" {
		owner := memberValue(rec.Owner)
		v.Owner = &owner
	}
	return v
}

func (v convValue) record() hub.ConvRecord {
	rec := hub.ConvRecord{ID: v.ID, Kind: v.Kind, Name: v.Name, Since: v.Since}
	for _, m := range v.Members {
		rec.Members = append(rec.Members, hub.Member(m))
	}
	if v.Owner != nil {
		rec.Owner = hub.Member(*v.Owner)
	}
	return rec
}

func pairKey(user, conv string) string { return token(user) + "." + token(conv) }

func splitPair(key string) (user, conv string, ok bool) {
	a, b, found := strings.Cut(key, ".")
	if !found {
		return "", "", false
	}
	user, ok1 := untoken(a)
	conv, ok2 := untoken(b)
	return user, conv, ok1 && ok2
}

// HoldLook records that conversation id holds look unless another one does,
// and returns the holder.
func (d *Directory) HoldLook(ctx context.Context, look, id string) (string, error) {
	holder, _, err := createOrRead(ctx, d.looks, token(look), []byte(id))
	return string(holder), err
}

// CreateConv stores rec unless a conversation with its id exists, and
// returns the stored record.
func (d *Directory) CreateConv(ctx context.Context, rec hub.ConvRecord) (hub.ConvRecord, error) {
	data, err := json.Marshal(newConvValue(rec))
	if err != nil {
		return hub.ConvRecord{}, err
	}
	stored, created, err := createOrRead(ctx, d.convs, token(rec.ID), data)
	if err != nil || created {
		return rec, err
	}
	var v convValue
	if err := json.Unmarshal(stored, &v); err != nil {
		return hub.ConvRecord{}, fmt.Errorf("jetstream: record of %q: %w", rec.ID, err)
	}
	return v.record(), nil
}

// Conv returns the record of conversation id, or hub.ErrNotFound.
func (d *Directory) Conv(ctx context.Context, id string) (hub.ConvRecord, error) {
	e, err := d.convs.Get(ctx, token(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return hub.ConvRecord{}, hub.ErrNotFound
	}
	if err != nil {
		return hub.ConvRecord{}, err
	}
	var v convValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return hub.ConvRecord{}, fmt.Errorf("jetstream: record of %q: %w", id, err)
	}
	return v.record(), nil
}

// SetMember makes user a member of conv or not, and reports whether that
// changed anything.
func (d *Directory) SetMember(ctx context.Context, user, conv string, member bool) (bool, error) {
	key := pairKey(user, conv)
	if member {
		_, err := d.members.Create(ctx, key, []byte("1"))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil
		}
		return err == nil, err
	}
	e, err := d.members.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = d.members.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil // changed meanwhile by someone else
	}
	return err == nil, err
}

// Memberships lists the conversations user is in, sorted.
func (d *Directory) Memberships(ctx context.Context, user string) ([]string, error) {
	values, err := d.latest(ctx, d.members, token(user)+".*")
	if err != nil {
		return nil, err
	}
	list := make([]string, 0, len(values))
	for key := range values {
		if _, conv, ok := splitPair(key); ok {
			list = append(list, conv)
		}
	}
	sort.Strings(list)
	return list, nil
}

// RaiseCursor records that user read conv up to seq, if that is further
// than before, and reports whether it was.
func (d *Directory) RaiseCursor(ctx context.Context, user, conv string, seq uint64) (bool, error) {
	key := pairKey(user, conv)
	for attempt := 0; attempt < 4; attempt++ {
		e, err := d.cursors.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = d.cursors.Create(ctx, key, []byte(strconv.FormatUint(seq, 10)))
		case err != nil:
			return false, err
		default:
			old, _ := strconv.ParseUint(string(e.Value()), 10, 64)
			if seq <= old {
				return false, nil
			}
			_, err = d.cursors.Update(ctx, key, []byte(strconv.FormatUint(seq, 10)), e.Revision())
		}
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, err
		}
	}
	return false, errors.New("jetstream: read position kept changing")
}

// Cursors returns user's read positions by conversation.
func (d *Directory) Cursors(ctx context.Context, user string) (map[string]uint64, error) {
	values, err := d.latest(ctx, d.cursors, token(user)+".*")
	if err != nil {
		return nil, err
	}
	out := make(map[string]uint64, len(values))
	for key, v := range values {
		if _, conv, ok := splitPair(key); ok {
			out[conv], _ = strconv.ParseUint(string(v), 10, 64)
		}
	}
	return out, nil
}

// Cursor returns user's read position of conv, 0 if none: one get.
func (d *Directory) Cursor(ctx context.Context, user, conv string) (uint64, error) {
	e, err := d.cursors.Get(ctx, pairKey(user, conv))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(e.Value()), 10, 64)
}

// SetSeen records when user was last online (Unix ms).
func (d *Directory) SetSeen(ctx context.Context, user string, ms int64) error {
	_, err := d.seen.Put(ctx, token(user), []byte(strconv.FormatInt(ms, 10)))
	return err
}

// Seen returns when user was last online, 0 if never recorded.
func (d *Directory) Seen(ctx context.Context, user string) (int64, error) {
	e, err := d.seen.Get(ctx, token(user))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(e.Value()), 10, 64)
}

// WatchMemberships calls fn, from one goroutine, for every later
// membership change made by any process.
func (d *Directory) WatchMemberships(ctx context.Context, fn func(hub.MembershipChange)) (func(), error) {
	return d.watchPairs(ctx, "memberships", d.members, func(user, conv string, e jetstream.KeyValueEntry) {
		fn(hub.MembershipChange{User: user, Conv: conv, Member: e.Operation() == jetstream.KeyValuePut})
	}, false)
}

// watchPairs calls fn, from one goroutine, for every later change of a
// (user, conversation) key of kv, made by any process, but deletes when
// onlyPuts. The watch is supervised by the directory's watchdog as kind.
func (d *Directory) watchPairs(ctx context.Context, kind string, kv jetstream.KeyValue, fn func(user, conv string, e jetstream.KeyValueEntry), onlyPuts bool) (func(), error) {
	return d.watchKV(ctx, kind, kv, func(e jetstream.KeyValueEntry) {
		if onlyPuts && e.Operation() != jetstream.KeyValuePut {
			return
		}
		if user, conv, ok := splitPair(e.Key()); ok {
			fn(user, conv, e)
		}
	})
}

// watchKV calls fn, from one goroutine, for every later change of kv made
// by any process, supervised by the directory's watchdog as kind.
func (d *Directory) watchKV(ctx context.Context, kind string, kv jetstream.KeyValue, fn func(jetstream.KeyValueEntry)) (func(), error) {
	s, err := d.js.Stream(ctx, "KV_"+kv.Bucket())
	if err != nil {
		return nil, fmt.Errorf("jetstream: watching %s: %w", kv.Bucket(), err)
	}
	return d.watchdog.supervise(ctx, kind, s, watchBucket(kv, fn))
}

// WatchConvs calls fn, from one goroutine, with every conversation record
// any process stores or changes later.
func (d *Directory) WatchConvs(ctx context.Context, fn func(hub.ConvRecord)) (func(), error) {
	return d.watchKV(ctx, "convs", d.convs, func(e jetstream.KeyValueEntry) {
		var v convValue
		if e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &v) == nil {
			fn(v.record())
		}
	})
}

// WatchCursors calls fn, from one goroutine, for every read position any
// process raises later.
func (d *Directory) WatchCursors(ctx context.Context, fn func(hub.CursorChange)) (func(), error) {
	return d.watchPairs(ctx, "cursors", d.cursors, func(user, conv string, e jetstream.KeyValueEntry) {
		if seq, err := strconv.ParseUint(string(e.Value()), 10, 64); err == nil {
			fn(hub.CursorChange{User: user, Conv: conv, Seq: seq})
		}
	}, true)
}
