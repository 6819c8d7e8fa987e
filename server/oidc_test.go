package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// ssoServer starts a chat server that signs people in with p, with more
// configured by more.
func ssoServer(t *testing.T, p *testProvider, more func(*server.OIDCOptions)) *chattest.Server {
	t.Helper()
	opts := fast()
	opts.OIDC = server.OIDCOptions{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.Secret, Label: "Test ID"}
	if more != nil {
		more(&opts.OIDC)
	}
	return chattest.New(t, opts)
}

// webClient is an HTTP client with a cookie jar that follows redirects, as a
// browser does.
func webClient(t *testing.T, jar http.CookieJar) *http.Client {
	t.Helper()
	if jar == nil {
		jar = chattest.NewJar()
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr}
}

// load loads url and returns where the browser ended up, the status and
// the page.
func load(t *testing.T, c *http.Client, u string) (*url.URL, int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Request.URL, resp.StatusCode, string(body)
}

// ssoSignIn signs the browser in at the provider from the chat's button
// and returns where it ended up, the status and the page.
func ssoSignIn(t *testing.T, s *chattest.Server, c *http.Client) (*url.URL, int, string) {
	t.Helper()
	return load(t, c, s.URL+chat.SSOStartPath)
}

// welcomeOf connects the browser and returns its Welcome.
func welcomeOf(t *testing.T, s *chattest.Server, c *http.Client) *chat.Welcome {
	t.Helper()
	ws := s.Dial(t, c.Jar)
	defer ws.Conn.CloseNow()
	return chattest.Expect(ws, func(*chat.Welcome) bool { return true })
}

// TestSSOFirstSignInMakesTheAccountAndTheNextFindsIt: a first sign-in at
// the provider makes the account from preferred_username and opens the
// chat with a session cookie the websocket takes; a sign-in from another
// browser lands on the same account.
func TestSSOFirstSignInMakesTheAccountAndTheNextFindsIt(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, nil)
	p.SignsIn(testPerson{Sub: "ann-at-idp", Username: "Ann", Email: "ann@example.com", Verified: true})

	first := webClient(t, nil)
	where, status, _ := ssoSignIn(t, s, first)
	if status != http.StatusOK || where.Path != "/" || where.Host != strings.TrimPrefix(s.URL, "http://") {
		t.Fatalf("the sign-in ended at %v with %d, want the chat's page", where, status)
	}
	w := welcomeOf(t, s, first)
	if w.NeedName || w.Me != "Ann" || !w.SSO || w.Password {
		t.Fatalf("after signing in, the Welcome is %+v; want Ann's, linked, without a password", w)
	}
	if w.Limits.SSO != "Test ID" || w.Limits.NoPasswords {
		t.Errorf("the Welcome's limits say SSO %q, no passwords %v; want Test ID, false", w.Limits.SSO, w.Limits.NoPasswords)
	}

	second := webClient(t, nil)
	if where, status, _ := ssoSignIn(t, s, second); status != http.StatusOK || where.Path != "/" {
		t.Fatalf("the second sign-in ended at %v with %d", where, status)
	}
	if w := welcomeOf(t, s, second); w.NeedName || w.Me != "Ann" {
		t.Fatalf("the second browser's Welcome is %+v; want Ann's account", w)
	}
	if p.Tokens() != 2 {
		t.Errorf("the provider traded %d codes; want 2", p.Tokens())
	}
	// Both are sessions of Ann's, as a password sign-in makes: listed, and
	// signed out everywhere like any other.
	if n := len(devices(t, s, first.Jar)); n != 2 {
		t.Errorf("Ann has %d signed-in devices; want 2", n)
	}
}

// TestSSORefusesTokensThatDoNotVerify: an ID token signed with a key the
// provider does not publish, one for another audience, an expired one and
// one with another sign-in's nonce are refused, and the browser is left without a session.
func TestSSORefusesTokensThatDoNotVerify(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, nil)
	p.SignsIn(testPerson{Sub: "mallory", Username: "mallory"})
	for _, tc := range []struct {
		name string
		set  func()
	}{
		{"forged signature", func() { p.Forge = true }},
		{"wrong audience", func() { p.Aud = "another-client" }},
		{"expired", func() { p.Expire = true }},
		{"another sign-in's nonce", func() { p.Nonce = "from-another-sign-in" }},
	} {
		p.mu.Lock()
		p.Forge, p.Aud, p.Expire, p.Nonce = false, "", false, ""
		tc.set()
		p.mu.Unlock()
		c := webClient(t, nil)
		where, status, page := ssoSignIn(t, s, c)
		if status != http.StatusForbidden || !strings.Contains(page, "could not be verified") {
			t.Errorf("%s: the sign-in ended at %v with %d, want 403 «could not be verified»", tc.name, where, status)
		}
		if w := welcomeOf(t, s, c); !w.NeedName {
			t.Errorf("%s: the browser is signed in as %q", tc.name, w.Me)
		}
	}
	p.mu.Lock()
	p.Forge, p.Aud, p.Expire, p.Nonce = false, "", false, ""
	p.mu.Unlock()
	if _, status, _ := ssoSignIn(t, s, webClient(t, nil)); status != http.StatusOK {
		t.Fatalf("an honest sign-in after them answered %d", status)
	}
}

// TestSSORefusesAReplayedCallback: the provider's answer, replayed with
// the browser's attempt cookie as it was (whoever copied both), is refused
// before the code is traded again; without the cookie too.
func TestSSORefusesAReplayedCallback(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, nil)
	p.SignsIn(testPerson{Sub: "ann-at-idp", Username: "ann"})

	c := webClient(t, nil)
	var callback *url.URL
	var attempt []*http.Cookie
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/auth/oidc/callback" {
			callback = req.URL
			attempt = c.Jar.Cookies(req.URL)
		}
		return nil
	}
	if _, status, _ := ssoSignIn(t, s, c); status != http.StatusOK || callback == nil {
		t.Fatalf("the sign-in answered %d (callback %v)", status, callback)
	}
	tokens := p.Tokens()

	replay := webClient(t, nil)
	replay.Jar.SetCookies(callback, attempt)
	if _, status, page := load(t, replay, callback.String()); status != http.StatusBadRequest || !strings.Contains(page, "used already") {
		t.Errorf("the replayed callback with its cookie answered %d %q; want 400 «used already»", status, page)
	}
	if _, status, _ := load(t, webClient(t, nil), callback.String()); status != http.StatusBadRequest {
		t.Errorf("the replayed callback without a cookie answered %d; want 400", status)
	}
	if p.Tokens() != tokens {
		t.Errorf("a replay traded the code again")
	}
	if w := welcomeOf(t, s, replay); !w.NeedName {
		t.Errorf("the replaying browser is signed in as %q", w.Me)
	}
	// A state made up by the browser is refused too.
	forged := *callback
	q := forged.Query()
	q.Set("state", "made-up")
	forged.RawQuery = q.Encode()
	again := webClient(t, nil)
	again.Jar.SetCookies(callback, attempt)
	if _, status, _ := load(t, again, forged.String()); status != http.StatusBadRequest {
		t.Errorf("a made-up state answered %d; want 400", status)
	}
}

// TestSSOAdmitsOnlyAllowedDomainsAndGroups: with allowed domains and
// groups, a person whose verified email is elsewhere, whose email is not
// verified, or who is in no allowed group is refused.
func TestSSOAdmitsOnlyAllowedDomainsAndGroups(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, func(o *server.OIDCOptions) {
		o.AllowedDomains = []string{"example.com"}
		o.AllowedGroups = []string{"staff"}
	})
	for _, tc := range []struct {
		person testPerson
		want   int
	}{
		{testPerson{Sub: "1", Username: "eve", Email: "eve@evil.example", Verified: true, Groups: []string{"staff"}}, http.StatusForbidden},
		{testPerson{Sub: "2", Username: "eve", Email: "eve@example.com", Verified: false, Groups: []string{"staff"}}, http.StatusForbidden},
		{testPerson{Sub: "3", Username: "eve", Email: "eve@example.com", Verified: true, Groups: []string{"guests"}}, http.StatusForbidden},
		{testPerson{Sub: "4", Username: "eve", Email: "eve@example.com", Verified: true}, http.StatusForbidden},
		{testPerson{Sub: "5", Username: "ann", Email: "ann@EXAMPLE.com", Verified: true, Groups: []string{"guests", "staff"}}, http.StatusOK},
	} {
		p.SignsIn(tc.person)
		c := webClient(t, nil)
		if _, status, page := ssoSignIn(t, s, c); status != tc.want {
			t.Errorf("%+v: the sign-in answered %d, want %d: %s", tc.person, status, tc.want, page)
		}
		if w := welcomeOf(t, s, c); w.NeedName != (tc.want != http.StatusOK) {
			t.Errorf("%+v: signed in as %q", tc.person, w.Me)
		}
	}
}

// TestSSOTakenNameAsksForAnother: when the provider's name is someone
// else's here, the person is asked for another name (never given the
// other account), and the account they make is theirs at the next
// sign-in.
func TestSSOTakenNameAsksForAnother(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, nil)
	s.User(t, "ann") // a visitor picked "ann" here
	p.SignsIn(testPerson{Sub: "ann-at-idp", Username: "ANN", Email: "ann@example.com", Verified: true})

	c := webClient(t, nil)
	where, status, page := ssoSignIn(t, s, c)
	if status != http.StatusOK || where.Path != "/auth/oidc/name" || !strings.Contains(page, "belongs to someone else") || !strings.Contains(page, `id="sso-name-form"`) {
		t.Fatalf("a taken name ended at %v with %d: %s", where, status, page)
	}
	if w := welcomeOf(t, s, c); !w.NeedName {
		t.Fatalf("the browser holds %q's account before picking a name", w.Me)
	}
	post := func(name string) (*url.URL, int, string) {
		req, _ := http.NewRequest("POST", s.URL+"/auth/oidc/name", strings.NewReader(url.Values{"name": {name}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Request.URL, resp.StatusCode, string(body)
	}
	if _, status, page := post("Ann"); status != http.StatusConflict || !strings.Contains(page, "belongs to someone else") {
		t.Errorf("picking the taken name again answered %d: %s", status, page)
	}
	if where, status, _ := post("ann-b"); status != http.StatusOK || where.Path != "/" {
		t.Fatalf("picking a free name ended at %v with %d", where, status)
	}
	if w := welcomeOf(t, s, c); w.NeedName || w.Me != "ann-b" {
		t.Fatalf("after picking a name the Welcome is %+v", w)
	}
	again := webClient(t, nil)
	if _, status, _ := ssoSignIn(t, s, again); status != http.StatusOK {
		t.Fatalf("the next sign-in answered %d", status)
	}
	if w := welcomeOf(t, s, again); w.Me != "ann-b" {
		t.Fatalf("the next sign-in is %q; want ann-b", w.Me)
	}
	// The pending identity was spent: the name form cannot make a second
	// account.
	if _, status, _ := post("ann-c"); status != http.StatusBadRequest {
		t.Errorf("a second account from the same sign-in answered %d; want 400", status)
	}
}

// TestSSOLinksAnExistingAccountOnce: a signed-in account links the
// provider's identity, which then signs into it; a second identity is
// refused, and so is linking without a session.
func TestSSOLinksAnExistingAccountOnce(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, nil)
	bob := s.User(t, "bob")
	c := webClient(t, bob.Jar)
	p.SignsIn(testPerson{Sub: "bob-at-idp", Username: "robert"})
	if where, status, page := load(t, c, s.URL+chat.SSOStartPath+"?link=1"); status != http.StatusOK || where.Path != "/" {
		t.Fatalf("linking ended at %v with %d: %s", where, status, page)
	}
	other := webClient(t, nil)
	if _, status, _ := ssoSignIn(t, s, other); status != http.StatusOK {
		t.Fatalf("signing in with the linked identity answered %d", status)
	}
	if w := welcomeOf(t, s, other); w.Me != "bob" || !w.SSO {
		t.Fatalf("the linked identity signed into %+v; want bob, linked", w)
	}
	p.SignsIn(testPerson{Sub: "someone-else", Username: "robert2"})
	if _, status, _ := load(t, c, s.URL+chat.SSOStartPath+"?link=1"); status != http.StatusConflict {
		t.Errorf("linking a second identity answered %d; want 409", status)
	}
	if _, status, _ := load(t, webClient(t, nil), s.URL+chat.SSOStartPath+"?link=1"); status != http.StatusUnauthorized {
		t.Errorf("linking without a session answered %d; want 401", status)
	}
}

// TestSSOCanTurnPasswordsOff: with local passwords off, /api/signin is
// refused (a right password too) and the Welcome says so.
func TestSSOCanTurnPasswordsOff(t *testing.T) {
	p := newTestProvider(t)
	s := ssoServer(t, p, func(o *server.OIDCOptions) { o.NoLocalPasswords = true })
	userWithPassword(t, s, "carol", "carol's own words")
	c := webClient(t, nil)
	if status := signIn(t, s, c, "carol", "carol's own words"); status != http.StatusForbidden {
		t.Errorf("a password sign-in answered %d; want 403", status)
	}
	if w := welcomeOf(t, s, c); !w.Limits.NoPasswords || w.Limits.SSO != "Test ID" {
		t.Errorf("the Welcome's limits are %+v", w.Limits)
	}
}

// TestSSOCallbackOnAnotherNode: the sign-in starts on one node of a
// cluster and the provider's answer reaches another (a balancer in
// between): the attempt's cookie is checked there with the key they
// share, and the session works on either node; a replay on the first
// node is refused, the state having been spent on the second.
func TestSSOCallbackOnAnotherNode(t *testing.T) {
	p := newTestProvider(t)
	_, natsURL := chattest.NATS(t, t.TempDir())
	tune := func(o *server.Options) {
		o.OIDC = server.OIDCOptions{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.Secret}
	}
	a, _ := startNode(t, []string{natsURL}, 1, tune)
	b, _ := startNode(t, []string{natsURL}, 1, tune)
	p.SignsIn(testPerson{Sub: "dan-at-idp", Username: "dan@acme.example"}) // an address, as Entra gives: its local part names the account

	c := webClient(t, nil)
	var callback string
	var attempt []*http.Cookie
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/auth/oidc/callback" {
			req.URL.Host = strings.TrimPrefix(b.URL, "http://") // the balancer picks b
			callback, attempt = req.URL.String(), c.Jar.Cookies(req.URL)
		}
		return nil
	}
	where, status, page := ssoSignIn(t, a, c)
	if status != http.StatusOK || where.Host != strings.TrimPrefix(b.URL, "http://") || where.Path != "/" {
		t.Fatalf("the sign-in ended at %v with %d: %s", where, status, page)
	}
	for i, node := range []*chattest.Server{a, b} {
		if w := welcomeOf(t, node, c); w.Me != "dan" {
			t.Errorf("node %d welcomes %+v; want dan", i, w)
		}
	}
	replayed, _ := url.Parse(strings.Replace(callback, strings.TrimPrefix(b.URL, "http://"), strings.TrimPrefix(a.URL, "http://"), 1))
	replay := webClient(t, nil)
	replay.Jar.SetCookies(replayed, attempt)
	if _, status, page := load(t, replay, replayed.String()); status != http.StatusBadRequest || !strings.Contains(page, "used already") {
		t.Errorf("the callback replayed on the first node with its cookie answered %d; want 400 «used already»", status)
	}
}

// TestSSOAdminNeedsNoPassword: an admin's name linked to single sign-on
// moderates without a password, since such a name is never released.
func TestSSOAdminNeedsNoPassword(t *testing.T) {
	p := newTestProvider(t)
	opts := withAdmins("root")
	opts.OIDC = server.OIDCOptions{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.Secret}
	s := chattest.New(t, opts)
	ann := s.User(t, "ann")
	room(t, ann, "den")
	p.SignsIn(testPerson{Sub: "root-at-idp", Username: "root"})
	c := webClient(t, nil)
	if _, status, _ := ssoSignIn(t, s, c); status != http.StatusOK {
		t.Fatalf("the admin's sign-in answered %d", status)
	}
	root := s.Dial(t, c.Jar)
	chattest.Expect(root, func(w *chat.Welcome) bool { return w.Me == "root" })
	if got := room(t, root, "den"); !got.Moderator {
		t.Fatalf("the admin signed in with single sign-on does not moderate: %+v", got.ConvInfo)
	}
}
