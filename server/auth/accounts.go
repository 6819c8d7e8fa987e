package auth

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// account is what is stored per user.
type account struct {
	Name    string `json:"name"`
	Hash    string `json:"hash,omitempty"`
	Created int64  `json:"created"`
}

// session is what is stored per browser session, under the token's hash.
type session struct {
	User    string `json:"user"`
	Created int64  `json:"created"`
}

// The buckets of Records that Accounts use; a durable backend creates them
// when it opens.
const (
	AccountsBucket = "accounts" // user key -> account
	SessionsBucket = "sessions" // SHA-256 of a session token, hex -> session
)

// Accounts keeps users, their passwords and their browser sessions in
// Records. It is safe for concurrent use, also by several processes sharing
// the Records: claiming a name is a create that only one can win.
type Accounts struct {
	rec Records
	now func() time.Time

	mu       sync.Mutex
	attempts map[string]*rate.Limiter // wrong passwords per user key
}

// NewAccounts returns accounts stored in rec.
func NewAccounts(rec Records) *Accounts {
	return &Accounts{rec: rec, now: time.Now, attempts: make(map[string]*rate.Limiter)}
}

func sessionKey(token string) string { return hex.EncodeToString([]byte(hashToken(token))) }

// Lookup returns the user a session token belongs to, or ErrNoSession.
func (a *Accounts) Lookup(ctx context.Context, token string) (User, error) {
	if !ValidToken(token) {
		return User{}, ErrNoSession
	}
	var s session
	if _, err := a.get(ctx, SessionsBucket, sessionKey(token), &s); err != nil {
		if errors.Is(err, ErrNotFound) {
			return User{}, ErrNoSession
		}
		return User{}, err
	}
	u, _, err := a.account(ctx, s.User)
	if errors.Is(err, ErrNoUser) {
		return User{}, ErrNoSession // the claim did not finish
	}
	return u, err
}

func (a *Accounts) account(ctx context.Context, key string) (User, account, error) {
	var acc account
	if _, err := a.get(ctx, AccountsBucket, key, &acc); err != nil {
		if errors.Is(err, ErrNotFound) {
			return User{}, acc, ErrNoUser
		}
		return User{}, acc, err
	}
	return User{Key: key, Name: acc.Name, HasPassword: acc.Hash != ""}, acc, nil
}

// Find returns the user whose name has the same key as name, or ErrNoUser.
func (a *Accounts) Find(ctx context.Context, name string) (User, error) {
	u, _, err := a.account(ctx, names.Key(name))
	return u, err
}

// Claim gives name (which passed chat.CleanName) to the session token,
// creating the account. It fails with ErrNameTaken when the name belongs to
// someone else, and with ErrHasName when the session has a name already.
func (a *Accounts) Claim(ctx context.Context, token, name string) (User, error) {
	if _, err := a.Lookup(ctx, token); err == nil {
		return User{}, ErrHasName
	}
	u := User{Key: names.Key(name), Name: name}
	// The session first: a crash before the account leaves a session that
	// Lookup ignores, never an account nobody holds.
	sk := sessionKey(token)
	if err := a.put(ctx, SessionsBucket, sk, session{User: u.Key, Created: a.now().UnixMilli()}); err != nil {
		return User{}, err
	}
	err := a.create(ctx, AccountsBucket, u.Key, account{Name: name, Created: a.now().UnixMilli()})
	if errors.Is(err, ErrExists) {
		a.rec.Delete(ctx, SessionsBucket, sk)
		return User{}, ErrNameTaken
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// SetPassword sets the password of the user key. When one is set already,
// old must match it.
func (a *Accounts) SetPassword(ctx context.Context, key, old, password string) error {
	for attempt := 0; attempt < 4; attempt++ {
		var acc account
		rev, err := a.get(ctx, AccountsBucket, key, &acc)
		if errors.Is(err, ErrNotFound) {
			return ErrNoUser
		}
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
		_, err = a.rec.Update(ctx, AccountsBucket, key, data, rev)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return errors.New("auth: the account kept changing")
}

// SignIn checks a name and password and returns a new session token for
// them. Wrong passwords are slowed down per user: after a few, SignIn
// answers *TooManyAttempts until time has passed.
func (a *Accounts) SignIn(ctx context.Context, name, password string) (string, User, error) {
	key := names.Key(name)
	lim := a.limiter(key)
	if lim.Tokens() < 1 {
		return "", User{}, &TooManyAttempts{RetryAfter: lim.Reserve().Delay()}
	}
	u, acc, err := a.account(ctx, key)
	if errors.Is(err, ErrNoUser) {
		HashPassword(password) // take as long as a real check
		lim.Allow()
		return "", User{}, ErrWrongPassword
	}
	if err != nil {
		return "", User{}, err
	}
	ok := false
	if acc.Hash != "" {
		if ok, err = CheckPassword(acc.Hash, password); err != nil {
			return "", User{}, err
		}
	}
	if !ok {
		lim.Allow()
		return "", User{}, ErrWrongPassword
	}
	token := NewToken()
	if err := a.put(ctx, SessionsBucket, sessionKey(token), session{User: key, Created: a.now().UnixMilli()}); err != nil {
		return "", User{}, err
	}
	return token, u, nil
}

// SignOut ends a session.
func (a *Accounts) SignOut(ctx context.Context, token string) error {
	if !ValidToken(token) {
		return nil
	}
	return a.rec.Delete(ctx, SessionsBucket, sessionKey(token))
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
