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

// accessIndex is what UserAccessTokensBucket holds per user: the hashes of
// their tokens, to list and revoke them.
type accessIndex struct {
	Tokens []accessRef `json:"tokens"`
}

type accessRef struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
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
	id := make([]byte, 6)
	rand.Read(id)
	t := AccessToken{ID: hex.EncodeToString(id), User: user, Name: name, Scopes: scopes, Created: a.now().UnixMilli()}
	hash := sessionKey(raw)
	// The index first: a token in no index could never be revoked.
	err = a.updateAccessIndex(ctx, user, func(idx *accessIndex) error {
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
	list := make([]AccessToken, 0, len(idx.Tokens))
	for _, ref := range idx.Tokens {
		var rec accessRecord
		if _, err := a.get(ctx, AccessTokensBucket, ref.Hash, &rec); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		rec.User = rec.UserKey
		list = append(list, rec.AccessToken)
	}
	slices.Reverse(list)
	return list, nil
}

// RevokeAccessToken ends the token id of the user key: from then on it
// is refused on every node, which reads the record at each request.
func (a *Accounts) RevokeAccessToken(ctx context.Context, user, id string) error {
	var hash string
	err := a.updateAccessIndex(ctx, user, func(idx *accessIndex) error {
		i := slices.IndexFunc(idx.Tokens, func(r accessRef) bool { return r.ID == id })
		if i < 0 {
			return ErrNoToken
		}
		hash = idx.Tokens[i].Hash
		idx.Tokens = slices.Delete(idx.Tokens, i, i+1)
		return nil
	})
	if err != nil {
		return err
	}
	return a.rec.Delete(ctx, AccessTokensBucket, hash)
}

// RevokeAccessTokens ends every token of the user key and returns their
// ids.
func (a *Accounts) RevokeAccessTokens(ctx context.Context, user string) ([]string, error) {
	var gone []accessRef
	err := a.updateAccessIndex(ctx, user, func(idx *accessIndex) error {
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
	rev, err := a.get(ctx, AccessTokensBucket, hash, &rec)
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
	rec.User = rec.UserKey
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
	return rec.AccessToken, u, nil
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
	n, err := a.count(ctx, AccessTokensBucket, idx.Tokens[i].Hash, func(data []byte) ([]byte, uint64, error) {
		var rec accessRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, 0, err
		}
		rec.Sent++
		out, err := json.Marshal(rec)
		return out, rec.Sent, err
	})
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
		data, rev, err := a.rec.Get(ctx, bucket, key)
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

// updateAccessIndex applies change to the token index of the user key
// until it is stored without a conflict; an error of change is returned.
func (a *Accounts) updateAccessIndex(ctx context.Context, user string, change func(*accessIndex) error) error {
	return a.updateJSON(ctx, UserAccessTokensBucket, user, func(data []byte) ([]byte, error) {
		var idx accessIndex
		if data != nil {
			if err := json.Unmarshal(data, &idx); err != nil {
				return nil, err
			}
		}
		if err := change(&idx); err != nil {
			return nil, err
		}
		return json.Marshal(idx)
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
	if err := a.holdLook(ctx, names.Skeleton(clean), nameKey, ""); err != nil {
		return User{}, err
	}
	acc := account{Name: clean, Created: a.now().UnixMilli(), Bot: true}
	if err := a.create(ctx, AccountsBucket, nameKey, acc); errors.Is(err, ErrExists) {
		return User{}, ErrNameTaken
	} else if err != nil {
		return User{}, err
	}
	a.looks.Store(nameKey, true)
	return User{Key: nameKey, Name: clean, Bot: true}, nil
}
