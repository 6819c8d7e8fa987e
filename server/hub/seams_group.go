package hub

import "context"

// Groups is the part of the Directory that changes a group conversation's
// record (group.go): its members and the first sequence each may see
// (ConvRecord.Since). Its methods may be called concurrently.
type Groups interface {
	// UpdateConv calls change with the stored record of conversation id
	// and stores what change made of it, unless change returns an error,
	// which UpdateConv returns. A record changed meanwhile by another
	// process is read again and change called again, so change must have
	// no other effect. A conversation that does not exist is ErrNotFound.
	UpdateConv(ctx context.Context, id string, change func(*ConvRecord) error) (ConvRecord, error)
}
