package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/founding/chat/server/names"
)

// More errors of account operations.
var (
	ErrNoSession     = errors.New("auth: no such session")
	ErrNoUser        = errors.New("auth: no such user")
	ErrWrongPassword = errors.New("auth: wrong name or password")
)

// TooManyAttempts is returned by SignIn when a name had too many wrong
// passwords lately; try again after RetryAfter.
type TooManyAttempts struct {
	RetryAfter time.Duration
}

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("auth: too many wrong passwords; try again in %v", e.RetryAfter.Round(time.Second))
}

// account is what is stored per name, under the name's key.
type account struct {
	// ID is the user key when it is not the name's key: a name released
	// (see SessionLimits.Release) and claimed again is a new user, whose
	// key is the name's with "~" and the claim's number ("ann~2"), so
	// that nothing of the name's earlier owner (private conversations,
	// memberships, read positions) is theirs.
	ID      string   `json:"id,omitempty"`
	Gen     int      `json:"gen,omitempty"` // the claim's number, 0 for the first
	Name    string   `json:"name"`
	Hash    string   `json:"hash,omitempty"`
	Created int64    `json:"created"`
	Used    int64    `json:"used,omitempty"`  // last use of a session, Unix ms, written at most every UseEvery
	Known   []string `json:"known,omitempty"` // places signed in from (see place), newest first
	SSO     string   `json:"sso,omitempty"`   // the key (ssoKey) of the identity linked to the account (sso.go)
	Bot     bool     `json:"bot,omitempty"`   // a bot's account (CreateBot): never released
	// Imported names the person an import brought (CreateImported:
	// "slack.U123"): no password until an admin sets one, never released.
	Imported string `json:"imported,omitempty"`
	// Disabled by an admin (admin.go): no sign-in, no session, no token.
	Disabled bool `json:"disabled,omitempty"`
	// Deleted by an admin: a tombstone whose name is free (released).
	Deleted bool `json:"deleted,omitempty"`
}

// userKey returns the key of the account's user; nameKey is the key it is
// stored under.
func (acc account) userKey(nameKey string) string {
	if acc.ID != "" {
		return acc.ID
	}
	return nameKey
}

// nameKeyOf returns the key of the name a user key belongs to: the user
// key itself, or its part before "~" (names never hold a "~").
func nameKeyOf(user string) string {
	k, _, _ := strings.Cut(user, "~")
	return k
}

// The buckets of Records that Accounts use; a durable backend creates them
// when it opens.
const (
	AccountsBucket     = "accounts"      // key of a name -> account
	SessionsBucket     = "sessions"      // SHA-256 of a session token, hex -> session
	SkeletonsBucket    = "skeletons"     // names.Skeleton of a name -> the user key that holds it
	ClaimsBucket       = "claims"        // group of a visitor token spent on a claim -> claim
	UserSessionsBucket = "user_sessions" // user key -> the user's sessions (sessionIndex)
)

// Buckets lists every bucket Accounts use.
var Buckets = []string{AccountsBucket, SessionsBucket, SkeletonsBucket, ClaimsBucket, UserSessionsBucket, KeysBucket, LinksBucket, SpentBucket,
	AccessTokensBucket, UserAccessTokensBucket, WebhooksBucket, ConvWebhooksBucket, OutgoingBucket, DeliveriesBucket, AdminsBucket}

// BucketAge says, of the buckets whose values need not outlive a time, how
// long a durable backend may keep them: it may drop them after that.
var BucketAge = map[string]time.Duration{SpentBucket: SpentAge, DeliveriesBucket: DeliveriesAge}

// Accounts keeps users, their passwords and their browser sessions in
// Records. It is safe for concurrent use, also by several processes sharing
// the Records: claiming a name is a create that only one can win.
type Accounts struct {
	rec Records
	now func() time.Time

	guard  *guard // wrong passwords at sign-in
	signer signer // the key of tokens
	limits SessionLimits

	mu       sync.Mutex
	attempts map[string]*rate.Limiter // wrong old passwords when changing one, per user key
	looks    sync.Map                 // user keys whose skeleton is known to be recorded
}

// NewAccounts returns accounts stored in rec.
func NewAccounts(rec Records) *Accounts {
	a := &Accounts{rec: rec, now: time.Now, attempts: make(map[string]*rate.Limiter), limits: SessionLimits{}.withDefaults()}
	a.guard = newGuard(func() time.Time { return a.now() })
	return a
}

func sessionKey(token string) string { return hex.EncodeToString([]byte(hashToken(token))) }

// account returns the account of the user key, or ErrNoUser (also when
// the user's name was released and is someone else's now).
func (a *Accounts) account(ctx context.Context, user string) (User, account, error) {
	u, acc, _, err := a.accountRev(ctx, user)
	return u, acc, err
}

// accountRev is account with the revision of the record.
func (a *Accounts) accountRev(ctx context.Context, user string) (User, account, uint64, error) {
	u, acc, rev, err := a.byName(ctx, nameKeyOf(user))
	if err == nil && u.Key != user {
		return User{}, account{}, 0, ErrNoUser
	}
	return u, acc, rev, err
}

// byName returns the account stored under the key of a name, with its
// revision, or ErrNoUser.
func (a *Accounts) byName(ctx context.Context, nameKey string) (User, account, uint64, error) {
	var acc account
	rev, err := a.get(ctx, AccountsBucket, nameKey, &acc)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return User{}, acc, 0, ErrNoUser
		}
		return User{}, acc, 0, err
	}
	return User{Key: acc.userKey(nameKey), Name: acc.Name, HasPassword: acc.Hash != "", SSO: acc.SSO != "", Bot: acc.Bot}, acc, rev, nil
}

// Find returns the user whose name has the same key as name, or ErrNoUser.
func (a *Accounts) Find(ctx context.Context, name string) (User, error) {
	u, _, _, err := a.byName(ctx, names.Key(name))
	return u, err
}

// holdLook records that the user key holds the skeleton skel, or returns
// ErrLooksTaken when another account holds it. A record left by a claim
// that never created its account is taken over, and so is one of the user
// key replaces (the earlier owner of a released name; "" for none).
func (a *Accounts) holdLook(ctx context.Context, skel, key, replaces string) error {
	for attempt := 0; attempt < 4; attempt++ {
		_, err := a.rec.Create(ctx, SkeletonsBucket, skel, []byte(key))
		if !errors.Is(err, ErrExists) {
			return err
		}
		holder, rev, err := a.rec.Get(ctx, SkeletonsBucket, skel)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile: try again
		}
		if err != nil {
			return err
		}
		if string(holder) == key {
			return nil
		}
		if replaces == "" || string(holder) != replaces {
			if _, _, err := a.account(ctx, string(holder)); !errors.Is(err, ErrNoUser) {
				if err != nil {
					return err
				}
				return ErrLooksTaken
			}
		}
		if _, err := a.rec.Update(ctx, SkeletonsBucket, skel, []byte(key), rev); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return errors.New("auth: the name's record kept changing")
}

// recordLook makes sure the skeleton of an account that signs in is
// recorded, for accounts made before skeletons were kept; once per process
// and user.
func (a *Accounts) recordLook(ctx context.Context, u User) error {
	if _, done := a.looks.Load(u.Key); done {
		return nil
	}
	_, err := a.rec.Create(ctx, SkeletonsBucket, names.Skeleton(u.Name), []byte(u.Key))
	if err != nil && !errors.Is(err, ErrExists) {
		return err
	}
	a.looks.Store(u.Key, true)
	return nil
}

// SetPassword sets the password of the user key. When one is set already,
// old must match it.
func (a *Accounts) SetPassword(ctx context.Context, key, old, password string) error {
	for attempt := 0; attempt < 4; attempt++ {
		_, acc, rev, err := a.accountRev(ctx, key)
		if err != nil {
			return err
		}
		if acc.Hash != "" {
			lim := a.limiter(key)
			if lim.Tokens() < 1 {
				return &TooManyAttempts{RetryAfter: retryAfter(lim)}
			}
			ok, err := CheckPassword(acc.Hash, old)
			if err != nil {
				return err
			}
			if !ok {
				lim.Allow()
				return ErrWrongPassword
			}
		}
		acc.Hash = HashPassword(password)
		data, _ := json.Marshal(acc)
		_, err = a.rec.Update(ctx, AccountsBucket, nameKeyOf(key), data, rev)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return errors.New("auth: the account kept changing")
}

// Client says where a sign-in comes from: the address, and the browser's
// device token (a long-lived cookie set at a sign-in; empty when it has
// none). Places an account signed in from before are known: the name's
// shared budget of wrong passwords does not bind them.
// Agent is the browser's User-Agent, kept shortened (Browser) to show the
// user their sessions.
type Client struct {
	Addr   string
	Device string
	Agent  string
}

// SignIn checks a name and password and returns a new session token for
// them, of a new group (the caller ends the browser's old session). Wrong passwords are counted where they come from (see guard.go):
// the address, the name from that address, and, from places the account
// does not know, the name itself; past a budget SignIn answers
// *TooManyAttempts before it looks at the password. A right password is
// never counted, so whoever guesses from elsewhere cannot lock the owner
// out of a known place. Every wrong sign-in, for a name that exists or
// not, with a password or without, checks one password hash and so takes
// the same time.
func (a *Accounts) SignIn(ctx context.Context, name, password string, from Client) (string, User, error) {
	key := names.Key(name)
	u, acc, rev, err := a.byName(ctx, key)
	if err != nil && !errors.Is(err, ErrNoUser) {
		return "", User{}, err
	}
	knownAddr, knownDevice := false, false
	if err == nil {
		knownAddr, knownDevice = acc.knows(from)
	}
	// Only the owner holds a device token the account knows (it is set at a
	// sign-in, HttpOnly): such a sign-in is never slowed down.
	if wait := a.guard.check(key, from.Addr, knownAddr); wait > 0 && !knownDevice {
		return "", User{}, &TooManyAttempts{RetryAfter: wait}
	}
	hash := acc.Hash
	if hash == "" {
		hash = dummyHash() // no such user, or no password: fail as slowly
	}
	ok, cerr := CheckPassword(hash, password)
	if cerr != nil {
		return "", User{}, cerr
	}
	if !ok || err != nil || acc.Hash == "" {
		a.guard.wrong(key, from.Addr, knownAddr || knownDevice)
		return "", User{}, ErrWrongPassword
	}
	if acc.Disabled {
		return "", User{}, ErrDisabled
	}
	if err := a.remember(ctx, key, acc, rev, from); err != nil {
		return "", User{}, err
	}
	token, err := a.startSession(ctx, u.Key, nil, from)
	if err != nil {
		return "", User{}, err
	}
	return token, u, nil
}

// dummyHash is the hash a failing sign-in checks when there is no real
// one, so that it takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("no password is this one") })

// maxKnown bounds the places an account remembers.
const maxKnown = 32

// place returns the stored form of an address or device: a short hash, so
// a copy of the accounts does not list where people sign in from.
func place(kind, v string) string {
	sum := sha256.Sum256([]byte(kind + ":" + v))
	return hex.EncodeToString(sum[:12])
}

// knows reports whether the account signed in from the client's address,
// and from its device, before.
func (acc account) knows(from Client) (addr, device bool) {
	for _, k := range acc.Known {
		addr = addr || (from.Addr != "" && k == place("addr", from.Addr))
		device = device || (from.Device != "" && k == place("dev", from.Device))
	}
	return addr, device
}

// remember records the client's address and device as places of the
// account stored under the name's key, newest first, at most maxKnown.
func (a *Accounts) remember(ctx context.Context, key string, acc account, rev uint64, from Client) error {
	for attempt := 0; attempt < 4; attempt++ {
		var add []string
		for _, p := range [][2]string{{"dev", from.Device}, {"addr", from.Addr}} {
			if p[1] != "" {
				add = append(add, place(p[0], p[1]))
			}
		}
		known := append(add, slices.DeleteFunc(slices.Clone(acc.Known), func(k string) bool { return slices.Contains(add, k) })...)
		if len(known) > maxKnown {
			known = known[:maxKnown]
		}
		if slices.Equal(known, acc.Known) {
			return nil
		}
		acc.Known = known
		data, err := json.Marshal(acc)
		if err != nil {
			return err
		}
		if _, err = a.rec.Update(ctx, AccountsBucket, key, data, rev); !errors.Is(err, ErrConflict) {
			return err
		}
		if _, acc, rev, err = a.byName(ctx, key); err != nil {
			return err
		}
	}
	return errors.New("auth: the account kept changing")
}

// retryAfter is how long until lim allows one more try.
func retryAfter(lim *rate.Limiter) time.Duration {
	r := lim.Reserve()
	defer r.Cancel()
	return r.Delay()
}

// limiter returns the wrong-password limiter of a user key: five tries,
// then one more every 20 seconds.
func (a *Accounts) limiter(key string) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.attempts[key]
	if l == nil {
		if len(a.attempts) > 100_000 {
			a.attempts = make(map[string]*rate.Limiter) // bound memory; forgets old tries
		}
		l = rate.NewLimiter(rate.Every(20*time.Second), 5)
		a.attempts[key] = l
	}
	return l
}

func (a *Accounts) get(ctx context.Context, bucket, key string, v any) (uint64, error) {
	data, rev, err := a.rec.Get(ctx, bucket, key)
	if err != nil {
		return 0, err
	}
	return rev, json.Unmarshal(data, v)
}

// getFresh is get as the last acknowledged write left the value
// (FreshReader), for what a revocation ends.
func (a *Accounts) getFresh(ctx context.Context, bucket, key string, v any) (uint64, error) {
	data, rev, err := a.readFresh(ctx, bucket, key)
	if err != nil {
		return 0, err
	}
	return rev, json.Unmarshal(data, v)
}

// readFresh reads bucket/key with the Records' fresh read, if it has one.
func (a *Accounts) readFresh(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	if f, ok := a.rec.(FreshReader); ok {
		return f.GetFresh(ctx, bucket, key)
	}
	return a.rec.Get(ctx, bucket, key)
}

func (a *Accounts) create(ctx context.Context, bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = a.rec.Create(ctx, bucket, key, data)
	return err
}

func (a *Accounts) put(ctx context.Context, bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return a.rec.Put(ctx, bucket, key, data)
}
