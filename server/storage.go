package server

import (
	"context"
	"time"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/hub"
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
}

// MemoryStorage keeps everything in the process: for tests and tools.
func MemoryStorage() *Storage {
	return &Storage{
		Log:       memory.NewLog(),
		Directory: memory.NewDirectory(),
		Accounts:  auth.NewAccounts(memory.NewRecords()),
	}
}

// StorageOptions tune the durable storage; docs/storage.md explains each.
type StorageOptions struct {
	// Shards spreads conversations over this many streams. Defaults to 1.
	Shards int
	// MaxAge drops entries older than this. Zero keeps them.
	MaxAge time.Duration
	// MaxBytes bounds each stream of entries. Zero means no bound.
	MaxBytes int64
	// MaxPerConversation keeps at most this many entries per conversation.
	MaxPerConversation int64
}

// OpenStorage makes the durable storage on the JetStream of b: streams for
// the log, key-value buckets for the rest, all with b.Replicas copies.
func OpenStorage(ctx context.Context, b *bus.Bus, o StorageOptions) (*Storage, error) {
	log, err := jetstream.OpenLog(ctx, b.JetStream, jetstream.LogOptions{
		Shards:             o.Shards,
		Replicas:           b.Replicas,
		MaxAge:             o.MaxAge,
		MaxBytes:           o.MaxBytes,
		MaxPerConversation: o.MaxPerConversation,
	})
	if err != nil {
		return nil, err
	}
	dir, err := jetstream.OpenDirectory(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	rec, err := jetstream.OpenRecords(ctx, b.JetStream, b.Replicas)
	if err != nil {
		return nil, err
	}
	return &Storage{Log: log, Directory: dir, Accounts: auth.NewAccounts(rec)}, nil
}
