package auth

import (
	"context"
	"errors"
	"time"

	"github.com/founding/chat/app/chat"
)

// Idempotency keys of any form (a UUID, a sender's delivery id): the
// message id the server gave the first request that brought a key is kept
// for the key, so that a retry bringing it again is stored under the same
// id and so stored once, by the log's once-only path.

// DeliveriesBucket holds, per token or webhook and key (the SHA-256 of
// both, hex), the message id given to the key's first request.
const DeliveriesBucket = "deliveries"

// DeliveriesAge is how long a key is remembered: a retry later than that
// is a new request.
const DeliveriesAge = 24 * time.Hour

// MaxKeyBytes bounds an idempotency key.
const MaxKeyBytes = 255

// KeyedID returns the message id of the key a request of owner (a token's
// or a webhook's id) brought: the one given to the key's first request, or
// else fresh (from fresh, called at most once), now remembered for the
// key. Two requests with one key at once get the same id.
func (a *Accounts) KeyedID(ctx context.Context, owner, key string, fresh func() (chat.MsgID, error)) (chat.MsgID, error) {
	if len(key) > MaxKeyBytes {
		return chat.MsgID{}, chat.Errorf(chat.CodeBadRequest, "an idempotency key of at most %d bytes", MaxKeyBytes)
	}
	k := sessionKey(owner + "\x00" + key)
	var id chat.MsgID
	if _, err := a.getFresh(ctx, DeliveriesBucket, k, &id); err == nil {
		return id, nil
	} else if !errors.Is(err, ErrNotFound) {
		return id, err
	}
	id, err := fresh()
	if err != nil {
		return id, err
	}
	if err := a.create(ctx, DeliveriesBucket, k, id); errors.Is(err, ErrExists) {
		// Another request with the key came first: its id is the one.
		_, err := a.getFresh(ctx, DeliveriesBucket, k, &id)
		return id, err
	} else if err != nil {
		return id, err
	}
	return id, nil
}
