// Package jetstream keeps the hub's Log and Directory, and the accounts'
// Records, in NATS JetStream: durable, and shared by every process on the
// same NATS. It is the only package that knows JetStream; server/bus makes
// the connection (an embedded server or an external cluster) and passes
// its jetstream.JetStream in. Each type implements its seam and is safe for
// concurrent use, also by several processes at once:
//
//   - Log (OpenLog): conversation entries in streams, one subject per
//     conversation, and the per-device marks that make a retried message
//     land once (devices.go).
//   - Directory (OpenDirectory): conversations, memberships, read
//     positions and last-seen times in key-value buckets.
//   - Records (OpenRecords): the accounts' buckets, for auth.Accounts.
//   - Files (OpenFiles): attachments, their bytes in the object store
//     (files.go).
//
// Every Open creates or updates what it needs with the same bucket setup
// (openBucket), so opening is idempotent and a newer binary updates the
// configuration of an older one's streams and buckets.
//
// The layout (docs/storage.md explains it):
//
//   - stream CHAT_LOG_<n>, subjects chat.log.<n>.<conv>: one subject per
//     conversation, one message per entry, the entry's JSON as data and its
//     conversation sequence in the Chat-Seq header. n = hash(conv) mod Shards.
//   - bucket chat_devices, key <user>.<device>: a device's high-water mark
//     and its latest acks.
//   - buckets chat_convs, chat_members, chat_cursors, chat_seen: the
//     directory (directory.go).
//   - buckets chat_accounts, chat_sessions: the accounts' records.
//   - object store chat_files, objects sha256-<hex>: the bytes of
//     attachments, once per content; buckets chat_file_records (by file
//     id) and chat_file_usage (<user>: bytes).
//
// <conv>, <user> and <device> are base64url (token), so any name is a valid
// subject token or key.
package jetstream

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// bucketPrefix begins the name of every bucket of the chat.
const bucketPrefix = "chat_"

// openBucket creates or updates the key-value bucket chat_<name>, kept in
// files with replicas copies and one revision per key. With several
// copies its Get confirms a miss with the leader (consistentKV), so a key
// written on another node is never reported missing.
func openBucket(ctx context.Context, js jetstream.JetStream, name, description string, replicas int) (jetstream.KeyValue, error) {
	return openAgedBucket(ctx, js, name, description, replicas, 0)
}

// openAgedBucket is openBucket for a bucket whose values go by themselves
// maxAge after they were written (never when 0).
func openAgedBucket(ctx context.Context, js jetstream.JetStream, name, description string, replicas int, maxAge time.Duration) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucketPrefix + name,
		Description: "chat: " + description,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
		History:     1,
		TTL:         maxAge,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: bucket %s%s: %w", bucketPrefix, name, err)
	}
	return consistent(js, kv, replicas), nil
}

// token makes any string a valid NATS subject token or KV key part.
func token(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// untoken reverses token.
func untoken(t string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return string(b), err == nil
}
