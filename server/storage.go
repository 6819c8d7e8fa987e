package server

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/audit"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/cluster"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/memory"
)

// Storage is where the server keeps what lasts: the conversation log, the
// directory of conversations and memberships, and the accounts. It wires
// the backends of server/store into the seams of the hub and auth: memory
// ones (MemoryStorage) or JetStream ones (OpenStorage).
type Storage struct {
	Log       hub.Log
	Directory hub.Directory
	Accounts  *auth.Accounts
	// Files keeps attachments: their bytes and records. Nil means the
	// server takes none.
	Files hub.Files
	// Presence shares who is online with the other nodes on the same NATS,
	// and Sessions which browser sessions ended; both nil in memory (one
	// process).
	Presence hub.Presence
	Sessions SessionEnds
	// Typing carries typing signals between the nodes; nil in memory
	// (one process: the hub relays them itself).
	Typing hub.Typing
	// Notices carries notices for one user between the nodes; nil in
	// memory (one process).
	Notices hub.Notices
	// Hooks tells the other nodes that a room's outgoing hooks changed;
	// nil in memory (one process).
	Hooks HookChanges
	// Rates makes the rate limits every node shares (SharedRate): name's
	// limit acts per window. Nil in memory: one process limits alone.
	Rates func(name string, limit int, window time.Duration) SharedRate
	// Push keeps Web Push's keys, subscriptions and settings (package
	// push). Nil means no push.
	Push push.Store
	// Check reports whether the storage answers, for /readyz; its error
	// says what is wrong. Nil means it always does (memory).
	Check func(context.Context) error
	// Watches reports on the storage's watches of its streams (the log's,
	// the directory's): the node is not ready while one is not current,
	// and chat_watch_recoveries_total counts how often each kind was made
	// again. Nil means there are none to watch over (memory).
	Watches WatchHealth
	// Audit is the admin console's audit log (package audit).
	Audit audit.Log
	// Nodes asks every node of the cluster how it is, for the admin
	// console; nil in memory (one process: the node answers itself).
	Nodes *cluster.Nodes
	// Usage reports the sizes of what the storage keeps, for the admin
	// console; nil in memory.
	Usage func(context.Context) ([]StoreUsage, error)
	// Close writes what the storage keeps to write later (the log's device
	// records), before the connection to NATS closes. Nil means nothing
	// waits (memory).
	Close func(context.Context) error
}

// WatchHealth is what a storage tells of its watches: why one is not
// current (nil when all are), and how many times each kind of watch was
// made again after it stopped making progress.
type WatchHealth interface {
	Err() error
	Recoveries() map[string]uint64
}

// SessionEnds carries the ends of browser sessions between nodes, so that
// a sign-out or a password change closes the connections on every node.
type SessionEnds interface {
	Publish(ctx context.Context, e cluster.Ended) error
	Watch(ctx context.Context, fn func(cluster.Ended)) (stop func(), err error)
}

// HookChanges carries the rooms whose outgoing hooks changed between
// nodes, so that each reads them again at once (outgoing.go).
type HookChanges interface {
	Publish(ctx context.Context, c cluster.HooksChanged) error
	Watch(ctx context.Context, fn func(cluster.HooksChanged)) (stop func(), err error)
}

// MemoryStorage keeps everything in the process: for tests and tools.
func MemoryStorage() *Storage {
	return &Storage{
		Log:       memory.NewLog(),
		Directory: memory.NewDirectory(),
		Accounts:  auth.NewAccounts(memory.NewRecords()),
		Files:     memory.NewFiles(),
		Push:      memory.NewPushRecords(),
		Audit:     audit.NewMemory(),
	}
}

// StoreUsage is the size of one store of the durable storage: a stream,
// a key-value bucket or an object store.
type StoreUsage struct {
	Kind     string `json:"kind"` // "stream", "kv" or "objects"
	Name     string `json:"name"`
	Messages uint64 `json:"messages"`
	Bytes    uint64 `json:"bytes"`
	Replicas int    `json:"replicas"`
}

// jetStreamUsage lists the streams of js, the buckets and object stores
// by their own names.
func jetStreamUsage(js natsjs.JetStream) func(context.Context) ([]StoreUsage, error) {
	return func(ctx context.Context) ([]StoreUsage, error) {
		var out []StoreUsage
		list := js.ListStreams(ctx)
		for info := range list.Info() {
			u := StoreUsage{Kind: "stream", Name: info.Config.Name, Messages: info.State.Msgs, Bytes: info.State.Bytes, Replicas: info.Config.Replicas}
			if name, ok := strings.CutPrefix(u.Name, "KV_"); ok {
				u.Kind, u.Name = "kv", name
			} else if name, ok := strings.CutPrefix(u.Name, "OBJ_"); ok {
				u.Kind, u.Name = "objects", name
			}
			out = append(out, u)
		}
		if err := list.Err(); err != nil {
			return nil, err
		}
		slices.SortFunc(out, func(a, b StoreUsage) int { return strings.Compare(a.Kind+"/"+a.Name, b.Kind+"/"+b.Name) })
		return out, nil
	}
}

// StorageOptions tune the durable storage; docs/storage.md explains each.
// Retention is finite by default: rooms keep their newest entries within a
// count per room and a byte bound per stream, the oldest dropped first;
// private conversations are never dropped from, and refuse new messages
// when their streams are full.
type StorageOptions struct {
	// Shards spreads conversations over this many streams. Defaults to 1.
	Shards int
	// MaxAge drops room entries older than this. Zero keeps them.
	MaxAge time.Duration
	// MaxBytes bounds each stream of room entries, oldest dropped first.
	// Defaults to DefaultRetainBytes; negative means no bound.
	MaxBytes int64
	// MaxPerConversation keeps at most this many entries per room.
	// Defaults to DefaultRetainPerConversation; negative means no bound.
	MaxPerConversation int64
	// PrivateMaxBytes bounds each stream of private conversations, which
	// refuses new messages when full rather than lose unread ones.
	// Defaults to DefaultPrivateBytes; negative means no bound.
	PrivateMaxBytes int64
	// Logger gets the warnings of streams filling up. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// The default retention (StorageOptions). JetStream reserves each stream's
// byte bound on its disk, so one shard needs 6 GiB free by default.
const (
	DefaultRetainBytes           = 4 << 30
	DefaultRetainPerConversation = 100_000
	DefaultPrivateBytes          = 2 << 30
)

// bound turns an option into a stream limit: zero the default, negative
// none.
func bound(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// OpenStorage makes the durable storage on the JetStream of b: streams for
// the log, key-value buckets for the rest, all with b.Replicas copies.
func OpenStorage(ctx context.Context, b *bus.Bus, o StorageOptions) (*Storage, error) {
	wd := jetstream.NewWatchdog(o.Logger)
	log, err := jetstream.OpenLog(ctx, b.JetStream, jetstream.LogOptions{
		Watchdog:           wd,
		Shards:             o.Shards,
		Replicas:           b.Replicas,
		MaxAge:             o.MaxAge,
		MaxBytes:           bound(o.MaxBytes, DefaultRetainBytes),
		MaxPerConversation: bound(o.MaxPerConversation, DefaultRetainPerConversation),
		PrivateMaxBytes:    bound(o.PrivateMaxBytes, DefaultPrivateBytes),
		Logger:             o.Logger,
	})
	if err != nil {
		return nil, err
	}
	dir, err := jetstream.OpenDirectory(ctx, b.JetStream, b.Replicas, wd)
	if err != nil {
		return nil, err
	}
	rec, err := jetstream.OpenRecords(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	files, err := jetstream.OpenFiles(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	pushRecords, err := jetstream.OpenPushRecords(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	auditLog, err := audit.OpenStream(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	return &Storage{Log: log, Directory: dir, Accounts: auth.NewAccounts(rec), Files: files, Check: b.Check, Watches: wd, Push: pushRecords,
		Presence: cluster.NewPresence(b.Conn), Sessions: cluster.NewSessions(b.Conn), Typing: cluster.NewTyping(b.Conn),
		Notices: cluster.NewNotices(b.Conn), Hooks: cluster.NewHooks(b.Conn), Close: log.Close, Audit: auditLog, Nodes: cluster.NewNodes(b.Conn),
		Usage: jetStreamUsage(b.JetStream),
		Rates: func(name string, limit int, window time.Duration) SharedRate {
			return jetstream.NewRateWindow(b.JetStream, b.Replicas, name, limit, window)
		}}, nil
}
