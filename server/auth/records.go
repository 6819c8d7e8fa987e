package auth

import (
	"context"
	"errors"
)

// Errors of Records.
var (
	ErrNotFound = errors.New("auth: record not found")
	ErrExists   = errors.New("auth: record exists")
	ErrConflict = errors.New("auth: record changed meanwhile")
)

// Records is where Accounts keep their data: buckets of values by key, each
// with a revision for compare-and-set. Accounts use AccountsBucket and
// SessionsBucket. The backends are in server/store: one in memory, for one
// process and tests, and a durable one shared by every process on the same
// NATS. Its methods may be called concurrently.
type Records interface {
	// Get returns a value and its revision, or ErrNotFound.
	Get(ctx context.Context, bucket, key string) ([]byte, uint64, error)
	// Put sets a value, whatever its revision.
	Put(ctx context.Context, bucket, key string, value []byte) error
	// Create sets a value that must not exist yet, else ErrExists, and
	// returns its revision.
	Create(ctx context.Context, bucket, key string, value []byte) (uint64, error)
	// Update sets a value whose revision is still rev, else ErrConflict,
	// and returns its new revision.
	Update(ctx context.Context, bucket, key string, value []byte, rev uint64) (uint64, error)
	// Delete removes a value; removing a missing one is not an error.
	Delete(ctx context.Context, bucket, key string) error
}

// FreshReader is what a Records may do besides: read a value as the last
// acknowledged write left it, never an older copy that a replica still
// holds. A revocation is checked so, so that the very next request on any
// node is refused. A Records without it reads fresh with Get (one copy).
type FreshReader interface {
	GetFresh(ctx context.Context, bucket, key string) ([]byte, uint64, error)
}
