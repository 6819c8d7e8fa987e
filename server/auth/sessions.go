package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// SessionLimits bound how long tokens live. Zero fields mean the defaults.
type SessionLimits struct {
	// Idle ends a session not used for this long. Defaults to 30 days.
	Idle time.Duration
	// Lifetime ends a session this long after it began (a claim or a
	// sign-in), however much it is used. Defaults to 180 days.
	Lifetime time.Duration
	// Visitor is how long a visitor token (a browser without a name) may
	// claim a name; an older one is replaced. Defaults to 7 days.
	Visitor time.Duration
	// Handover is how long the code a claim returns may be exchanged for
	// the session's token. Defaults to 2 minutes.
	Handover time.Duration
	// UseEvery is how often a session's last use is written: a session used
	// again sooner is not rewritten. Defaults to 1 hour.
	UseEvery time.Duration
	// PerUser bounds a user's sessions; a new one past it ends the oldest.
	// Defaults to 32.
	PerUser int
	// Release frees a name without a password once none of its sessions
	// was used for this long: its owner cannot sign in again anyway, and
	// someone else may claim it, as a new user. Defaults to 30 days.
	Release time.Duration
}

func (l SessionLimits) withDefaults() SessionLimits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.Idle, 30*24*time.Hour)
	def(&l.Lifetime, 180*24*time.Hour)
	def(&l.Visitor, 7*24*time.Hour)
	def(&l.Handover, 2*time.Minute)
	def(&l.UseEvery, time.Hour)
	def(&l.Release, 30*24*time.Hour)
	if l.PerUser <= 0 {
		l.PerUser = 32
	}
	return l
}

// SetSessionLimits sets the limits of sessions (zero fields keep their
// defaults). Call it before the Accounts are used.
func (a *Accounts) SetSessionLimits(l SessionLimits) { a.limits = l.withDefaults() }

// SessionLimits returns the limits in force.
func (a *Accounts) SessionLimits() SessionLimits { return a.limits }

// session is what is stored per browser session, under the hash of its
// token (sessionKey).
type session struct {
	User    string `json:"user"`
	Group   string `json:"group,omitempty"`
	Created int64  `json:"created"`        // Unix ms
	Used    int64  `json:"used,omitempty"` // Unix ms, written at most every UseEvery
	Agent   string `json:"agent,omitempty"`
	Addr    string `json:"addr,omitempty"`
}

// lastUse returns when the session was last used, as far as is written.
func (s session) lastUse() int64 { return max(s.Used, s.Created) }

// claim is stored under the group of a visitor token spent on claiming a
// name: it keeps the token from claiming again and holds the hash of the
// handover code until the code is exchanged.
type claim struct {
	User    string `json:"user"`
	Code    string `json:"code,omitempty"` // sessionKey of the handover code; empty once exchanged
	Until   int64  `json:"until"`          // the code's end, Unix ms
	Expires int64  `json:"expires"`        // the visitor token's end, Unix ms: then the record may go
}

// sessionIndex is stored per user: where their sessions are, so they can be
// listed and ended together.
type sessionIndex struct {
	Sessions []indexEntry `json:"sessions"`
}

// indexEntry points at a session (in SessionsBucket) or a claim (in
// ClaimsBucket, Claim true).
type indexEntry struct {
	Key   string `json:"key"`
	Group string `json:"group"`
	Claim bool   `json:"claim,omitempty"`
	Ends  int64  `json:"ends"` // when the record is surely dead, Unix ms
}

// Session is what a browser's token holds: a user's session, or a visitor
// that may pick a name.
type Session struct {
	// Token is the browser's token; Fresh says it was made now and must be
	// given to the browser (its own was missing, forged, spent or ended).
	Token string
	Fresh bool
	// Group names the browser session: the key its connections are closed by.
	Group string
	// User is the session's user; the zero User for a visitor.
	User User
	// Ends is when the token ends at the latest: the cookie's expiry.
	Ends time.Time
}

// SessionInfo describes one of a user's sessions, for the list of
// signed-in devices.
type SessionInfo struct {
	Group   string    // the session's id (Session.Group)
	Browser string    // "Chromium on Linux" (Browser)
	Addr    string    // the address it was last used from
	Created time.Time // signed in or picked the name
	Used    time.Time // last use, to within SessionLimits.UseEvery
}

func (a *Accounts) key(ctx context.Context) ([]byte, error) { return a.signer.load(ctx, a.rec) }

// Visit returns what the browser's token raw holds, checking the signature,
// the session's record and its idle and absolute limits. A token that holds
// nothing (forged, ended, expired, spent on a claim) is replaced by a fresh
// visitor token (Session.Fresh). A session's last use, address and browser
// are written at most every SessionLimits.UseEvery. The error is the
// store's only.
func (a *Accounts) Visit(ctx context.Context, raw string, from Client) (Session, error) {
	key, err := a.key(ctx)
	if err != nil {
		return Session{}, err
	}
	now := a.now()
	if t, ok := parse(key, raw); ok {
		switch t.kind {
		case kindSession:
			u, err := a.sessionUser(ctx, t, &from)
			if err == nil {
				return Session{Token: raw, Group: t.Group(), User: u, Ends: t.issued.Add(a.limits.Lifetime)}, nil
			}
			if !errors.Is(err, ErrNoSession) {
				return Session{}, err
			}
		case kindVisitor:
			if spent, err := a.spent(ctx, t); err != nil {
				return Session{}, err
			} else if !spent && now.Sub(t.issued) < a.limits.Visitor {
				return Session{Token: raw, Group: t.Group(), Ends: t.issued.Add(a.limits.Visitor)}, nil
			}
		}
	}
	if ValidToken(raw) {
		if s, ok, err := a.migrate(ctx, raw, from); err != nil || ok {
			return s, err
		}
	}
	v := issue(key, kindVisitor, now, nil)
	return Session{Token: v.raw, Fresh: true, Group: v.Group(), Ends: v.issued.Add(a.limits.Visitor)}, nil
}

// migrate trades a session token of the unsigned kind earlier versions
// made (NewToken) that still has its record for a signed one of a new
// group: the browser keeps its account, and the old token ends.
func (a *Accounts) migrate(ctx context.Context, raw string, from Client) (Session, bool, error) {
	var old session
	sk := sessionKey(raw)
	if _, err := a.get(ctx, SessionsBucket, sk, &old); errors.Is(err, ErrNotFound) {
		return Session{}, false, nil
	} else if err != nil {
		return Session{}, false, err
	}
	if err := a.rec.Delete(ctx, SessionsBucket, sk); err != nil {
		return Session{}, false, err
	}
	u, _, err := a.account(ctx, old.User)
	if errors.Is(err, ErrNoUser) || a.now().Sub(time.UnixMilli(old.Created)) >= a.limits.Lifetime {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	tok, err := a.startSession(ctx, old.User, nil, from)
	if err != nil {
		return Session{}, false, err
	}
	return Session{Token: tok, Fresh: true, Group: a.Group(ctx, tok), User: u, Ends: a.now().Add(a.limits.Lifetime)}, true, nil
}

// Plausible reports, without a look at the store, whether raw is a token
// this server signed that has not outlived its kind's limit: a page load
// keeps such a cookie, and the websocket checks it fully (Visit).
func (a *Accounts) Plausible(ctx context.Context, raw string) bool {
	key, err := a.key(ctx)
	if err != nil {
		return false
	}
	t, ok := parse(key, raw)
	switch {
	case !ok:
		return false
	case t.kind == kindSession:
		return a.now().Sub(t.issued) < a.limits.Lifetime
	case t.kind == kindVisitor:
		return a.now().Sub(t.issued) < a.limits.Visitor
	}
	return false
}

// Lookup returns the user a session token belongs to, or ErrNoSession.
func (a *Accounts) Lookup(ctx context.Context, raw string) (User, error) {
	key, err := a.key(ctx)
	if err != nil {
		return User{}, err
	}
	t, ok := parse(key, raw)
	if !ok || t.kind != kindSession {
		return User{}, ErrNoSession
	}
	return a.sessionUser(ctx, t, nil)
}

// Group returns the group of a token this server signed (Session.Group),
// or "" for any other value.
func (a *Accounts) Group(ctx context.Context, raw string) string {
	key, err := a.key(ctx)
	if err != nil {
		return ""
	}
	if t, ok := parse(key, raw); ok {
		return t.Group()
	}
	return ""
}

// sessionUser returns the user of a signed session token whose record
// lives, ending the session when it outlived a limit. With from, a use
// later than UseEvery after the last written one is written.
func (a *Accounts) sessionUser(ctx context.Context, t token, from *Client) (User, error) {
	sk := sessionKey(t.raw)
	var s session
	rev, err := a.get(ctx, SessionsBucket, sk, &s)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, err
	}
	now := a.now()
	if s.Group != t.Group() {
		return User{}, ErrNoSession
	}
	if now.Sub(t.issued) >= a.limits.Lifetime || now.Sub(time.UnixMilli(s.lastUse())) >= a.limits.Idle {
		return User{}, errors.Join(ErrNoSession, a.endSession(ctx, s.User, sk))
	}
	u, acc, accRev, err := a.accountRev(ctx, s.User)
	if errors.Is(err, ErrNoUser) {
		return User{}, ErrNoSession // the name was released and claimed again
	}
	if err != nil {
		return User{}, err
	}
	if acc.Disabled {
		return User{}, ErrNoSession // an admin disabled the account
	}
	if from != nil && now.Sub(time.UnixMilli(s.lastUse())) >= a.limits.UseEvery {
		if err := a.markUsed(ctx, s.User, acc, accRev); err != nil {
			return User{}, err
		}
		s.Used, s.Addr = now.UnixMilli(), from.Addr
		if from.Agent != "" {
			s.Agent = Browser(from.Agent)
		}
		data, _ := json.Marshal(s)
		// Another node may have written the same use meanwhile: a conflict
		// is no loss.
		if _, err := a.rec.Update(ctx, SessionsBucket, sk, data, rev); err != nil && !errors.Is(err, ErrConflict) {
			return User{}, err
		}
	}
	return u, a.recordLook(ctx, u)
}

// markUsed writes now as the last use of the account of user, whose
// record is acc at revision rev: a name without a password is released
// after SessionLimits.Release with no use.
func (a *Accounts) markUsed(ctx context.Context, user string, acc account, rev uint64) error {
	acc.Used = a.now().UnixMilli()
	data, err := json.Marshal(acc)
	if err != nil {
		return err
	}
	// A conflict means the account was written meanwhile (a use by
	// another node, a password): no loss.
	if _, err := a.rec.Update(ctx, AccountsBucket, nameKeyOf(user), data, rev); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// released reports whether the account acc of the user key is free to be
// claimed again: it has no password nor single sign-on, is no bot's nor
// an imported person's, and none of its sessions was used for
// SessionLimits.Release.
func (a *Accounts) released(ctx context.Context, user string, acc account) (bool, error) {
	if acc.Deleted {
		return true, nil // an admin deleted the account (admin.go)
	}
	if acc.Hash != "" || acc.SSO != "" || acc.Bot || acc.Imported != "" {
		return false, nil
	}
	last := max(acc.Created, acc.Used)
	var idx sessionIndex
	if _, err := a.get(ctx, UserSessionsBucket, user, &idx); err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	for _, e := range idx.Sessions {
		if e.Claim {
			continue // a claim's handover ends minutes after the account was made
		}
		var s session
		if _, err := a.get(ctx, SessionsBucket, e.Key, &s); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		last = max(last, s.lastUse())
	}
	return a.now().Sub(time.UnixMilli(last)) >= a.limits.Release, nil
}

// spent reports whether a visitor token was used for a claim.
func (a *Accounts) spent(ctx context.Context, t token) (bool, error) {
	_, _, err := a.rec.Get(ctx, ClaimsBucket, t.Group())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Claim gives name (which passed chat.CleanName) to the browser holding the
// visitor token raw, creating the account, and returns a one-time handover
// code: the browser exchanges it (Exchange) for a new session token within
// SessionLimits.Handover. The visitor token never holds the account, and
// it is spent: whoever else holds a copy of it (a cookie planted in the
// browser) gets nothing.
//
// A new name must meet chat.CheckNewName's rules (a *chat.Error otherwise).
// A name without a password whose sessions all went unused for
// SessionLimits.Release is free again: its new owner is a new user, with a
// key of its own (see account.ID), and the earlier owner's sessions end.
// Claim fails with ErrNameTaken when the name belongs to someone else, with
// ErrLooksTaken when it only looks like a held name (the same confusable
// skeleton: "Аnn" in Cyrillic, "Annl2" for "Ann12"), with ErrHasName when
// the token is a session's or a visitor token already spent on a claim,
// and with ErrNoSession when it is no valid visitor token.
func (a *Accounts) Claim(ctx context.Context, raw, name string) (User, string, error) {
	key, err := a.key(ctx)
	if err != nil {
		return User{}, "", err
	}
	now := a.now()
	t, ok := parse(key, raw)
	switch {
	case ok && t.kind == kindSession:
		return User{}, "", ErrHasName
	case !ok || t.kind != kindVisitor || now.Sub(t.issued) >= a.limits.Visitor:
		return User{}, "", ErrNoSession
	}
	if spent, err := a.spent(ctx, t); err != nil {
		return User{}, "", err
	} else if spent {
		return User{}, "", ErrHasName
	}
	nameKey := names.Key(name)
	u := User{Key: nameKey, Name: name}
	earlier, old, rev, err := a.byName(ctx, nameKey)
	switch {
	case err == nil:
		// Held, unless released: say so before judging the look of it.
		if free, err := a.released(ctx, earlier.Key, old); err != nil {
			return User{}, "", err
		} else if !free {
			return User{}, "", ErrNameTaken
		}
		u.Key = fmt.Sprintf("%s~%d", nameKey, old.Gen+2) // the second owner is "~2"
	case !errors.Is(err, ErrNoUser):
		return User{}, "", err
	}
	if err := chat.CheckNewName(name); err != nil {
		return User{}, "", err
	}
	code := issue(key, kindHandover, now, &t.group)
	// The claim first: a crash before the account leaves a claim that
	// nothing exchanges, never an account nobody holds.
	c := claim{User: u.Key, Code: sessionKey(code.raw), Until: now.Add(a.limits.Handover).UnixMilli(), Expires: t.issued.Add(a.limits.Visitor).UnixMilli()}
	if err := a.create(ctx, ClaimsBucket, t.Group(), c); errors.Is(err, ErrExists) {
		return User{}, "", ErrHasName // another tab of this browser claimed meanwhile
	} else if err != nil {
		return User{}, "", err
	}
	undo := func() { a.rec.Delete(ctx, ClaimsBucket, t.Group()) }
	if err := a.holdLook(ctx, names.Skeleton(name), u.Key, earlier.Key); err != nil {
		undo()
		return User{}, "", err
	}
	acc := account{Name: name, Created: now.UnixMilli()}
	if earlier.Key == "" {
		err = a.create(ctx, AccountsBucket, nameKey, acc)
	} else {
		// Take the released name over unless it changed since it was
		// judged released (a use, a password, another claim).
		acc.ID, acc.Gen = u.Key, old.Gen+1
		var data []byte
		if data, err = json.Marshal(acc); err == nil {
			_, err = a.rec.Update(ctx, AccountsBucket, nameKey, data, rev)
		}
		if errors.Is(err, ErrConflict) {
			err = ErrExists
		}
	}
	if errors.Is(err, ErrExists) {
		undo()
		return User{}, "", ErrNameTaken
	}
	if err != nil {
		undo()
		return User{}, "", err
	}
	if earlier.Key != "" {
		// Whatever is left of the earlier owner's sessions is dead (their
		// account is gone); clear it away.
		if _, err := a.EndOtherSessions(ctx, earlier.Key, ""); err != nil {
			return User{}, "", err
		}
	}
	a.looks.Store(u.Key, true)
	if err := a.index(ctx, u.Key, indexEntry{Key: t.Group(), Group: t.Group(), Claim: true, Ends: c.Expires}); err != nil {
		return User{}, "", err
	}
	return u, code.raw, nil
}

// Exchange trades a handover code Claim returned for the session token it
// stands for, once, within SessionLimits.Handover; the session keeps the
// claim's group. Any other code, a used one or a late one answers
// ErrNoSession.
func (a *Accounts) Exchange(ctx context.Context, code string, from Client) (string, User, error) {
	key, err := a.key(ctx)
	if err != nil {
		return "", User{}, err
	}
	t, ok := parse(key, code)
	if !ok || t.kind != kindHandover {
		return "", User{}, ErrNoSession
	}
	var c claim
	rev, err := a.get(ctx, ClaimsBucket, t.Group(), &c)
	if errors.Is(err, ErrNotFound) {
		return "", User{}, ErrNoSession
	}
	if err != nil {
		return "", User{}, err
	}
	if c.Code == "" || c.Code != sessionKey(code) || a.now().UnixMilli() >= c.Until {
		return "", User{}, ErrNoSession
	}
	// The account first: a read that fails leaves the code unspent, so the
	// person can try again and keeps the name they picked.
	u, _, err := a.account(ctx, c.User)
	if err != nil {
		return "", User{}, err
	}
	used := c
	used.Code = ""
	data, _ := json.Marshal(used)
	if _, err := a.rec.Update(ctx, ClaimsBucket, t.Group(), data, rev); errors.Is(err, ErrConflict) {
		return "", User{}, ErrNoSession // exchanged by someone else just now
	} else if err != nil {
		return "", User{}, err
	}
	tok, err := a.startSession(ctx, c.User, &t.group, from)
	return tok, u, err
}

// startSession makes a session token for the user key, in group (a new
// one when nil), and records it.
func (a *Accounts) startSession(ctx context.Context, user string, group *[tokenGroupLen]byte, from Client) (string, error) {
	if _, acc, err := a.account(ctx, user); err == nil && acc.Disabled {
		return "", ErrDisabled
	}
	key, err := a.key(ctx)
	if err != nil {
		return "", err
	}
	now := a.now()
	t := issue(key, kindSession, now, group)
	s := session{User: user, Group: t.Group(), Created: now.UnixMilli(), Addr: from.Addr}
	if from.Agent != "" {
		s.Agent = Browser(from.Agent)
	}
	sk := sessionKey(t.raw)
	if err := a.put(ctx, SessionsBucket, sk, s); err != nil {
		return "", err
	}
	if err := a.index(ctx, user, indexEntry{Key: sk, Group: t.Group(), Ends: now.Add(a.limits.Lifetime).UnixMilli()}); err != nil {
		a.rec.Delete(ctx, SessionsBucket, sk)
		return "", err
	}
	return t.raw, nil
}

// SignOut ends the session of a token; a token that holds no session is
// no error.
func (a *Accounts) SignOut(ctx context.Context, raw string) error {
	key, err := a.key(ctx)
	if err != nil {
		return err
	}
	t, ok := parse(key, raw)
	if !ok || t.kind != kindSession {
		return nil
	}
	var s session
	sk := sessionKey(raw)
	if _, err := a.get(ctx, SessionsBucket, sk, &s); errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return a.endSession(ctx, s.User, sk)
}

// Sessions lists the user key's live sessions, the one used last first.
func (a *Accounts) Sessions(ctx context.Context, user string) ([]SessionInfo, error) {
	var idx sessionIndex
	if _, err := a.get(ctx, UserSessionsBucket, user, &idx); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	now := a.now()
	var out []SessionInfo
	for _, e := range idx.Sessions {
		if e.Claim {
			continue
		}
		var s session
		if _, err := a.get(ctx, SessionsBucket, e.Key, &s); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if now.Sub(time.UnixMilli(s.Created)) >= a.limits.Lifetime || now.Sub(time.UnixMilli(s.lastUse())) >= a.limits.Idle {
			continue
		}
		out = append(out, SessionInfo{Group: s.Group, Browser: s.Agent, Addr: s.Addr, Created: time.UnixMilli(s.Created), Used: time.UnixMilli(s.lastUse())})
	}
	slices.SortStableFunc(out, func(x, y SessionInfo) int { return y.Used.Compare(x.Used) })
	return out, nil
}

// EndSession ends the user key's session of group, or answers
// ErrNoSession when the user has none such.
func (a *Accounts) EndSession(ctx context.Context, user, group string) error {
	var idx sessionIndex
	if _, err := a.get(ctx, UserSessionsBucket, user, &idx); errors.Is(err, ErrNotFound) {
		return ErrNoSession
	} else if err != nil {
		return err
	}
	i := slices.IndexFunc(idx.Sessions, func(e indexEntry) bool { return !e.Claim && e.Group == group })
	if i < 0 {
		return ErrNoSession
	}
	return a.endSession(ctx, user, idx.Sessions[i].Key)
}

// EndOtherSessions ends every session of the user key but the one of
// group keep (none when empty) and returns the groups it ended, to close
// their connections.
func (a *Accounts) EndOtherSessions(ctx context.Context, user, keep string) ([]string, error) {
	var ended []indexEntry
	err := a.updateIndex(ctx, user, func(idx *sessionIndex) {
		ended = ended[:0]
		idx.Sessions = slices.DeleteFunc(idx.Sessions, func(e indexEntry) bool {
			if e.Claim || e.Group == keep {
				return false
			}
			ended = append(ended, e)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	groups := make([]string, 0, len(ended))
	var errs []error
	for _, e := range ended {
		groups = append(groups, e.Group)
		errs = append(errs, a.rec.Delete(ctx, SessionsBucket, e.Key))
	}
	return groups, errors.Join(errs...)
}

// endSession removes a session record and its index entry.
func (a *Accounts) endSession(ctx context.Context, user, sk string) error {
	if err := a.rec.Delete(ctx, SessionsBucket, sk); err != nil {
		return err
	}
	return a.updateIndex(ctx, user, func(idx *sessionIndex) {
		idx.Sessions = slices.DeleteFunc(idx.Sessions, func(e indexEntry) bool { return !e.Claim && e.Key == sk })
	})
}

// index adds an entry to the user's sessions, dropping what has surely
// ended and, past SessionLimits.PerUser, the oldest sessions.
func (a *Accounts) index(ctx context.Context, user string, add indexEntry) error {
	var drop []indexEntry
	err := a.updateIndex(ctx, user, func(idx *sessionIndex) {
		drop = drop[:0]
		now := a.now().UnixMilli()
		idx.Sessions = slices.DeleteFunc(idx.Sessions, func(e indexEntry) bool {
			if e.Ends <= now {
				drop = append(drop, e)
				return true
			}
			return false
		})
		idx.Sessions = append(idx.Sessions, add)
		sessions := 0
		for _, e := range idx.Sessions {
			if !e.Claim {
				sessions++
			}
		}
		// The oldest sessions go first: entries are in the order made.
		idx.Sessions = slices.DeleteFunc(idx.Sessions, func(e indexEntry) bool {
			if e.Claim || sessions <= a.limits.PerUser {
				return false
			}
			sessions--
			drop = append(drop, e)
			return true
		})
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range drop {
		bucket := SessionsBucket
		if e.Claim {
			bucket = ClaimsBucket
		}
		errs = append(errs, a.rec.Delete(ctx, bucket, e.Key))
	}
	return errors.Join(errs...)
}

// updateIndex changes the user's sessionIndex with f, compare-and-set.
func (a *Accounts) updateIndex(ctx context.Context, user string, f func(*sessionIndex)) error {
	for attempt := 0; attempt < 8; attempt++ {
		var idx sessionIndex
		rev, err := a.get(ctx, UserSessionsBucket, user, &idx)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		f(&idx)
		data, err := json.Marshal(idx)
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = a.rec.Create(ctx, UserSessionsBucket, user, data)
			if errors.Is(err, ErrExists) {
				continue
			}
		} else {
			_, err = a.rec.Update(ctx, UserSessionsBucket, user, data, rev)
			if errors.Is(err, ErrConflict) {
				continue
			}
		}
		return err
	}
	return errors.New("auth: the user's sessions kept changing")
}
