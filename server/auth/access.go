package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// Personal access tokens (the HTTP API, docs/api.md): a person or a bot
// makes a token with a name and scopes, sees it once, and sends it as
// "Authorization: Bearer <token>". Like a session token, only its SHA-256
// is stored, under which it is looked up. A plain hash is enough here, and
// a slow salted one would gain nothing: the token is 32 random bytes, so
// nobody can find one from its hash by guessing, however fast the hash;
// and a fast unsalted hash is what lets a request find its record by key
// in one read, on any node.

// Scopes of a personal access token.
const (
	ScopeRead  = "read"  // read conversations, history, search, who is online
	ScopeWrite = "write" // post, edit, delete, react; make bots and webhooks
	ScopeFiles = "files" // upload files
	ScopeAdmin = "admin" // the admin API (/api/admin/), for an admin's token only
)

// Scopes lists every scope a token may have.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeFiles, ScopeAdmin}

// AccessTokenPrefix starts every personal access token, so that a secret
// scanner (and a person) can tell one in a log or a commit.
const AccessTokenPrefix = "chat_"

// Buckets of Records for access tokens and webhooks.
const (
	AccessTokensBucket     = "access_tokens"      // SHA-256 of a token, hex -> accessRecord
	UserAccessTokensBucket = "user_access_tokens" // user key -> the user's tokens (accessIndex)
	WebhooksBucket         = "webhooks"           // SHA-256 of a webhook's secret, hex -> Webhook
	ConvWebhooksBucket     = "conv_webhooks"      // conversation id, hex -> its webhooks (webhookIndex)
)

// Errors of access tokens.
var (
	ErrNoToken = errors.New("auth: no such token")
)

// MaxAccessTokens bounds the tokens one user may hold.
const MaxAccessTokens = 50

// MaxTokenNameRunes bounds a token's (or a webhook's) name.
const MaxTokenNameRunes = 64

// AccessToken describes a personal access token, never its secret.
type AccessToken struct {
	ID      string   `json:"id"`
	User    string   `json:"-"` // the key of the user it acts as
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Created int64    `json:"created"`        // Unix ms
	Used    int64    `json:"used,omitempty"` // last use, Unix ms, written at most every accessUseEvery
}

// Has reports whether the token has scope.
func (t AccessToken) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// accessRecord is what AccessTokensBucket holds per token.
type accessRecord struct {
	AccessToken
	UserKey string `json:"user"`
	Sent    uint64 `json:"sent,omitempty"` // message ids the server made for it (NextID)
}

// describe is the token the record is of.
func (r accessRecord) describe() AccessToken {
	r.User = r.UserKey
	return r.AccessToken
}

func (r *accessRecord) sent() *uint64 { return &r.Sent }

// accessIndex is what UserAccessTokensBucket holds per user: the hashes of
// their tokens, to list and revoke them.
type accessIndex struct {
	Tokens []accessRef `json:"tokens"`
}

// accessRef names a token (or a webhook) in an index: its id, and the
// hash its record is kept under.
type accessRef struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
}

// takeRef removes the ref of id from refs and returns it; an unknown id
// is ErrNoToken.
func takeRef(refs *[]accessRef, id string) (accessRef, error) {
	i := slices.IndexFunc(*refs, func(r accessRef) bool { return r.ID == id })
	if i < 0 {
		return accessRef{}, ErrNoToken
	}
	ref := (*refs)[i]
	*refs = slices.Delete(*refs, i, i+1)
	return ref, nil
}

// newID returns the id of a new token, webhook or outgoing hook: 6 random
// bytes, hex.
func newID() string {
	id := make([]byte, 6)
	rand.Read(id)
	return hex.EncodeToString(id)
}

// describeRefs reads the record R of each of refs in bucket, leaving out
// those gone, and returns what they describe, in the order of refs.
func describeRefs[D any, R interface{ describe() D }](ctx context.Context, a *Accounts, bucket string, refs []accessRef) ([]D, error) {
	list := make([]D, 0, len(refs))
	for _, ref := range refs {
		var rec R
		if _, err := a.get(ctx, bucket, ref.Hash, &rec); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		list = append(list, rec.describe())
	}
	return list, nil
}

// countSent adds one to the count of message ids the server made for the
// record R at bucket/key (a token's or a webhook's), read fresh, and
// returns the record as it was stored and the count.
func countSent[R any, P interface {
	*R
	sent() *uint64
}](ctx context.Context, a *Accounts, bucket, key string) (R, uint64, error) {
	var rec R
	n, err := a.count(ctx, bucket, key, func(data []byte) ([]byte, uint64, error) {
		rec = *new(R)
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, 0, err
		}
		n := P(&rec).sent()
		*n++
		out, err := json.Marshal(rec)
		return out, *n, err
	})
	return rec, n, err
}

// accessUseEvery is how often a token's last use is written.
const accessUseEvery = time.Minute

// CleanScopes checks scopes and returns them in the order of Scopes.
func CleanScopes(scopes []string) ([]string, error) {
	var out []string
	for _, s := range Scopes {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	for _, s := range scopes {
		if !slices.Contains(Scopes, s) {
			return nil, chat.Errorf(chat.CodeBadRequest, "unknown scope %.20q: use read, write, files and admin", s)
		}
	}
	if len(out) == 0 {
		return nil, chat.Errorf(chat.CodeMissingField, "a token needs at least one scope: read, write or files")
	}
	return out, nil
}

// cleanLabel checks the name of a token or a webhook.
func cleanLabel(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", chat.Errorf(chat.CodeMissingField, "give it a name that says what it is for")
	case len([]rune(name)) > MaxTokenNameRunes:
		return "", chat.Errorf(chat.CodeTextTooLong, "a name of at most %d characters", MaxTokenNameRunes)
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", chat.Errorf(chat.CodeBadText, "no control characters in a name")
	}
	return name, nil
}

// CreateAccessToken makes a token for the user key, named name with
// scopes, and returns it (the only time it is seen) with its description.
func (a *Accounts) CreateAccessToken(ctx context.Context, user, name string, scopes []string) (string, AccessToken, error) {
	name, err := cleanLabel(name)
	if err != nil {
		return "", AccessToken{}, err
	}
	if scopes, err = CleanScopes(scopes); err != nil {
		return "", AccessToken{}, err
	}
	if _, _, err := a.account(ctx, user); err != nil {
		return "", AccessToken{}, err
	}
	raw := AccessTokenPrefix + NewToken()
	t := AccessToken{ID: newID(), User: user, Name: name, Scopes: scopes, Created: a.now().UnixMilli()}
	hash := sessionKey(raw)
	// The index first: a token in no index could never be revoked.
	err = updateAs(ctx, a, UserAccessTokensBucket, user, func(idx *accessIndex) error {
		if len(idx.Tokens) >= MaxAccessTokens {
			return chat.Errorf(chat.CodeBadRequest, "you have %d tokens, the most one may hold; revoke one first", MaxAccessTokens)
		}
		idx.Tokens = append(idx.Tokens, accessRef{ID: t.ID, Hash: hash})
		return nil
	})
	if err != nil {
		return "", AccessToken{}, err
	}
	if err := a.create(ctx, AccessTokensBucket, hash, accessRecord{AccessToken: t, UserKey: user}); err != nil {
		return "", AccessToken{}, err
	}
	return raw, t, nil
}

// AccessTokens lists the tokens of the user key, the newest first.
func (a *Accounts) AccessTokens(ctx context.Context, user string) ([]AccessToken, error) {
	var idx accessIndex
	if _, err := a.get(ctx, UserAccessTokensBucket, user, &idx); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	list, err := describeRefs[AccessToken, accessRecord](ctx, a, AccessTokensBucket, idx.Tokens)
	slices.Reverse(list)
	return list, err
}

// RevokeAccessToken ends the token id of the user key: from then on it
// is refused on every node, which reads the record at each request.
func (a *Accounts) RevokeAccessToken(ctx context.Context, user, id string) error {
	var ref accessRef
	err := updateAs(ctx, a, UserAccessTokensBucket, user, func(idx *accessIndex) (err error) {
		ref, err = takeRef(&idx.Tokens, id)
		return err
	})
	if err != nil {
		return err
	}
	return a.rec.Delete(ctx, AccessTokensBucket, ref.Hash)
}

// RevokeAccessTokens ends every token of the user key and returns their
// ids.
func (a *Accounts) RevokeAccessTokens(ctx context.Context, user string) ([]string, error) {
	var gone []accessRef
	err := updateAs(ctx, a, UserAccessTokensBucket, user, func(idx *accessIndex) error {
		gone, idx.Tokens = idx.Tokens, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(gone))
	for _, ref := range gone {
		if err := a.rec.Delete(ctx, AccessTokensBucket, ref.Hash); err != nil {
			return ids, err
		}
		ids = append(ids, ref.ID)
	}
	return ids, nil
}

// CheckAccessToken returns the token raw and the user it acts as, or
// ErrNoToken (also for a token whose user is gone: a released name). Its
// last use is written now and then.
func (a *Accounts) CheckAccessToken(ctx context.Context, raw string) (AccessToken, User, error) {
	if !strings.HasPrefix(raw, AccessTokenPrefix) || !ValidToken(strings.TrimPrefix(raw, AccessTokenPrefix)) {
		return AccessToken{}, User{}, ErrNoToken
	}
	hash := sessionKey(raw)
	var rec accessRecord
	// Read fresh: a token revoked on another node is refused at once.
	rev, err := a.getFresh(ctx, AccessTokensBucket, hash, &rec)
	if errors.Is(err, ErrNotFound) {
		return AccessToken{}, User{}, ErrNoToken
	}
	if err != nil {
		return AccessToken{}, User{}, err
	}
	u, acc, err := a.account(ctx, rec.UserKey)
	if errors.Is(err, ErrNoUser) || (err == nil && acc.Disabled) {
		return AccessToken{}, User{}, ErrNoToken // gone, or disabled by an admin
	}
	if err != nil {
		return AccessToken{}, User{}, err
	}
	now := a.now().UnixMilli()
	if now-rec.Used >= accessUseEvery.Milliseconds() {
		rec.Used = now
		if data, err := json.Marshal(rec); err == nil {
			// Another request may have written it meanwhile: that one counts.
			if _, err := a.rec.Update(ctx, AccessTokensBucket, hash, data, rev); err != nil && !errors.Is(err, ErrConflict) {
				return AccessToken{}, User{}, err
			}
		}
	}
	return rec.describe(), u, nil
}

// NextID returns a fresh message id for a request of the token id of the
// user key that brought none (its own counter, kept with the token, on a
// device of its own), so that what it posts takes the same once-only path
// as everything else.
func (a *Accounts) NextID(ctx context.Context, user, id string) (chat.MsgID, error) {
	var idx accessIndex
	if _, err := a.get(ctx, UserAccessTokensBucket, user, &idx); err != nil && !errors.Is(err, ErrNotFound) {
		return chat.MsgID{}, err
	}
	i := slices.IndexFunc(idx.Tokens, func(r accessRef) bool { return r.ID == id })
	if i < 0 {
		return chat.MsgID{}, ErrNoToken
	}
	_, n, err := countSent[accessRecord](ctx, a, AccessTokensBucket, idx.Tokens[i].Hash)
	if errors.Is(err, ErrNotFound) {
		err = ErrNoToken
	}
	return chat.MsgID{Device: ServerDevicePrefix + id, N: n}, err
}

// ServerDevicePrefix starts the device of the message ids the server
// makes for a token or a webhook that sent none: "srv-" and its id.
const ServerDevicePrefix = "srv-"

// count applies next to the record bucket/key until it is stored without
// a conflict, and returns the number next made.
func (a *Accounts) count(ctx context.Context, bucket, key string, next func([]byte) ([]byte, uint64, error)) (uint64, error) {
	for attempt := 0; attempt < 16; attempt++ {
		data, rev, err := a.readFresh(ctx, bucket, key)
		if err != nil {
			return 0, err
		}
		out, n, err := next(data)
		if err != nil {
			return 0, err
		}
		if _, err := a.rec.Update(ctx, bucket, key, out, rev); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return 0, err
		}
		return n, nil
	}
	return 0, errors.New("auth: a counter kept changing")
}

// updateAs applies change to the JSON value T at bucket/key (T's zero
// value when there is none) until it is stored without a conflict; an
// error of change is returned.
func updateAs[T any](ctx context.Context, a *Accounts, bucket, key string, change func(*T) error) error {
	return a.updateJSON(ctx, bucket, key, func(data []byte) ([]byte, error) {
		var v T
		if data != nil {
			if err := json.Unmarshal(data, &v); err != nil {
				return nil, err
			}
		}
		if err := change(&v); err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
}

// updateJSON applies change to the value bucket/key (nil when there is
// none) until it is stored without a conflict.
func (a *Accounts) updateJSON(ctx context.Context, bucket, key string, change func([]byte) ([]byte, error)) error {
	for attempt := 0; attempt < 16; attempt++ {
		data, rev, err := a.rec.Get(ctx, bucket, key)
		if errors.Is(err, ErrNotFound) {
			data, rev = nil, 0
		} else if err != nil {
			return err
		}
		out, err := change(data)
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = a.rec.Create(ctx, bucket, key, out)
			if errors.Is(err, ErrExists) {
				continue
			}
		} else {
			_, err = a.rec.Update(ctx, bucket, key, out, rev)
			if errors.Is(err, ErrConflict) {
				continue
			}
		}
		return err
	}
	return fmt.Errorf("auth: %s/%s kept changing", bucket, key)
}

// User returns the account of the user key, or ErrNoUser.
func (a *Accounts) User(ctx context.Context, key string) (User, error) {
	u, _, err := a.account(ctx, key)
	return u, err
}

// CreateBot makes the account of a bot called name: no password, no
// session, never released; it acts only through its tokens
// (CreateAccessToken), and is marked as a bot wherever its name shows
// (User.Bot). A name that is taken, or looks like one, is ErrNameTaken or
// ErrLooksTaken; one against the rules for new names a *chat.Error.
func (a *Accounts) CreateBot(ctx context.Context, name string) (User, error) {
	clean, err := chat.CleanName(name)
	if err != nil {
		return User{}, err
	}
	if err := chat.CheckNewName(clean); err != nil {
		return User{}, err
	}
	nameKey := names.Key(clean)
	if _, _, _, err := a.byName(ctx, nameKey); err == nil {
		return User{}, ErrNameTaken
	} else if !errors.Is(err, ErrNoUser) {
		return User{}, err
	}
	if err := a.createAccount(ctx, nameKey, account{Name: clean, Created: a.now().UnixMilli(), Bot: true}); err != nil {
		return User{}, err
	}
	return User{Key: nameKey, Name: clean, Bot: true}, nil
}
