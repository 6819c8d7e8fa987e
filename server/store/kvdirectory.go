package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Buckets of the KV directory. Keys are base64url tokens joined by ".".
const (
	convsBucket   = "chat_convs"   // <conv> -> ConvRecord JSON
	membersBucket = "chat_members" // <user>.<conv> -> "1"
	cursorsBucket = "chat_cursors" // <user>.<conv> -> read-up-to seq
	seenBucket    = "chat_seen"    // <user> -> last online, Unix ms
)

// KVDirectory keeps the directory in JetStream key-value buckets, shared by
// every process on the same NATS.
type KVDirectory struct {
	convs, members, cursors, seen jetstream.KeyValue
}

// OpenKVDirectory creates or updates the buckets.
func OpenKVDirectory(ctx context.Context, js jetstream.JetStream, replicas int) (*KVDirectory, error) {
	if replicas <= 0 {
		replicas = 1
	}
	open := func(name, what string) (jetstream.KeyValue, error) {
		kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: name, Description: "chat: " + what, Storage: jetstream.FileStorage, Replicas: replicas, History: 1,
		})
		if err != nil {
			return nil, fmt.Errorf("store: bucket %s: %w", name, err)
		}
		return kv, nil
	}
	d := &KVDirectory{}
	var err error
	if d.convs, err = open(convsBucket, "conversations"); err != nil {
		return nil, err
	}
	if d.members, err = open(membersBucket, "who is in which conversation"); err != nil {
		return nil, err
	}
	if d.cursors, err = open(cursorsBucket, "read positions"); err != nil {
		return nil, err
	}
	if d.seen, err = open(seenBucket, "when users were last online"); err != nil {
		return nil, err
	}
	return d, nil
}

func pairKey(user, conv string) string { return token(user) + "." + token(conv) }

func splitPair(key string) (user, conv string, ok bool) {
	a, b, found := strings.Cut(key, ".")
	if !found {
		return "", "", false
	}
	u, err1 := base64.RawURLEncoding.DecodeString(a)
	c, err2 := base64.RawURLEncoding.DecodeString(b)
	return string(u), string(c), err1 == nil && err2 == nil
}

// CreateConv stores rec unless a conversation with its id exists, and
// returns the stored record.
func (d *KVDirectory) CreateConv(ctx context.Context, rec ConvRecord) (ConvRecord, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return ConvRecord{}, err
	}
	_, err = d.convs.Create(ctx, token(rec.ID), data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return d.Conv(ctx, rec.ID)
	}
	return rec, err
}

// Conv returns the record of conversation id, or ErrNotFound.
func (d *KVDirectory) Conv(ctx context.Context, id string) (ConvRecord, error) {
	e, err := d.convs.Get(ctx, token(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return ConvRecord{}, ErrNotFound
	}
	if err != nil {
		return ConvRecord{}, err
	}
	var rec ConvRecord
	err = json.Unmarshal(e.Value(), &rec)
	return rec, err
}

// SetMember makes user a member of conv or not, and reports whether that
// changed anything.
func (d *KVDirectory) SetMember(ctx context.Context, user, conv string, member bool) (bool, error) {
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
func (d *KVDirectory) Memberships(ctx context.Context, user string) ([]string, error) {
	values, err := latest(ctx, d.members, token(user)+".*")
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
func (d *KVDirectory) RaiseCursor(ctx context.Context, user, conv string, seq uint64) (bool, error) {
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
	return false, errors.New("store: read position kept changing")
}

// Cursors returns user's read positions by conversation.
func (d *KVDirectory) Cursors(ctx context.Context, user string) (map[string]uint64, error) {
	values, err := latest(ctx, d.cursors, token(user)+".*")
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

// SetSeen records when user was last online (Unix ms).
func (d *KVDirectory) SetSeen(ctx context.Context, user string, ms int64) error {
	_, err := d.seen.Put(ctx, token(user), []byte(strconv.FormatInt(ms, 10)))
	return err
}

// Seen returns when user was last online, 0 if never recorded.
func (d *KVDirectory) Seen(ctx context.Context, user string) (int64, error) {
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
func (d *KVDirectory) WatchMemberships(ctx context.Context, fn func(MembershipChange)) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	w, err := d.members.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		for e := range w.Updates() {
			if e == nil {
				continue
			}
			user, conv, ok := splitPair(e.Key())
			if !ok {
				continue
			}
			fn(MembershipChange{User: user, Conv: conv, Member: e.Operation() == jetstream.KeyValuePut})
		}
	}()
	return func() { w.Stop(); cancel() }, nil
}

// latest returns the current value of every key of kv matching filter.
func latest(ctx context.Context, kv jetstream.KeyValue, filter string) (map[string][]byte, error) {
	w, err := kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	out := make(map[string][]byte)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return out, nil
			}
			if e == nil { // every current value has been delivered
				return out, nil
			}
			out[e.Key()] = e.Value()
		}
	}
}
