// Package push sends Web Push notifications (RFC 8030 delivery, RFC 8291
// aes128gcm encryption, RFC 8292 VAPID) from the chat server to the push
// services named in browsers' subscriptions. It keeps, behind one small
// key-value seam (Store), the server's VAPID key pair, each user's
// subscriptions (one per browser session) and each user's settings
// (levels per conversation, do-not-disturb, hidden text).
//
// Notifier decides which stored entries push to whom (decide.go); Sender
// sends them off the chat's path, with a bounded queue per push service,
// retries within the TTL and timeouts (sender.go). docs/push.md tells the
// rules.
package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors of a Store.
var (
	ErrNotFound = errors.New("push: record not found")
	ErrExists   = errors.New("push: record exists")
	ErrConflict = errors.New("push: record changed meanwhile")
)

// Store keeps push's records: values by key, each with a revision for
// compare-and-set. The backends are in server/store: one in memory, for
// one process and tests, and one on JetStream shared by every node. Its
// methods may be called concurrently.
type Store interface {
	// Get returns a value and its revision, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, uint64, error)
	// Create sets a value that must not exist yet, else ErrExists, and
	// returns its revision.
	Create(ctx context.Context, key string, value []byte) (uint64, error)
	// Update sets a value whose revision is still rev, else ErrConflict,
	// and returns its new revision.
	Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error)
	// Delete removes a value; removing a missing one is not an error.
	Delete(ctx context.Context, key string) error
}

// Keys are the server's VAPID key pair: the P-256 public key (uncompressed
// point) and private scalar, in unpadded base64url.
type Keys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// keysKey is where the VAPID keys are kept.
const keysKey = "vapid"

// LoadKeys returns the VAPID keys kept in st, making and keeping a pair
// first if there is none. Nodes starting at once agree: each creates only
// if absent, and whoever loses reads the winner's.
func LoadKeys(ctx context.Context, st Store) (Keys, error) {
	var k Keys
	for range 5 {
		b, _, err := st.Get(ctx, keysKey)
		if err == nil {
			if err := json.Unmarshal(b, &k); err != nil || k.Public == "" || k.Private == "" {
				return Keys{}, fmt.Errorf("push: the stored VAPID keys are unreadable: %v", err)
			}
			return k, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Keys{}, err
		}
		fresh, err := newKeys()
		if err != nil {
			return Keys{}, err
		}
		b, _ = json.Marshal(fresh)
		if _, err := st.Create(ctx, keysKey, b); err == nil {
			return fresh, nil
		} else if !errors.Is(err, ErrExists) {
			return Keys{}, err
		}
	}
	return Keys{}, errors.New("push: the VAPID keys exist but cannot be read")
}

// newKeys makes a VAPID key pair.
func newKeys() (Keys, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	enc := base64.RawURLEncoding.EncodeToString
	return Keys{Public: enc(priv.PublicKey().Bytes()), Private: enc(priv.Bytes())}, nil
}

// update reads the JSON record at key into a fresh T (the zero T when
// there is none), lets change alter it, and writes it back unless change
// says no, retrying when another writer came first.
func update[T any](ctx context.Context, st Store, key string, change func(*T) (bool, error)) (T, error) {
	for {
		var v T
		b, rev, err := st.Get(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			rev = 0
		case err != nil:
			return v, err
		default:
			if err := json.Unmarshal(b, &v); err != nil {
				return v, fmt.Errorf("push: record %s: %w", key, err)
			}
		}
		write, err := change(&v)
		if err != nil || !write {
			return v, err
		}
		nb, err := json.Marshal(v)
		if err != nil {
			return v, err
		}
		if rev == 0 {
			_, err = st.Create(ctx, key, nb)
		} else {
			_, err = st.Update(ctx, key, nb, rev)
		}
		if errors.Is(err, ErrExists) || errors.Is(err, ErrConflict) {
			continue
		}
		return v, err
	}
}

// read reads the JSON record at key, the zero T when there is none.
func read[T any](ctx context.Context, st Store, key string) (T, error) {
	var v T
	b, _, err := st.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("push: record %s: %w", key, err)
	}
	return v, nil
}
