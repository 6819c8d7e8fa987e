package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	jose "github.com/go-jose/go-jose/v4"
)

// testProvider is a small but real OpenID Connect provider on loopback:
// discovery, its keys (JWKS), the authorization endpoint (which signs in
// person at once, as if they had typed their password) and the token
// endpoint, which checks the client's secret, the code (once), the
// redirect URI and the PKCE verifier, and returns an ID token signed with
// its key. A test can make it misbehave as an attacker or a broken
// provider would: sign with a key it does not publish, name another
// audience, send an expired token.
//
// It is written here rather than built from github.com/zitadel/oidc's
// op package because those misbehaviours are what the tests need, and a
// conforming provider cannot produce them; zitadel's also wants a storage
// of users, clients and keys, and a login UI to drive.
type testProvider struct {
	t      *testing.T
	srv    *httptest.Server
	Issuer string

	ClientID, Secret string

	mu     sync.Mutex
	person testPerson            // who signs in next
	codes  map[string]*testGrant // issued codes
	Forge  bool                  // sign with a key the provider does not publish
	Aud    string                // the audience, when not the client's
	Expire bool                  // an ID token that expired an hour ago
	Nonce  string                // the nonce, when not the one asked for (a token of another sign-in)
	tokens int                   // codes traded for tokens
}

// testPerson is who signs in at the provider.
type testPerson struct {
	Sub      string
	Username string
	Name     string
	Email    string
	Verified bool
	Groups   []string
}

type testGrant struct {
	person              testPerson
	nonce, challenge    string
	redirect, clientID  string
	used                bool
	forge, expire       bool
	aud, badNonce       string
	challengeMethodS256 bool
}

// Keys of the provider: generating RSA keys is slow under -race, so every
// test shares them.
var (
	providerKeysOnce sync.Once
	providerKey      *rsa.PrivateKey // published
	forgerKey        *rsa.PrivateKey // not published
)

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	providerKeysOnce.Do(func() {
		var err error
		if providerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if forgerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	p := &testProvider{t: t, ClientID: "chat-client", Secret: "chat-secret", codes: map[string]*testGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /keys", p.keys)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.Issuer = p.srv.URL
	return p
}

// SignsIn sets who signs in next.
func (p *testProvider) SignsIn(person testPerson) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person = person
}

// Tokens returns how many codes were traded for tokens.
func (p *testProvider) Tokens() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokens
}

func (p *testProvider) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"jwks_uri":                              p.Issuer + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *testProvider) keys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &providerKey.PublicKey, KeyID: "key-1", Algorithm: "RS256", Use: "sig"},
	}})
}

// authorize signs the person in at once and sends the browser back with
// a code.
func (p *testProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != p.ClientID || q.Get("redirect_uri") == "" ||
		!slices.Contains(strings.Fields(q.Get("scope")), "openid") || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	code := rand.Text()
	p.codes[code] = &testGrant{person: p.person, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		challengeMethodS256: q.Get("code_challenge_method") == "S256",
		redirect:            q.Get("redirect_uri"), clientID: q.Get("client_id"), forge: p.Forge, expire: p.Expire, aud: p.Aud, badNonce: p.Nonce}
	p.mu.Unlock()
	to, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := to.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	to.RawQuery = back.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// token trades a code for an ID token, once, for the client that asked
// for it, with the PKCE verifier of its challenge.
func (p *testProvider) token(w http.ResponseWriter, r *http.Request) {
	fail := func(why string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": why})
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != p.ClientID || secret != p.Secret {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.codes[r.PostFormValue("code")]
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code":
		fail("grant_type")
		return
	case g == nil || g.used:
		fail("unknown or used code")
		return
	case g.clientID != id || g.redirect != r.PostFormValue("redirect_uri"):
		fail("the code is another client's or redirect's")
		return
	case !g.challengeMethodS256 || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		fail("PKCE verifier does not match")
		return
	}
	g.used = true
	p.tokens++
	now := time.Now()
	exp := now.Add(time.Hour)
	if g.expire {
		now, exp = now.Add(-2*time.Hour), now.Add(-time.Hour)
	}
	aud := p.ClientID
	if g.aud != "" {
		aud = g.aud
	}
	nonce := g.nonce
	if g.badNonce != "" {
		nonce = g.badNonce
	}
	claims := map[string]any{"iss": p.Issuer, "sub": g.person.Sub, "aud": aud, "iat": now.Unix(), "exp": exp.Unix(), "nonce": nonce}
	for k, v := range map[string]string{"preferred_username": g.person.Username, "name": g.person.Name, "email": g.person.Email} {
		if v != "" {
			claims[k] = v
		}
	}
	if g.person.Email != "" {
		claims["email_verified"] = g.person.Verified
	}
	if g.person.Groups != nil {
		claims["groups"] = g.person.Groups
	}
	body, _ := json.Marshal(claims)
	key := providerKey
	if g.forge {
		key = forgerKey
	}
	idToken := oidctest.SignIDToken(key, "key-1", "RS256", string(body))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}
