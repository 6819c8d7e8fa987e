package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
)

// signInRequest is the body of POST /api/signin.
type signInRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// apiReply is the body of every /api answer: the user's name on success,
// a message otherwise.
type apiReply struct {
	Name  string `json:"name,omitempty"`
	Error string `json:"error,omitempty"`
}

// serveSignIn checks a name and password and gives this browser a new
// session for that user. The session it had ends, and its connections are
// closed so they come back as the new user.
func (s *Server) serveSignIn(w http.ResponseWriter, r *http.Request) {
	if s.sso != nil && s.sso.opts.NoLocalPasswords {
		reply(w, http.StatusForbidden, apiReply{Error: "signing in with a password is off here; sign in with " + s.sso.opts.Label})
		return
	}
	addr := s.clientAddr(r)
	if !s.signIns.allow(addr, time.Now()) {
		reply(w, http.StatusTooManyRequests, apiReply{Error: "too many sign-in attempts from your address; wait a minute"})
		return
	}
	var req signInRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: "send JSON with a name and a password"})
		return
	}
	name, err := chat.CleanName(req.Name)
	if err != nil || req.Password == "" || len(req.Password) > chat.MaxPasswordBytes {
		reply(w, http.StatusUnauthorized, apiReply{Error: "wrong name or password"})
		return
	}
	device := deviceToken(r)
	token, u, err := s.accounts.SignIn(r.Context(), name, req.Password, auth.Client{Addr: addr, Device: device, Agent: r.UserAgent()})
	var tooMany *auth.TooManyAttempts
	switch {
	case errors.As(err, &tooMany):
		w.Header().Set("Retry-After", strconv.Itoa(int(tooMany.RetryAfter/time.Second)+1))
		reply(w, http.StatusTooManyRequests, apiReply{Error: "too many wrong passwords for this name; try again later"})
		return
	case errors.Is(err, auth.ErrWrongPassword):
		reply(w, http.StatusUnauthorized, apiReply{Error: "wrong name or password"})
		return
	case errors.Is(err, auth.ErrDisabled):
		reply(w, http.StatusForbidden, apiReply{Error: "an admin disabled this account"})
		return
	case err != nil:
		s.log.Error("sign-in failed", "err", err)
		reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not sign you in; try again"})
		return
	}
	s.endSession(r) // the token the browser had ends: a planted one too
	s.setCookie(w, r, sessionCookie, token, s.opts.SessionLifetime)
	s.setCookie(w, r, deviceCookie, device, deviceCookieAge)
	reply(w, http.StatusOK, apiReply{Name: u.Name})
}

// serveSignOut ends this browser's session: the cookie is cleared and its
// connections are closed.
func (s *Server) serveSignOut(w http.ResponseWriter, r *http.Request) {
	s.endSession(r)
	s.setCookie(w, r, sessionCookie, "", 0)
	w.WriteHeader(http.StatusNoContent)
}

// endSession deletes the request's session and closes its connections.
func (s *Server) endSession(r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	u, _ := s.accounts.Lookup(r.Context(), c.Value) // whose push subscription goes (push.go)
	if err := s.accounts.SignOut(r.Context(), c.Value); err != nil {
		s.log.Error("sign-out failed", "err", err)
	}
	if group := s.accounts.Group(r.Context(), c.Value); group != "" {
		s.endGroups(r.Context(), []string{group}, chat.CloseSignedOut, false)
		s.dropPush(r.Context(), u.Key, []string{group})
	}
}

// sameOrigin is the preamble of every POST to /api: it refuses a
// cross-site request, whose Origin (which browsers send on every POST) is
// not this server's, before next sees it.
func sameOrigin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		u, err := url.Parse(origin)
		if origin == "" || err != nil || u.Host != r.Host {
			reply(w, http.StatusForbidden, apiReply{Error: "requests must come from this site's own pages"})
			return
		}
		next(w, r)
	}
}

// Sign-in attempts per address: 10 at once, then one every 6 seconds.
const (
	signInEvery = 6 * time.Second
	signInBurst = 10
)

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// deviceCookie holds a browser's device token: set at its first sign-in and
// kept after signing out, it tells a later sign-in that this browser is one
// the account knows (auth.Client), which no guesser elsewhere can be.
const deviceCookie = "chat_device"

// deviceToken returns the browser's device token, or a new one.
func deviceToken(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && auth.ValidToken(c.Value) {
		return c.Value
	}
	return auth.NewToken()
}
