package push

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
)

// Subscription is one browser session's push subscription.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
	// Group is the browser session (auth.Session.Group) it belongs to: it
	// ends with the session.
	Group   string `json:"group"`
	Browser string `json:"browser,omitempty"`
	Created int64  `json:"created"` // Unix ms
}

// subscriptions is the record of a user's subscriptions, one per group.
type subscriptions struct {
	Subs []Subscription `json:"subs"`
}

func subsKey(user string) string { return "subs." + user }

// CheckEndpoint refuses an endpoint the server should not post to: it must
// be an https URL, or, with loopbackHTTP (tests), an http URL of a
// loopback address.
func CheckEndpoint(endpoint string, loopbackHTTP bool) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil {
		return chat.Errorf(chat.CodeBadRequest, "the push endpoint is not a URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); loopbackHTTP && ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return chat.Errorf(chat.CodeBadRequest, "the push endpoint must be https")
}

// endpointKey is where the user an endpoint was last subscribed by is
// kept: a browser has one endpoint whoever is signed in on it.
func endpointKey(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return "endpoint." + hex.EncodeToString(sum[:16])
}

// Subscribe keeps s for user, replacing the subscription of the same
// session and any other with the same endpoint, this user's or another's:
// a browser where someone else signs in must not get their pushes.
func Subscribe(ctx context.Context, st Store, user string, s Subscription) error {
	if s.Created == 0 {
		s.Created = time.Now().UnixMilli()
	}
	var before string
	if _, err := update(ctx, st, endpointKey(s.Endpoint), func(owner *string) (bool, error) {
		before = *owner
		*owner = user
		return before != user, nil
	}); err != nil {
		return err
	}
	if before != "" && before != user {
		if _, err := Unsubscribe(ctx, st, before, func(o Subscription) bool { return o.Endpoint == s.Endpoint }); err != nil {
			return err
		}
	}
	_, err := update(ctx, st, subsKey(user), func(r *subscriptions) (bool, error) {
		r.Subs = slices.DeleteFunc(r.Subs, func(o Subscription) bool { return o.Group == s.Group || o.Endpoint == s.Endpoint })
		r.Subs = append(r.Subs, s)
		return true, nil
	})
	return err
}

// Unsubscribe removes the subscriptions of user that drop says go, and
// returns how many went.
func Unsubscribe(ctx context.Context, st Store, user string, drop func(Subscription) bool) (int, error) {
	n := 0
	_, err := update(ctx, st, subsKey(user), func(r *subscriptions) (bool, error) {
		before := len(r.Subs)
		r.Subs = slices.DeleteFunc(r.Subs, drop)
		n = before - len(r.Subs)
		return n > 0, nil
	})
	return n, err
}

// Subscriptions returns user's subscriptions, oldest first.
func Subscriptions(ctx context.Context, st Store, user string) ([]Subscription, error) {
	r, err := read[subscriptions](ctx, st, subsKey(user))
	return r.Subs, err
}

// ForGroups returns a drop function for Unsubscribe: the subscriptions of
// those groups.
func ForGroups(groups ...string) func(Subscription) bool {
	return func(s Subscription) bool { return slices.Contains(groups, s.Group) }
}

// Live returns a drop function for Unsubscribe: the subscriptions whose
// session is not among live.
func Live(live []string) func(Subscription) bool {
	return func(s Subscription) bool { return !slices.Contains(live, s.Group) }
}
