package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// consistentKV is a key-value bucket whose Get never reports a key missing
// that a write acknowledged before the Get made: a miss read from a
// replica (KV reads are direct gets that any replica answers, and a
// follower may lag the leader by a few writes) is asked again of the
// stream's leader. So a node reads what another node just wrote: the
// account behind a handover code, the record of a room created meanwhile
// on another node, the look a name holds. A hit is served as before, by
// whichever replica answers.
type consistentKV struct {
	jetstream.KeyValue
	conn   *nats.Conn
	prefix string // the JetStream API's subject prefix, ending in "."
}

// consistent wraps kv, kept in replicas copies, so that its misses are
// confirmed by the leader. A bucket of one copy is returned as it is: its
// one server answers every read, so a miss needs no second one.
func consistent(js jetstream.JetStream, kv jetstream.KeyValue, replicas int) jetstream.KeyValue {
	if replicas <= 1 {
		return kv
	}
	return &consistentKV{KeyValue: kv, conn: js.Conn(), prefix: apiPrefix(js)}
}

// apiPrefix is the subject prefix of js's API requests, ending in ".".
func apiPrefix(js jetstream.JetStream) string {
	prefix := js.Options().APIPrefix
	if prefix == "" {
		prefix = jetstream.DefaultAPIPrefix
	}
	if prefix[len(prefix)-1] != '.' {
		prefix += "."
	}
	return prefix
}

// Get returns the newest value of key, or jetstream.ErrKeyNotFound when
// the leader has none either.
func (c *consistentKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	e, err := c.KeyValue.Get(ctx, key)
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return e, err
	}
	return c.leaderGet(ctx, key)
}

// leaderGet reads key's last message with the stream's message-get API,
// which only the leader answers (unlike the direct get).
func (c *consistentKV) leaderGet(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	bucket := c.Bucket()
	req, err := json.Marshal(map[string]string{"last_by_subj": "$KV." + bucket + "." + key})
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, leaderGetPatience)
		defer cancel()
	}
	msg, err := c.conn.RequestWithContext(ctx, c.prefix+"STREAM.MSG.GET.KV_"+bucket, req)
	if err != nil {
		return nil, fmt.Errorf("jetstream: reading %s from the leader: %w", bucket, err)
	}
	var resp struct {
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
		Message *struct {
			Sequence uint64    `json:"seq"`
			Header   []byte    `json:"hdrs"`
			Data     []byte    `json:"data"`
			Time     time.Time `json:"time"`
		} `json:"message"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, fmt.Errorf("jetstream: the leader's answer for %s: %w", bucket, err)
	}
	if resp.Error != nil {
		if resp.Error.ErrCode == int(jetstream.JSErrCodeMessageNotFound) {
			return nil, jetstream.ErrKeyNotFound
		}
		return nil, fmt.Errorf("jetstream: reading %s from the leader: %s (%d)", bucket, resp.Error.Description, resp.Error.ErrCode)
	}
	if resp.Message == nil {
		return nil, jetstream.ErrInvalidJetStreamResponse
	}
	if len(resp.Message.Header) > 0 {
		h, err := nats.DecodeHeadersMsg(resp.Message.Header)
		if err != nil {
			return nil, fmt.Errorf("jetstream: the leader's answer for %s: %w", bucket, err)
		}
		switch h.Get(kvOperationHeader) {
		case "DEL", "PURGE":
			return nil, jetstream.ErrKeyNotFound
		}
	}
	return &leaderEntry{bucket: bucket, key: key, value: resp.Message.Data,
		revision: resp.Message.Sequence, created: resp.Message.Time}, nil
}

// kvOperationHeader marks a key-value message that deletes or purges its
// key (the KV protocol's header).
const kvOperationHeader = "KV-Operation"

// leaderGetPatience bounds a leader read made without a deadline.
const leaderGetPatience = 5 * time.Second

// leaderEntry is a jetstream.KeyValueEntry read from the leader.
type leaderEntry struct {
	bucket, key string
	value       []byte
	revision    uint64
	created     time.Time
}

func (e *leaderEntry) Bucket() string                  { return e.bucket }
func (e *leaderEntry) Key() string                     { return e.key }
func (e *leaderEntry) Value() []byte                   { return e.value }
func (e *leaderEntry) Revision() uint64                { return e.revision }
func (e *leaderEntry) Created() time.Time              { return e.created }
func (e *leaderEntry) Delta() uint64                   { return 0 }
func (e *leaderEntry) Operation() jetstream.KeyValueOp { return jetstream.KeyValuePut }

// createOrRead creates key with value unless the key exists, and returns
// the value the key holds and whether it was made here. Two nodes creating
// one key at once (the first joins of a new room) both get the one value:
// a create refused because another node's write of the key is still in
// flight finds nothing to read even at the leader for a moment, so it
// tries again, briefly, until the other write has landed or failed.
func createOrRead(ctx context.Context, kv jetstream.KeyValue, key string, value []byte) ([]byte, bool, error) {
	wait := createRetryFirst
	for attempt := 0; ; attempt++ {
		_, err := kv.Create(ctx, key, value)
		if err == nil {
			return value, true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, false, err
		}
		e, err := kv.Get(ctx, key)
		if err == nil {
			return e.Value(), false, nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, false, err
		}
		if attempt == createAttempts {
			return nil, false, fmt.Errorf("jetstream: %s in %s was neither made nor readable after %d tries", key, kv.Bucket(), attempt+1)
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, createRetryMost)
	}
}

// How createOrRead waits for another node's write in flight: from
// createRetryFirst, doubling up to createRetryMost, createAttempts times
// (about 3 s in all, beyond the NATS request timeouts' own).
const (
	createRetryFirst = 2 * time.Millisecond
	createRetryMost  = 250 * time.Millisecond
	createAttempts   = 18
)
