package auth

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// What an admin does to accounts (the admin console, server/admin.go):
// admins kept in the cluster beside the -admin flag's, accounts listed,
// disabled and enabled, a password reset, an account deleted.

// ErrDisabled means the account was disabled by an admin: it cannot sign
// in, and its sessions and tokens are refused.
var ErrDisabled = errors.New("auth: the account is disabled")

// AdminsBucket holds what the admin console sets for the whole cluster:
// under adminsKey the admins it made, under archivedKey the rooms it
// archived, under deletedKey the rooms it deleted; each a sorted list
// (keyList).
const AdminsBucket = "admins"

const (
	adminsKey   = "list"
	archivedKey = "archived"
	deletedKey  = "deleted"
)

type keyList struct {
	Keys []string `json:"keys"`
}

// Admins returns the user keys of the admins made in the console, sorted
// (the -admin flag's are the server's own, not here).
func (a *Accounts) Admins(ctx context.Context) ([]string, error) { return a.list(ctx, adminsKey) }

// SetAdmin makes the user key an admin or not, and reports whether that
// changed anything; a key with no account is ErrNoUser.
func (a *Accounts) SetAdmin(ctx context.Context, key string, on bool) (bool, error) {
	if on {
		if _, _, err := a.account(ctx, key); err != nil {
			return false, err
		}
	}
	return a.setInList(ctx, adminsKey, key, on)
}

// ArchivedRooms returns the ids of the rooms the console archived, sorted.
func (a *Accounts) ArchivedRooms(ctx context.Context) ([]string, error) {
	return a.list(ctx, archivedKey)
}

// SetArchived archives the room id (on) or unarchives it, and reports
// whether that changed anything.
func (a *Accounts) SetArchived(ctx context.Context, id string, on bool) (bool, error) {
	return a.setInList(ctx, archivedKey, id, on)
}

// DeletedRooms returns the ids of the rooms the console deleted, sorted.
func (a *Accounts) DeletedRooms(ctx context.Context) ([]string, error) {
	return a.list(ctx, deletedKey)
}

// SetDeleted records that room id was deleted, and reports whether that
// changed anything. Nothing undoes it.
func (a *Accounts) SetDeleted(ctx context.Context, id string) (bool, error) {
	return a.setInList(ctx, deletedKey, id, true)
}

func (a *Accounts) list(ctx context.Context, key string) ([]string, error) {
	var l keyList
	if _, err := a.get(ctx, AdminsBucket, key, &l); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return l.Keys, nil
}

// setInList adds item to the list under key (on) or removes it, and
// reports whether that changed anything.
func (a *Accounts) setInList(ctx context.Context, key, item string, on bool) (bool, error) {
	changed := false
	err := a.updateJSON(ctx, AdminsBucket, key, func(data []byte) ([]byte, error) {
		var l keyList
		if data != nil {
			if err := json.Unmarshal(data, &l); err != nil {
				return nil, err
			}
		}
		i, found := slices.BinarySearch(l.Keys, item)
		changed = found != on
		switch {
		case on && !found:
			l.Keys = slices.Insert(l.Keys, i, item)
		case !on && found:
			l.Keys = slices.Delete(l.Keys, i, i+1)
		}
		return json.Marshal(l)
	})
	return changed, err
}

// KeyLister is a Records that can list a bucket's keys: both backends of
// server/store are. Accounts.Users needs it.
type KeyLister interface {
	Keys(ctx context.Context, bucket string) ([]string, error)
}

// Account is what an admin sees of an account.
type Account struct {
	User
	Created  int64 // Unix ms
	Used     int64 // last use of a session, Unix ms; 0 when unknown
	Disabled bool
}

// Users returns up to limit accounts whose name's key holds query's
// (all when query is empty), sorted by key.
func (a *Accounts) Users(ctx context.Context, query string, limit int) ([]Account, error) {
	kl, ok := a.rec.(KeyLister)
	if !ok {
		return nil, errors.New("auth: these records cannot list accounts")
	}
	keys, err := kl.Keys(ctx, AccountsBucket)
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	q := strings.ToLower(strings.TrimSpace(query))
	out := []Account{}
	for _, k := range keys {
		if len(out) >= limit {
			break
		}
		if q != "" && !strings.Contains(k, q) {
			continue
		}
		u, acc, _, err := a.byName(ctx, k)
		if errors.Is(err, ErrNoUser) {
			continue // gone meanwhile
		}
		if err != nil {
			return nil, err
		}
		if acc.Deleted {
			continue
		}
		out = append(out, Account{User: u, Created: acc.Created, Used: acc.Used, Disabled: acc.Disabled})
	}
	return out, nil
}

// Account returns what an admin sees of the user key's account, or
// ErrNoUser.
func (a *Accounts) Account(ctx context.Context, key string) (Account, error) {
	u, acc, err := a.account(ctx, key)
	if err != nil {
		return Account{}, err
	}
	if acc.Deleted {
		return Account{}, ErrNoUser
	}
	return Account{User: u, Created: acc.Created, Used: acc.Used, Disabled: acc.Disabled}, nil
}

// SetDisabled disables the user key's account or enables it again, and
// reports whether that changed anything. Disabling does not end the
// sessions: the caller does (EndOtherSessions), to close their
// connections too; a disabled account's sessions and tokens are refused
// anyway.
func (a *Accounts) SetDisabled(ctx context.Context, key string, on bool) (bool, error) {
	changed := false
	err := a.changeAccount(ctx, key, func(acc *account) {
		changed = acc.Disabled != on
		acc.Disabled = on
	})
	return changed, err
}

// ResetPassword gives the user key's account a new random password and
// returns it, to be shown once to the admin who passes it on.
func (a *Accounts) ResetPassword(ctx context.Context, key string) (string, error) {
	password := NewToken()[:20]
	err := a.changeAccount(ctx, key, func(acc *account) { acc.Hash = HashPassword(password) })
	return password, err
}

// DeleteAccount deletes the user key's account: it ends its sessions,
// revokes its tokens, drops it from the admins, and leaves a tombstone
// that holds no password, no identity and is disabled, and whose name is
// free to be claimed at once by a new user (under a new key, as a
// released name is: nothing of the deleted user becomes theirs). It
// returns the session groups and token ids it ended, to close their
// connections.
func (a *Accounts) DeleteAccount(ctx context.Context, key string) (groups, tokens []string, err error) {
	if _, _, err := a.account(ctx, key); err != nil {
		return nil, nil, err
	}
	if groups, err = a.EndOtherSessions(ctx, key, ""); err != nil {
		return nil, nil, err
	}
	if tokens, err = a.RevokeAccessTokens(ctx, key); err != nil {
		return groups, nil, err
	}
	if _, err := a.SetAdmin(ctx, key, false); err != nil {
		return groups, tokens, err
	}
	err = a.changeAccount(ctx, key, func(acc *account) {
		acc.Deleted, acc.Disabled, acc.Hash, acc.SSO, acc.Bot = true, true, "", "", false
	})
	return groups, tokens, err
}

// changeAccount applies change to the user key's account until it is
// stored without a conflict.
func (a *Accounts) changeAccount(ctx context.Context, key string, change func(*account)) error {
	for attempt := 0; attempt < 8; attempt++ {
		_, acc, rev, err := a.accountRev(ctx, key)
		if err != nil {
			return err
		}
		change(&acc)
		data, err := json.Marshal(acc)
		if err != nil {
			return err
		}
		if _, err = a.rec.Update(ctx, AccountsBucket, nameKeyOf(key), data, rev); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return errors.New("auth: the account kept changing")
}
