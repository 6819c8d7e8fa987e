package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/store/memory"
)

// clock is a settable time for the accounts under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClockedAccounts(t *testing.T) (*auth.Accounts, *clock) {
	t.Helper()
	a := auth.NewAccounts(memory.NewRecords())
	c := &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	auth.SetClock(a, c.Now)
	return a, c
}

func visit(t *testing.T, a *auth.Accounts, token string) auth.Session {
	t.Helper()
	s, err := a.Visit(context.Background(), token, auth.Client{Addr: "127.0.0.9", Agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAPlantedTokenDoesNotShareTheAccount: an attacker takes a visitor
// token from the server and plants it in the victim's browser; the victim
// picks a name with it. The planted token holds nothing, cannot claim again
// and is replaced when brought back; only the handover code, which the
// attacker never sees, gives the session.
func TestAPlantedTokenDoesNotShareTheAccount(t *testing.T) {
	ctx := context.Background()
	a, _ := newClockedAccounts(t)
	planted := visit(t, a, "").Token

	victim, code, err := a.Claim(ctx, planted, "Vic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(ctx, planted); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the planted token holds the account: %v", err)
	}
	if s := visit(t, a, planted); !s.Fresh || s.User.Key != "" || s.Token == planted {
		t.Errorf("the planted token after the claim: %+v, want a fresh visitor", s)
	}
	if _, _, err := a.Claim(ctx, planted, "Mallory"); !errors.Is(err, auth.ErrHasName) {
		t.Errorf("the spent token claimed again: %v", err)
	}
	token, u, err := a.Exchange(ctx, code, auth.Client{})
	if err != nil || u != victim {
		t.Fatalf("Exchange = %+v, %v", u, err)
	}
	if s := visit(t, a, token); s.Fresh || s.User != victim || s.Group != a.Group(ctx, planted) {
		t.Errorf("the victim's session: %+v", s)
	}
	if s := visit(t, a, planted); s.User.Key != "" {
		t.Errorf("the planted token after the exchange is %+v", s.User)
	}
}

// TestTokensTheServerDidNotIssueAreReplaced: any value the server did not
// sign, or changed in one character, is a fresh visitor.
func TestTokensTheServerDidNotIssueAreReplaced(t *testing.T) {
	a, _ := newClockedAccounts(t)
	good := visit(t, a, "").Token
	flipped := []byte(good)
	flipped[10] ^= 1
	for _, tt := range []struct{ name, token string }{
		{"empty", ""},
		{"garbage", "not a token"},
		{"old shape", auth.NewToken()},
		{"right length", base64.RawURLEncoding.EncodeToString(make([]byte, 53))},
		{"one byte changed", string(flipped)},
	} {
		if s := visit(t, a, tt.token); !s.Fresh || s.Token == tt.token {
			t.Errorf("%s: kept: %+v", tt.name, s)
		}
	}
	if s := visit(t, a, good); s.Fresh {
		t.Errorf("a visitor token the server issued was replaced")
	}
}

// TestSignedOutTokensAreRefused: a session token signed out (or ended by
// the user elsewhere) gets nothing, even if it is brought back.
func TestSignedOutTokensAreRefused(t *testing.T) {
	ctx := context.Background()
	a, _ := newClockedAccounts(t)
	_, token, err := claim(ctx, a, "Sam")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if s := visit(t, a, token); !s.Fresh || s.User.Key != "" {
		t.Errorf("signed out: %+v", s)
	}
	if _, _, err := a.Claim(ctx, token, "Sammy"); !errors.Is(err, auth.ErrHasName) {
		t.Errorf("a session token claiming: %v", err)
	}
}

func TestTheHandoverCodeWorksOnceAndSoon(t *testing.T) {
	ctx := context.Background()
	a, c := newClockedAccounts(t)
	_, late, err := a.Claim(ctx, visit(t, a, "").Token, "Lee")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(a.SessionLimits().Handover)
	if _, _, err := a.Exchange(ctx, late, auth.Client{}); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a late exchange: %v", err)
	}
	_, code, err := a.Claim(ctx, visit(t, a, "").Token, "Kim")
	if err != nil {
		t.Fatal(err)
	}
	// A code with its last character changed (to one it does not end in).
	other := "A"
	if strings.HasSuffix(code, other) {
		other = "B"
	}
	for _, bad := range []string{"", "junk", visit(t, a, "").Token, code[:len(code)-1] + other} {
		if _, _, err := a.Exchange(ctx, bad, auth.Client{}); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("Exchange(%q) = %v", bad, err)
		}
	}
	if _, _, err := a.Exchange(ctx, code, auth.Client{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Exchange(ctx, code, auth.Client{}); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a second exchange: %v", err)
	}
}

// TestSessionsEndWhenIdleOrOld: a session unused past Idle ends; one used
// all along ends at Lifetime; last use is written at most every UseEvery.
func TestSessionsEndWhenIdleOrOld(t *testing.T) {
	ctx := context.Background()
	a, c := newClockedAccounts(t)
	lim := a.SessionLimits()
	if lim.Idle != 30*24*time.Hour || lim.Lifetime != 180*24*time.Hour {
		t.Fatalf("defaults: %+v", lim)
	}
	_, idle, _ := claim(ctx, a, "Ida")
	u, busy, err := claim(ctx, a, "Bea")
	if err != nil {
		t.Fatal(err)
	}
	start := c.Now()

	c.Add(10 * time.Minute)
	visit(t, a, busy)
	if ss, _ := a.Sessions(ctx, u.Key); len(ss) != 1 || !ss[0].Used.Equal(start) {
		t.Errorf("a use within UseEvery was written: %+v", ss)
	}
	c.Add(lim.UseEvery)
	visit(t, a, busy)
	ss, _ := a.Sessions(ctx, u.Key)
	if len(ss) != 1 || !ss[0].Used.Equal(c.Now()) || ss[0].Browser != "Chrome on Linux" || ss[0].Addr != "127.0.0.9" {
		t.Errorf("the use after UseEvery: %+v", ss)
	}

	for c.Now().Sub(start) < lim.Idle+time.Hour {
		c.Add(24 * time.Hour)
		if s := visit(t, a, busy); s.User != u {
			t.Fatalf("a session in daily use ended after %v", c.Now().Sub(start))
		}
	}
	if s := visit(t, a, idle); s.User.Key != "" {
		t.Errorf("a session idle for %v still holds %+v", c.Now().Sub(start), s.User)
	}
	for c.Now().Sub(start) < lim.Lifetime-24*time.Hour {
		c.Add(24 * time.Hour)
		visit(t, a, busy)
	}
	if s := visit(t, a, busy); s.User != u {
		t.Fatalf("ended before its lifetime")
	}
	c.Add(24 * time.Hour)
	if s := visit(t, a, busy); s.User.Key != "" || !s.Fresh {
		t.Errorf("a session past its lifetime: %+v", s)
	}
	if ss, _ := a.Sessions(ctx, u.Key); len(ss) != 0 {
		t.Errorf("ended sessions listed: %+v", ss)
	}
}

// TestEndingOtherSessions: a user's sessions are listed, one ends by its
// group, and all but one end together (a password change).
func TestEndingOtherSessions(t *testing.T) {
	ctx := context.Background()
	a, _ := newClockedAccounts(t)
	claimWithPassword(t, a, "Pia", "pia's words")
	var tokens []string
	for _, agent := range []string{"Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/130.0 Edg/130.0"} {
		tok, _, err := a.SignIn(ctx, "pia", "pia's words", auth.Client{Addr: "127.0.0.1", Agent: agent})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	ss, err := a.Sessions(ctx, "pia")
	if err != nil || len(ss) != 4 {
		t.Fatalf("Sessions = %+v, %v", ss, err)
	}
	var browsers []string
	for _, s := range ss {
		browsers = append(browsers, s.Browser)
	}
	for _, want := range []string{"Firefox on Linux", "Safari on iOS", "Edge on Windows"} {
		if !strings.Contains(strings.Join(browsers, ","), want) {
			t.Errorf("browsers %v lack %s", browsers, want)
		}
	}
	if err := a.EndSession(ctx, "pia", a.Group(ctx, tokens[0])); err != nil {
		t.Fatal(err)
	}
	if err := a.EndSession(ctx, "someone", a.Group(ctx, tokens[1])); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("ending another user's session: %v", err)
	}
	if _, err := a.Lookup(ctx, tokens[0]); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the ended session: %v", err)
	}
	ended, err := a.EndOtherSessions(ctx, "pia", a.Group(ctx, tokens[2]))
	if err != nil || len(ended) != 2 {
		t.Fatalf("EndOtherSessions = %v, %v", ended, err)
	}
	if _, err := a.Lookup(ctx, tokens[1]); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("another session lived on: %v", err)
	}
	if _, err := a.Lookup(ctx, tokens[2]); err != nil {
		t.Errorf("the kept session ended: %v", err)
	}
	if ss, _ := a.Sessions(ctx, "pia"); len(ss) != 1 {
		t.Errorf("left: %+v", ss)
	}
}

// TestNodesShareTheTokenKey: two Accounts over the same records (two
// nodes on one NATS) accept each other's tokens.
func TestNodesShareTheTokenKey(t *testing.T) {
	ctx := context.Background()
	rec := memory.NewRecords()
	one, two := auth.NewAccounts(rec), auth.NewAccounts(rec)
	v, err := one.Visit(ctx, "", auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := two.Visit(ctx, v.Token, auth.Client{}); err != nil || s.Fresh {
		t.Fatalf("the other node replaced the token: %+v %v", s, err)
	}
	_, code, err := two.Claim(ctx, v.Token, "Nod")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := one.Exchange(ctx, code, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := two.Lookup(ctx, token); err != nil || u.Name != "Nod" {
		t.Fatalf("Lookup on the other node = %+v %v", u, err)
	}
}

func TestBrowser(t *testing.T) {
	for _, tt := range []struct{ ua, want string }{
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36", "Chromium on Linux"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36", "Chrome on Android"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox on Windows"},
		{"Go-http-client/1.1", "Go client"},
		{"", "Unknown browser"},
	} {
		if got := auth.Browser(tt.ua); got != tt.want {
			t.Errorf("Browser(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

// TestAUserKeepsAtMostPerUserSessions: past the bound, a new sign-in ends
// the oldest session.
func TestAUserKeepsAtMostPerUserSessions(t *testing.T) {
	ctx := context.Background()
	a, _ := newClockedAccounts(t)
	a.SetSessionLimits(auth.SessionLimits{PerUser: 3})
	claimWithPassword(t, a, "Max", "max's words!")
	var tokens []string
	for range 4 {
		tok, _, err := a.SignIn(ctx, "max", "max's words!", auth.Client{Addr: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	if ss, _ := a.Sessions(ctx, "max"); len(ss) != 3 {
		t.Errorf("%d sessions, want 3", len(ss))
	}
	if _, err := a.Lookup(ctx, tokens[0]); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the oldest sign-in lives on: %v", err)
	}
	if _, err := a.Lookup(ctx, tokens[3]); err != nil {
		t.Errorf("the newest: %v", err)
	}
}

// TestUnusedNamesWithoutPasswordAreReleased: a name without a password
// whose sessions all went unused for SessionLimits.Release may be claimed
// again, by a new user with a key of its own, so that nothing of the
// earlier owner's (whose token then holds nothing) is the new owner's. A
// name with a password, or one in use, is never released.
func TestUnusedNamesWithoutPasswordAreReleased(t *testing.T) {
	ctx := context.Background()
	a, c := newClockedAccounts(t)
	lim := a.SessionLimits()
	if lim.Release != 30*24*time.Hour {
		t.Fatalf("the default release is %v, not 30 days", lim.Release)
	}
	first, token, err := claim(ctx, a, "Ann")
	if err != nil {
		t.Fatal(err)
	}
	claimWithPassword(t, a, "Pat", "correct horse battery")
	busy, busyToken, err := claim(ctx, a, "Bea")
	if err != nil {
		t.Fatal(err)
	}

	// Bea's page is open every day.
	pass := func(d time.Duration) {
		t.Helper()
		for end := c.Now().Add(d); c.Now().Before(end); {
			c.Add(min(24*time.Hour, end.Sub(c.Now())))
			if s := visit(t, a, busyToken); s.User != busy {
				t.Fatalf("Bea's session in daily use ended: %+v", s)
			}
		}
	}

	pass(lim.Release - time.Hour)
	if _, _, err := claim(ctx, a, "ann"); !errors.Is(err, auth.ErrNameTaken) {
		t.Fatalf("claiming a name unused for less than the release period: %v", err)
	}
	// A use starts the period again.
	if s := visit(t, a, token); s.User != first {
		t.Fatalf("Ann's session ended early: %+v", s)
	}
	pass(lim.Release - time.Hour)
	if _, _, err := claim(ctx, a, "Ann"); !errors.Is(err, auth.ErrNameTaken) {
		t.Fatalf("claiming a name used %v ago: %v", lim.Release-time.Hour, err)
	}
	pass(3 * 24 * time.Hour)

	second, secondToken, err := claim(ctx, a, "ANN")
	if err != nil {
		t.Fatalf("claiming a name unused for %v: %v", lim.Release+2*24*time.Hour, err)
	}
	if second.Key == first.Key || second.Key != "ann~2" || second.Name != "ANN" {
		t.Fatalf("the new owner is %+v; the first was %+v", second, first)
	}
	if s := visit(t, a, token); s.User.Key != "" || !s.Fresh {
		t.Errorf("the earlier owner's token still holds %+v", s.User)
	}
	if _, err := a.Lookup(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("looking up the earlier owner's token: %v", err)
	}
	if ss, err := a.Sessions(ctx, first.Key); err != nil || len(ss) != 0 {
		t.Errorf("the earlier owner's sessions: %+v, %v", ss, err)
	}
	if err := a.SetPassword(ctx, first.Key, "", "a new password"); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("setting the earlier owner's password: %v", err)
	}
	if u, err := a.Find(ctx, "Ann"); err != nil || u != second {
		t.Errorf("Find(Ann) = %+v, %v; want the new owner", u, err)
	}
	if u, err := a.Lookup(ctx, secondToken); err != nil || u != second {
		t.Errorf("the new owner's session holds %+v, %v", u, err)
	}
	// The look of the name is the new owner's now.
	if _, _, err := claim(ctx, a, "\u0391\u039d\u039d"); !errors.Is(err, auth.ErrLooksTaken) {
		t.Errorf("a Greek look-alike (ΑΝΝ) after the release: %v", err)
	}
	// Neither a name with a password nor one in daily use went.
	if _, _, err := claim(ctx, a, "Pat"); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("claiming a name with a password: %v", err)
	}
	if _, _, err := claim(ctx, a, "Bea"); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("claiming a name in use: %v", err)
	}

	// Released again, the name has a third owner.
	pass(lim.Release)
	third, _, err := claim(ctx, a, "Ann")
	if err != nil || third.Key != "ann~3" {
		t.Fatalf("the third claim: %+v, %v", third, err)
	}
	if _, err := a.Lookup(ctx, secondToken); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the second owner's token after the third claim: %v", err)
	}
}

// laggingAccounts is records whose account reads miss a number of times,
// as a replica that has not seen the account's write yet would.
type laggingAccounts struct {
	auth.Records
	mu     sync.Mutex
	misses int
}

func (r *laggingAccounts) Get(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	r.mu.Lock()
	miss := bucket == auth.AccountsBucket && r.misses > 0
	if miss {
		r.misses--
	}
	r.mu.Unlock()
	if miss {
		return nil, 0, auth.ErrNotFound
	}
	return r.Records.Get(ctx, bucket, key)
}

// TestExchangeKeepsTheCodeWhenTheAccountReadFails: a handover whose
// account read fails leaves the code unspent, so the next try gets the
// session and the person keeps the name they picked.
func TestExchangeKeepsTheCodeWhenTheAccountReadFails(t *testing.T) {
	ctx := context.Background()
	rec := &laggingAccounts{Records: memory.NewRecords()}
	a := auth.NewAccounts(rec)
	v := visit(t, a, "")
	picked, code, err := a.Claim(ctx, v.Token, "Nia")
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	rec.misses = 1
	rec.mu.Unlock()
	if _, _, err := a.Exchange(ctx, code, auth.Client{}); err == nil {
		t.Fatal("the exchange succeeded although the account could not be read")
	}
	token, u, err := a.Exchange(ctx, code, auth.Client{})
	if err != nil || u != picked {
		t.Fatalf("the second try: %+v, %v; want %+v with the code still good", u, err, picked)
	}
	if s := visit(t, a, token); s.User != picked {
		t.Errorf("the session holds %+v, want %+v", s.User, picked)
	}
}
