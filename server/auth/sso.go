package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// Single sign-on: an account may be linked to one identity at an OpenID
// Connect provider, named by the provider's issuer and the subject it gives
// the person there. LinksBucket maps the identity to the user key; the
// account's record keeps the identity too (account.SSO), so that a linked
// account is never released for want of a password, and is linked once.

// LinksBucket holds the identities accounts are linked to: SSOKey(issuer,
// subject) -> link.
const LinksBucket = "sso_links"

// Errors of single sign-on.
var (
	// ErrNotLinked: no account is linked to the identity.
	ErrNotLinked = errors.New("auth: no account is linked to that identity")
	// ErrLinked: the account is linked to an identity already, or the
	// identity to another account.
	ErrLinked = errors.New("auth: already linked")
)

// Identity is a person at an OpenID Connect provider.
type Identity struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
}

// link is what LinksBucket stores.
type link struct {
	User    string `json:"user"`
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Created int64  `json:"created"`
}

// ssoKey is the key of an identity in LinksBucket: issuers and subjects
// are any strings, keys are not.
func ssoKey(id Identity) string {
	sum := sha256.Sum256([]byte(id.Issuer + "\x00" + id.Subject))
	return hex.EncodeToString(sum[:])
}

// Linked returns the user an identity is linked to, or ErrNotLinked (also
// when the account is gone: its name released and claimed by someone else).
func (a *Accounts) Linked(ctx context.Context, id Identity) (User, error) {
	var l link
	if _, err := a.get(ctx, LinksBucket, ssoKey(id), &l); errors.Is(err, ErrNotFound) {
		return User{}, ErrNotLinked
	} else if err != nil {
		return User{}, err
	}
	u, acc, err := a.account(ctx, l.User)
	if errors.Is(err, ErrNoUser) || (err == nil && acc.SSO != ssoKey(id)) {
		return User{}, ErrNotLinked
	}
	return u, err
}

// SignInLinked starts a session of a new group for the account the
// identity is linked to, or answers ErrNotLinked.
func (a *Accounts) SignInLinked(ctx context.Context, id Identity, from Client) (string, User, error) {
	u, err := a.Linked(ctx, id)
	if err != nil {
		return "", User{}, err
	}
	_, acc, rev, err := a.accountRev(ctx, u.Key)
	if err != nil {
		return "", User{}, err
	}
	if err := a.remember(ctx, nameKeyOf(u.Key), acc, rev, from); err != nil {
		return "", User{}, err
	}
	tok, err := a.startSession(ctx, u.Key, nil, from)
	if err != nil {
		return "", User{}, err
	}
	return tok, u, a.recordLook(ctx, u)
}

// CreateLinked makes an account of name (which passed chat.CleanName),
// linked to the identity, and starts a session of a new group for it. A
// new name must meet chat.CheckNewName's rules (a *chat.Error otherwise);
// it fails with ErrNameTaken when the name is someone else's (released or
// not: the person picks another), ErrLooksTaken when it looks like one
// that is, and ErrLinked when the identity is linked already.
func (a *Accounts) CreateLinked(ctx context.Context, id Identity, name string, from Client) (string, User, error) {
	if _, err := a.Linked(ctx, id); err == nil {
		return "", User{}, ErrLinked
	} else if !errors.Is(err, ErrNotLinked) {
		return "", User{}, err
	}
	nameKey := names.Key(name)
	if _, _, _, err := a.byName(ctx, nameKey); err == nil {
		return "", User{}, ErrNameTaken
	} else if !errors.Is(err, ErrNoUser) {
		return "", User{}, err
	}
	if err := chat.CheckNewName(name); err != nil {
		return "", User{}, err
	}
	u := User{Key: nameKey, Name: name, SSO: true}
	if err := a.holdLook(ctx, names.Skeleton(name), u.Key, ""); err != nil {
		return "", User{}, err
	}
	now := a.now().UnixMilli()
	acc := account{Name: name, Created: now, SSO: ssoKey(id)}
	if err := a.create(ctx, AccountsBucket, nameKey, acc); errors.Is(err, ErrExists) {
		return "", User{}, ErrNameTaken
	} else if err != nil {
		return "", User{}, err
	}
	a.looks.Store(u.Key, true)
	if err := a.putLink(ctx, id, u.Key); err != nil {
		return "", User{}, err
	}
	_, acc, rev, err := a.accountRev(ctx, u.Key)
	if err != nil {
		return "", User{}, err
	}
	if err := a.remember(ctx, nameKey, acc, rev, from); err != nil {
		return "", User{}, err
	}
	tok, err := a.startSession(ctx, u.Key, nil, from)
	return tok, u, err
}

// putLink records that the identity is the user key's. A link left
// behind by an account that is gone (or never finished) is replaced.
func (a *Accounts) putLink(ctx context.Context, id Identity, user string) error {
	l := link{User: user, Issuer: id.Issuer, Subject: id.Subject, Created: a.now().UnixMilli()}
	err := a.create(ctx, LinksBucket, ssoKey(id), l)
	if !errors.Is(err, ErrExists) {
		return err
	}
	if _, err := a.Linked(ctx, id); err == nil {
		return ErrLinked
	} else if !errors.Is(err, ErrNotLinked) {
		return err
	}
	return a.put(ctx, LinksBucket, ssoKey(id), l)
}

// Link links the user key's account to the identity, once: it answers
// ErrLinked when the account is linked already or the identity belongs to
// another account.
func (a *Accounts) Link(ctx context.Context, user string, id Identity) error {
	if owner, err := a.Linked(ctx, id); err == nil {
		if owner.Key == user {
			return nil
		}
		return ErrLinked
	} else if !errors.Is(err, ErrNotLinked) {
		return err
	}
	for attempt := 0; attempt < 4; attempt++ {
		_, acc, rev, err := a.accountRev(ctx, user)
		if err != nil {
			return err
		}
		if acc.SSO != "" {
			return ErrLinked
		}
		acc.SSO = ssoKey(id)
		data, err := json.Marshal(acc)
		if err != nil {
			return err
		}
		_, err = a.rec.Update(ctx, AccountsBucket, nameKeyOf(user), data, rev)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return a.putLink(ctx, id, user)
	}
	return errors.New("auth: the account kept changing")
}

// Seal signs data with the server's key for one purpose (a cookie that
// holds an OpenID Connect attempt, say), so that any node sharing the
// Records can check it and nobody else can make one: the result is
// base64url(data) "." base64url(MAC).
func (a *Accounts) Seal(ctx context.Context, purpose string, data []byte) (string, error) {
	key, err := a.key(ctx)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(data) + "." + base64.RawURLEncoding.EncodeToString(sealMAC(key, purpose, data)), nil
}

// Unseal returns the data of a value Seal made for purpose, or false for
// any other value.
func (a *Accounts) Unseal(ctx context.Context, purpose, sealed string) ([]byte, bool) {
	key, err := a.key(ctx)
	if err != nil {
		return nil, false
	}
	d, m, ok := strings.Cut(sealed, ".")
	if !ok {
		return nil, false
	}
	data, err1 := base64.RawURLEncoding.DecodeString(d)
	sum, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, sealMAC(key, purpose, data)) {
		return nil, false
	}
	return data, true
}

func sealMAC(key []byte, purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("seal\x00" + purpose + "\x00"))
	m.Write(data)
	return m.Sum(nil)
}

// SpentBucket holds the one-time values spent (Spend), for SpentAge.
const SpentBucket = "sso_spent"

// SpentAge is how long a spent value is remembered: longer than any value
// Spend is given lives.
const SpentAge = time.Hour

// Spend records that a one-time value (the state of an OpenID Connect
// attempt, which lives less than SpentAge) was used: a second call with
// the same value answers ErrExists.
func (a *Accounts) Spend(ctx context.Context, value string) error {
	sum := sha256.Sum256([]byte("spent\x00" + value))
	_, err := a.rec.Create(ctx, SpentBucket, hex.EncodeToString(sum[:]), []byte(strconv.FormatInt(a.now().UnixMilli(), 10)))
	return err
}
