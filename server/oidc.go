package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
)

// Single sign-on with an OpenID Connect provider (docs/sso.md): the
// authorization code flow with PKCE. GET /auth/oidc/start sends the browser
// to the provider with a fresh state, nonce and PKCE verifier, which a
// signed, HttpOnly cookie keeps for ten minutes (signed with the key every
// node shares, so the callback may land on any node); GET
// /auth/oidc/callback checks the state (and spends it, once), trades the
// code for tokens with the verifier, verifies the ID token against the
// provider's keys (issuer, audience, expiry, nonce), applies the allowed
// domains and groups, and ends like a password sign-in: a new session
// cookie. A first sign-in makes the account; when its name is someone
// else's, /auth/oidc/name asks for another one.

// OIDCOptions configure sign-in with an OpenID Connect provider; it is off
// while Issuer is empty.
type OIDCOptions struct {
	// Issuer is the provider's issuer URL, whose
	// /.well-known/openid-configuration describes it.
	Issuer string
	// ClientID and ClientSecret are this server's at the provider.
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback the provider sends the browser back to,
	// registered there. Defaults to /auth/oidc/callback on the scheme and
	// host the browser reached the server by.
	RedirectURL string
	// Label names the provider on the sign-in button ("Sign in with
	// Label"). Defaults to the issuer's host.
	Label string
	// NameClaim is the ID token's claim that gives a new account's name.
	// Defaults to preferred_username; when it is missing, name, then the
	// local part of email are used.
	NameClaim string
	// AllowedDomains, when not empty, admit only people whose verified
	// email is at one of these domains.
	AllowedDomains []string
	// AllowedGroups, when not empty, admit only people whose GroupsClaim
	// holds one of these groups.
	AllowedGroups []string
	// GroupsClaim is the claim that lists a person's groups. Defaults to
	// groups.
	GroupsClaim string
	// NoLocalPasswords refuses signing in with a password: only the
	// provider signs people in.
	NoLocalPasswords bool
	// HTTPClient talks to the provider. Defaults to a client with a
	// 10-second timeout.
	HTTPClient *http.Client
}

// On reports whether single sign-on is configured.
func (o OIDCOptions) On() bool { return o.Issuer != "" }

func (o *OIDCOptions) setDefaults() {
	if !o.On() {
		return
	}
	if o.Label == "" {
		if u, err := url.Parse(o.Issuer); err == nil && u.Host != "" {
			o.Label = u.Host
		} else {
			o.Label = o.Issuer
		}
	}
	if o.NameClaim == "" {
		o.NameClaim = "preferred_username"
	}
	if o.GroupsClaim == "" {
		o.GroupsClaim = "groups"
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
}

// Paths of single sign-on.
const (
	oidcStartPath    = chat.SSOStartPath
	oidcCallbackPath = "/auth/oidc/callback"
	oidcNamePath     = "/auth/oidc/name"
)

// Cookies of single sign-on, scoped to /auth/oidc/: the attempt under way,
// and the identity waiting for a name.
const (
	oidcAttemptCookie = "chat_oidc"
	oidcPendingCookie = "chat_oidc_name"
	oidcCookiePath    = "/auth/oidc/"
)

// oidcAttemptAge bounds a sign-in at the provider; oidcPendingAge the
// choice of a name after it.
const (
	oidcAttemptAge = 10 * time.Minute
	oidcPendingAge = 15 * time.Minute
)

// oidcAttempt is what the attempt cookie holds, sealed.
type oidcAttempt struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Redirect string `json:"r"`
	Link     bool   `json:"l,omitempty"`
	Expires  int64  `json:"e"` // Unix ms
}

// oidcPending is what the pending cookie holds, sealed: an identity the
// provider vouched for, with no account yet, and the name it suggested.
type oidcPending struct {
	auth.Identity
	Name    string `json:"name"`
	Why     string `json:"why,omitempty"` // why the name cannot be had
	Expires int64  `json:"e"`             // Unix ms
}

// sso is the server's single sign-on: the provider, discovered at first
// use (and again after a failure).
type sso struct {
	opts OIDCOptions

	mu       sync.Mutex
	provider *oidc.Provider
}

// discover returns the provider, looking it up the first time.
func (o *sso) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.opts.HTTPClient), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.opts.Issuer)
	if err != nil {
		return nil, err
	}
	// The keys are fetched later with a context of their own; the client
	// stays the configured one.
	o.provider = p
	return p, nil
}

// config is the OAuth 2 configuration for a callback URL.
func (o *sso) config(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     o.opts.ClientID,
		ClientSecret: o.opts.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  redirect,
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}
}

// routeSSO adds the routes of single sign-on when it is on.
func (s *Server) routeSSO() {
	if s.sso == nil {
		return
	}
	s.mux.HandleFunc("GET "+oidcStartPath, s.serveOIDCStart)
	s.mux.HandleFunc("GET "+oidcCallbackPath, s.serveOIDCCallback)
	s.mux.HandleFunc("GET "+oidcNamePath, s.serveOIDCNameForm)
	s.mux.HandleFunc("POST "+oidcNamePath, sameOrigin(s.serveOIDCName))
}

// randomText returns n random bytes, base64url.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// serveOIDCStart sends the browser to the provider. With ?link=1 the
// identity it comes back with is linked to the signed-in account.
func (s *Server) serveOIDCStart(w http.ResponseWriter, r *http.Request) {
	link := r.URL.Query().Get("link") != ""
	if link {
		if _, err := s.sessionUser(r); err != nil {
			s.ssoPage(w, http.StatusUnauthorized, ssoPage{Error: "Sign in first, then link single sign-on from Account."})
			return
		}
	}
	p, err := s.sso.discover(r.Context())
	if err != nil {
		s.log.Error("single sign-on: the provider could not be reached", "issuer", s.sso.opts.Issuer, "err", err)
		s.ssoPage(w, http.StatusBadGateway, ssoPage{Error: "The sign-in provider cannot be reached right now; try again in a minute."})
		return
	}
	redirect := s.sso.opts.RedirectURL
	if redirect == "" {
		scheme := "http"
		if s.edge.Secure(r) {
			scheme = "https"
		}
		redirect = scheme + "://" + r.Host + oidcCallbackPath
	}
	a := oidcAttempt{State: randomText(24), Nonce: randomText(24), Verifier: oauth2.GenerateVerifier(),
		Redirect: redirect, Link: link, Expires: time.Now().Add(oidcAttemptAge).UnixMilli()}
	if err := s.setSealed(w, r, oidcAttemptCookie, a, oidcAttemptAge); err != nil {
		s.log.Error("single sign-on: sealing the attempt failed", "err", err)
		s.ssoPage(w, http.StatusInternalServerError, ssoPage{Error: "The server could not start the sign-in; try again."})
		return
	}
	to := s.sso.config(p, redirect).AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier))
	http.Redirect(w, r, to, http.StatusFound)
}

// sessionUser returns the user of the request's session cookie.
func (s *Server) sessionUser(r *http.Request) (auth.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.User{}, auth.ErrNoSession
	}
	return s.accounts.Lookup(r.Context(), c.Value)
}

// serveOIDCCallback finishes a sign-in at the provider.
func (s *Server) serveOIDCCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Each answer costs a write and a request to the provider: as many as
	// sign-ins with a password from one address.
	if !s.signIns.allow(s.clientAddr(r), time.Now()) {
		s.ssoPage(w, http.StatusTooManyRequests, ssoPage{Error: "Too many sign-in attempts from your address; wait a minute."})
		return
	}
	var a oidcAttempt
	ok := s.readSealed(r, oidcAttemptCookie, &a)
	s.clearSealed(w, r, oidcAttemptCookie)
	q := r.URL.Query()
	state := q.Get("state")
	switch {
	case !ok || time.Now().UnixMilli() >= a.Expires || state == "" ||
		subtle.ConstantTimeCompare([]byte(state), []byte(a.State)) != 1:
		s.ssoPage(w, http.StatusBadRequest, ssoPage{Error: "This sign-in is not one this browser started, or it took too long. Start again."})
		return
	case q.Get("error") != "":
		s.ssoPage(w, http.StatusForbidden, ssoPage{Error: "The sign-in provider did not sign you in: " + q.Get("error") + "."})
		return
	}
	if err := s.accounts.Spend(ctx, a.State); errors.Is(err, auth.ErrExists) {
		s.ssoPage(w, http.StatusBadRequest, ssoPage{Error: "This sign-in was used already. Start again."})
		return
	} else if err != nil {
		s.ssoFailed(w, "spending the state", err)
		return
	}
	p, err := s.sso.discover(ctx)
	if err != nil {
		s.ssoFailed(w, "reaching the provider", err)
		return
	}
	pctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, s.sso.opts.HTTPClient), 15*time.Second)
	defer cancel()
	tok, err := s.sso.config(p, a.Redirect).Exchange(pctx, q.Get("code"), oauth2.VerifierOption(a.Verifier))
	if err != nil {
		s.log.Warn("single sign-on: the code was refused", "err", err)
		s.ssoPage(w, http.StatusForbidden, ssoPage{Error: "The sign-in provider refused this sign-in. Start again."})
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: s.sso.opts.ClientID}).Verify(pctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.Nonce)) != 1 {
		if err == nil {
			err = errors.New("the nonce does not match")
		}
		s.log.Warn("single sign-on: an ID token was refused", "err", err)
		s.ssoPage(w, http.StatusForbidden, ssoPage{Error: "The sign-in could not be verified. Start again."})
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.ssoFailed(w, "reading the claims", err)
		return
	}
	if why := s.sso.refuse(claims); why != "" {
		s.ssoPage(w, http.StatusForbidden, ssoPage{Error: why})
		return
	}
	id := auth.Identity{Issuer: idt.Issuer, Subject: idt.Subject}
	if a.Link {
		s.ssoLink(w, r, id)
		return
	}
	device := deviceToken(r)
	token, _, err := s.accounts.SignInLinked(ctx, id, auth.Client{Addr: s.clientAddr(r), Device: device, Agent: r.UserAgent()})
	switch {
	case err == nil:
		s.ssoSignedIn(w, r, token, device)
		return
	case errors.Is(err, auth.ErrDisabled):
		s.ssoPage(w, http.StatusForbidden, ssoPage{Error: "An admin disabled this account."})
		return
	case !errors.Is(err, auth.ErrNotLinked):
		s.ssoFailed(w, "signing in", err)
		return
	}
	s.ssoCreate(w, r, oidcPending{Identity: id, Name: s.sso.suggestName(claims)})
}

// ssoLink links the identity to the signed-in account.
func (s *Server) ssoLink(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	u, err := s.sessionUser(r)
	if err != nil {
		s.ssoPage(w, http.StatusUnauthorized, ssoPage{Error: "Sign in first, then link single sign-on from Account."})
		return
	}
	switch err := s.accounts.Link(r.Context(), u.Key, id); {
	case errors.Is(err, auth.ErrLinked):
		s.ssoPage(w, http.StatusConflict, ssoPage{Error: "Your account is linked to single sign-on already, or this identity belongs to another account."})
	case err != nil:
		s.ssoFailed(w, "linking", err)
	default:
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

// ssoCreate makes the account of a first sign-in, or asks for a name when
// the one suggested cannot be had.
func (s *Server) ssoCreate(w http.ResponseWriter, r *http.Request, p oidcPending) {
	addr := s.clientAddr(r)
	if !s.claims.allow(addr, time.Now()) {
		s.ssoPage(w, http.StatusTooManyRequests, ssoPage{Error: "Too many new accounts from your address; wait a while."})
		return
	}
	why := ""
	if name, err := chat.CleanName(p.Name); err != nil {
		why = "The name your sign-in provider gives cannot be used here; pick one."
	} else {
		p.Name = name
		device := deviceToken(r)
		token, _, err := s.accounts.CreateLinked(r.Context(), p.Identity, name, auth.Client{Addr: addr, Device: device, Agent: r.UserAgent()})
		var bad *chat.Error
		switch {
		case err == nil:
			s.clearSealed(w, r, oidcPendingCookie)
			s.ssoSignedIn(w, r, token, device)
			return
		case errors.Is(err, auth.ErrNameTaken), errors.Is(err, auth.ErrLooksTaken):
			why = "The name “" + name + "” belongs to someone else. Pick another name for your account."
		case errors.As(err, &bad):
			why = bad.Message + ". Pick another name."
		case errors.Is(err, auth.ErrLinked):
			s.ssoPage(w, http.StatusConflict, ssoPage{Error: "This identity has an account already. Start again."})
			return
		default:
			s.ssoFailed(w, "making the account", err)
			return
		}
	}
	p.Why, p.Expires = why, time.Now().Add(oidcPendingAge).UnixMilli()
	if err := s.setSealed(w, r, oidcPendingCookie, p, oidcPendingAge); err != nil {
		s.ssoFailed(w, "sealing the identity", err)
		return
	}
	if r.Method == http.MethodPost {
		s.ssoPage(w, http.StatusConflict, s.namePage(p))
		return
	}
	http.Redirect(w, r, oidcNamePath, http.StatusSeeOther)
}

// namePage is the page that asks for a name.
func (s *Server) namePage(p oidcPending) ssoPage {
	return ssoPage{Choose: true, Name: p.Name, Error: p.Why, Passwords: !s.sso.opts.NoLocalPasswords, Label: s.sso.opts.Label}
}

// serveOIDCNameForm shows the choice of a name to an identity without an
// account.
func (s *Server) serveOIDCNameForm(w http.ResponseWriter, r *http.Request) {
	var p oidcPending
	if !s.readSealed(r, oidcPendingCookie, &p) || time.Now().UnixMilli() >= p.Expires {
		s.ssoPage(w, http.StatusBadRequest, ssoPage{Error: "This sign-in took too long. Start again."})
		return
	}
	s.ssoPage(w, http.StatusOK, s.namePage(p))
}

// serveOIDCName makes the account with the name the person picked.
func (s *Server) serveOIDCName(w http.ResponseWriter, r *http.Request) {
	var p oidcPending
	if !s.readSealed(r, oidcPendingCookie, &p) || time.Now().UnixMilli() >= p.Expires {
		s.ssoPage(w, http.StatusBadRequest, ssoPage{Error: "This sign-in took too long. Start again."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	p.Name = r.PostFormValue("name")
	s.ssoCreate(w, r, p)
}

// ssoSignedIn ends like a password sign-in: the browser's old session
// ends, the new one's cookie is set (and the device token the sign-in
// named), and the page opens.
func (s *Server) ssoSignedIn(w http.ResponseWriter, r *http.Request, token, device string) {
	s.endSession(r)
	s.setCookie(w, r, sessionCookie, token, s.opts.SessionLifetime)
	s.setCookie(w, r, deviceCookie, device, deviceCookieAge)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// ssoFailed logs a failure of the server's and says so.
func (s *Server) ssoFailed(w http.ResponseWriter, doing string, err error) {
	s.log.Error("single sign-on failed", "doing", doing, "err", err)
	s.ssoPage(w, http.StatusInternalServerError, ssoPage{Error: "The server could not sign you in; try again."})
}

// refuse returns why the claims are not admitted, or "".
func (o *sso) refuse(claims map[string]any) string {
	if len(o.opts.AllowedDomains) > 0 {
		email, _ := claims["email"].(string)
		verified, _ := claims["email_verified"].(bool)
		_, domain, _ := strings.Cut(email, "@")
		if !verified || !slices.ContainsFunc(o.opts.AllowedDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return "Your account at the sign-in provider has no verified email address at a domain this server admits."
		}
	}
	if len(o.opts.AllowedGroups) > 0 {
		var groups []string
		switch v := claims[o.opts.GroupsClaim].(type) {
		case []any:
			for _, g := range v {
				if s, ok := g.(string); ok {
					groups = append(groups, s)
				}
			}
		case string:
			groups = []string{v}
		}
		if !slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(o.opts.AllowedGroups, g) }) {
			return "Your account at the sign-in provider is in no group this server admits."
		}
	}
	return ""
}

// suggestName returns the name the claims suggest: NameClaim, else name,
// else the local part of email. An address (Entra's preferred_username
// is one) gives its local part.
func (o *sso) suggestName(claims map[string]any) string {
	for _, c := range []string{o.opts.NameClaim, "name"} {
		if v, _ := claims[c].(string); strings.TrimSpace(v) != "" {
			local, _, _ := strings.Cut(v, "@")
			return local
		}
	}
	email, _ := claims["email"].(string)
	local, _, _ := strings.Cut(email, "@")
	return local
}

// setSealed sets an HttpOnly cookie under /auth/oidc/ holding v, sealed
// with the server's key.
func (s *Server) setSealed(w http.ResponseWriter, r *http.Request, name string, v any, age time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := s.accounts.Seal(r.Context(), name, data)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: sealed, Path: oidcCookiePath, MaxAge: int(age / time.Second),
		HttpOnly: true, Secure: s.edge.Secure(r), SameSite: http.SameSiteLaxMode})
	return nil
}

// readSealed reads a cookie setSealed set into v.
func (s *Server) readSealed(r *http.Request, name string, v any) bool {
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	data, ok := s.accounts.Unseal(r.Context(), name, c.Value)
	return ok && json.Unmarshal(data, v) == nil
}

// clearSealed removes a cookie setSealed set.
func (s *Server) clearSealed(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Path: oidcCookiePath, MaxAge: -1, HttpOnly: true, Secure: s.edge.Secure(r), SameSite: http.SameSiteLaxMode})
}

// ssoPage is what the pages of single sign-on show: a message, and the
// choice of a name.
type ssoPage struct {
	Error     string
	Choose    bool   // ask for a name
	Name      string // the name asked about
	Passwords bool   // local passwords are allowed: the person may sign in to the name and link it
	Label     string
}

var ssoTemplate = template.Must(template.New("sso").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Choose}}Pick a name{{else}}Sign-in{{end}} · Chat</title><link rel="stylesheet" href="/web/chat.css"></head>
<body><main class="name-form" style="max-width:32rem;margin:2rem auto;padding:1rem">
{{if .Choose}}<h1>Pick a name</h1>
{{if .Error}}<p id="sso-error" role="alert">{{.Error}}</p>{{end}}
<form id="sso-name-form" method="post" action="/auth/oidc/name">
<label for="sso-name">Your name here</label>
<input id="sso-name" name="name" type="text" value="{{.Name}}" maxlength="128" autocomplete="nickname" autofocus required>
<button id="sso-name-submit" type="submit">Make my account</button>
</form>
{{if .Passwords}}<p id="sso-link-hint">If “{{.Name}}” is your account here, go back, sign in to it with its password, then choose “Link {{.Label}}” in Account: your {{.Label}} sign-in then opens that account.</p>{{end}}
<p><a href="/">Back to the chat</a></p>
{{else}}<h1>Sign-in</h1><p id="sso-error" role="alert">{{.Error}}</p><p><a href="/">Back to the chat</a></p>{{end}}
</main></body></html>
`))

// ssoPage answers with a page of single sign-on.
func (s *Server) ssoPage(w http.ResponseWriter, status int, p ssoPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := ssoTemplate.Execute(w, p); err != nil {
		s.log.Debug("writing a sign-in page failed", "err", err)
	}
}
