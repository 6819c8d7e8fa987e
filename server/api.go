package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/search"
	"github.com/founding/chat/server/wsconn"
)

// The HTTP API, version 1 (docs/api.md; /api/v1/openapi.json describes
// it, openapi.json here). Every route but the document and an incoming
// webhook takes a personal access token (auth/access.go) as
// "Authorization: Bearer <token>" and nothing else: cookies are never
// read, so a page of another site cannot borrow a browser's session, and
// no CORS header is ever sent, so no page of another origin can read an
// answer or send the token; a request that says it comes from another
// origin is refused outright. Each token has its own rate, and each route
// its scope. What a route writes goes through the hub like a websocket's
// frame, under a message id (Idempotency-Key), so a retried request is
// stored once.

// APIPrefix is where the HTTP API lives.
const APIPrefix = "/api/v1"

// The defaults of Options.APIRate and Options.APIBurst.
const (
	DefaultAPIRate  = 5
	DefaultAPIBurst = 20
)

// apiCaller is who a request of the API acts as.
type apiCaller struct {
	token auth.AccessToken
	user  auth.User
}

// apiHandler serves one route of the API; an error it returns is the
// answer (apiError).
type apiHandler func(s *Server, w http.ResponseWriter, r *http.Request, c apiCaller) error

// apiRoute is one route of the API: the method and pattern of
// http.ServeMux, the scope a token needs (none for the routes that take
// no token), and the handler.
type apiRoute struct {
	method, path string
	scope        string
	serve        apiHandler
	open         http.HandlerFunc // for a route without a token: served as is
}

// apiRoutes lists every route under APIPrefix; TestOpenAPIDescribesEveryRoute
// checks them against openapi.json both ways.
func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{method: "GET", path: "/openapi.json", open: serveOpenAPI},
		{method: "GET", path: "/me", scope: auth.ScopeRead, serve: (*Server).apiMe},
		{method: "GET", path: "/conversations", scope: auth.ScopeRead, serve: (*Server).apiConversations},
		{method: "GET", path: "/conversations/{conv}/messages", scope: auth.ScopeRead, serve: (*Server).apiHistory},
		{method: "POST", path: "/conversations/{conv}/messages", scope: auth.ScopeWrite, serve: (*Server).apiPost},
		{method: "PATCH", path: "/conversations/{conv}/messages/{seq}", scope: auth.ScopeWrite, serve: (*Server).apiEdit},
		{method: "DELETE", path: "/conversations/{conv}/messages/{seq}", scope: auth.ScopeWrite, serve: (*Server).apiDelete},
		{method: "POST", path: "/conversations/{conv}/messages/{seq}/reactions", scope: auth.ScopeWrite, serve: (*Server).apiReact},
		{method: "GET", path: "/conversations/{conv}/online", scope: auth.ScopeRead, serve: (*Server).apiOnline},
		{method: "POST", path: "/users/{name}/messages", scope: auth.ScopeWrite, serve: (*Server).apiPostTo},
		{method: "POST", path: "/rooms/{name}/join", scope: auth.ScopeWrite, serve: (*Server).apiJoin},
		{method: "POST", path: "/files", scope: auth.ScopeFiles, serve: (*Server).apiUpload},
		{method: "GET", path: "/search", scope: auth.ScopeRead, serve: (*Server).apiSearch},
		{method: "POST", path: "/bots", scope: auth.ScopeWrite, serve: (*Server).apiCreateBot},
		{method: "GET", path: "/conversations/{conv}/webhooks", scope: auth.ScopeRead, serve: (*Server).apiWebhooks},
		{method: "POST", path: "/conversations/{conv}/webhooks", scope: auth.ScopeWrite, serve: (*Server).apiCreateWebhook},
		{method: "DELETE", path: "/conversations/{conv}/webhooks/{id}", scope: auth.ScopeWrite, serve: (*Server).apiRevokeWebhook},
		{method: "POST", path: "/hooks/{secret}", open: apiFunc(s.serveHook)},
		{method: "GET", path: "/conversations/{conv}/outgoing", scope: auth.ScopeRead, serve: (*Server).apiOutgoing},
		{method: "POST", path: "/conversations/{conv}/outgoing", scope: auth.ScopeWrite, serve: (*Server).apiCreateOutgoing},
		{method: "DELETE", path: "/conversations/{conv}/outgoing/{id}", scope: auth.ScopeWrite, serve: (*Server).apiRevokeOutgoing},
	}
}

// routeAPI adds the API's routes, and a JSON not_found for any other path
// under APIPrefix.
func (s *Server) routeAPI() {
	for _, rt := range s.apiRoutes() {
		h := rt.open
		if h == nil {
			h = s.withToken(rt.scope, rt.serve)
		}
		s.mux.HandleFunc(rt.method+" "+APIPrefix+rt.path, crossOriginRefused(h))
	}
	s.mux.HandleFunc(APIPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, chat.Errorf(chat.CodeNotFound, "no route %s %s in the API; see %s/openapi.json", r.Method, r.URL.Path, APIPrefix))
	})
	// The person's own tokens, from the Account panel: a cookie session,
	// and the same-origin check of every /api POST.
	s.mux.HandleFunc("GET /api/tokens", s.withSession(s.serveTokens))
	s.mux.HandleFunc("POST /api/tokens", sameOrigin(s.withSession(s.serveCreateToken)))
	s.mux.HandleFunc("DELETE /api/tokens/{id}", sameOrigin(s.withSession(s.serveRevokeToken)))
	s.mux.HandleFunc("DELETE /api/tokens", sameOrigin(s.withSession(s.serveRevokeTokens)))
}

// crossOriginRefused answers 403 to a request a browser made for a page
// of another origin (its Origin names another host): the API's answers
// carry no CORS header anyway, this also keeps such a request from acting.
func crossOriginRefused(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			if u, err := url.Parse(origin); err != nil || u.Host != r.Host {
				apiError(w, chat.Errorf(chat.CodeForbidden, "the API does not answer pages of other sites"))
				return
			}
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			apiError(w, chat.Errorf(chat.CodeForbidden, "the API does not answer pages of other sites"))
			return
		}
		next(w, r)
	}
}

// withToken serves a route for the bearer of a token with scope, within
// the token's rate, with the token's user made local to the hub.
func (s *Server) withToken(scope string, serve apiHandler) http.HandlerFunc {
	return apiFunc(func(w http.ResponseWriter, r *http.Request) error {
		tok, u, err := s.bearer(w, r)
		if err != nil {
			return err
		}
		if err := s.admit(w, r, s.apiRates, tok.ID, "this token sends too many requests"); err != nil {
			return err
		}
		if !tok.Has(scope) {
			return chat.Errorf(chat.CodeForbidden, "the token lacks the %s scope this route needs", scope)
		}
		release, err := s.hub.Use(r.Context(), hubUser(u))
		if err != nil {
			return err
		}
		defer release()
		return serve(s, w, r, apiCaller{token: tok, user: u})
	})
}

// apiFunc serves a handler whose error is the answer (apiError).
func apiFunc(serve func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := serve(w, r); err != nil {
			apiError(w, err)
		}
	}
}

// bearer returns the personal access token r brings as "Authorization:
// Bearer <token>" and the user it acts as; without a valid one the error
// is 401, with the WWW-Authenticate challenge set on w.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) (auth.AccessToken, auth.User, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat"`)
		return auth.AccessToken{}, auth.User{}, chat.Errorf(chat.CodeUnauthorized, "send a personal access token: Authorization: Bearer <token>")
	}
	tok, u, err := s.accounts.CheckAccessToken(r.Context(), strings.TrimSpace(raw))
	if errors.Is(err, auth.ErrNoToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat", error="invalid_token"`)
		return tok, u, chat.Errorf(chat.CodeUnauthorized, "the token does not exist, or was revoked")
	} else if err != nil {
		return tok, u, s.internal("checking an access token", err)
	}
	return tok, u, nil
}

// admit takes a place for key (a token's or a webhook's id) in rates, or
// refuses (429, Retry-After set on w) with refusal and the wait.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, rates *keyRate, key, refusal string) error {
	ok, wait := rates.take(r.Context(), key, time.Now())
	if ok {
		return nil
	}
	s.metrics.RateLimited(metrics.LimitMessages)
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	return chat.Errorf(chat.CodeRateLimited, "%s; try again in %v", refusal, retryHint(wait))
}

// serveTokenWS opens a websocket for the bearer of a personal access token
// with the read and write scopes: a bot (or a script) speaks the browser's
// protocol as its user. Its connections form the session group of the
// token, which revoking the token closes on every node.
func (s *Server) serveTokenWS(w http.ResponseWriter, r *http.Request) {
	tok, u, err := s.bearer(w, r)
	if err == nil && (!tok.Has(auth.ScopeRead) || !tok.Has(auth.ScopeWrite)) {
		err = chat.Errorf(chat.CodeForbidden, "a websocket needs a token with the read and write scopes")
	}
	if err == nil {
		err = s.admit(w, r, s.apiRates, tok.ID, "this token connects too often")
	}
	if err != nil {
		apiError(w, err)
		return
	}
	s.ws.Serve(w, r, func(http.ResponseWriter, *http.Request) (string, wsconn.Session) {
		group := tokenGroup(tok.ID)
		return group, &session{srv: s, visit: auth.Session{Group: group, User: u}, token: true}
	})
}

// tokenGroup is the session group of the websockets of token id.
func tokenGroup(id string) string { return "token-" + id }

// retryAfterSeconds is a wait as Retry-After gives it: whole seconds,
// rounded up, at least one.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// apiErrorBody is the body of every error of the API.
type apiErrorBody struct {
	Code  chat.Code `json:"code"`
	Error string    `json:"error"`
}

// apiError answers err: a *chat.Error with the status its code stands
// for, anything else as internal.
func apiError(w http.ResponseWriter, err error) {
	var ce *chat.Error
	if !errors.As(err, &ce) {
		ce = chat.Errorf(chat.CodeInternal, "the server failed; try again")
	}
	reply(w, apiStatus(ce.Code), apiErrorBody{Code: ce.Code, Error: ce.Message})
}

// apiStatus is the HTTP status of an error code.
func apiStatus(code chat.Code) int {
	switch code {
	case chat.CodeUnauthorized:
		return http.StatusUnauthorized
	case chat.CodeForbidden, chat.CodeNotMember, chat.CodeNotAuthor, chat.CodeCannotModerate, chat.CodeBanned, chat.CodeInviteOnly, chat.CodeArchived:
		return http.StatusForbidden
	case chat.CodeNotFound, chat.CodeNoSuchConv, chat.CodeNoSuchUser, chat.CodeNoSuchMessage, chat.CodeNoSuchFile:
		return http.StatusNotFound
	case chat.CodeMessageDeleted, chat.CodeNameTaken:
		return http.StatusConflict
	case chat.CodeRateLimited:
		return http.StatusTooManyRequests
	case chat.CodeFileTooBig, chat.CodeFrameTooBig:
		return http.StatusRequestEntityTooLarge
	case chat.CodeOverQuota:
		return http.StatusInsufficientStorage
	case chat.CodeInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// maxAPIBody bounds a JSON body of the API.
const maxAPIBody = chat.MaxFrameBytes

// decodeBody reads r's JSON body into v.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return chat.Errorf(chat.CodeFrameTooBig, "a body of at most %d bytes", maxAPIBody)
		}
		return chat.Errorf(chat.CodeBadJSON, "the body must be a JSON object: %v", err)
	}
	return nil
}

// messageID is the message id of a write of the API: its
// Idempotency-Key's (requestID), or else one the server makes for the
// token.
func (s *Server) messageID(r *http.Request, c apiCaller) (chat.MsgID, error) {
	return s.requestID(r, c.token.ID, apiKeyHeaders, func() (chat.MsgID, error) {
		id, err := s.accounts.NextID(r.Context(), c.user.Key, c.token.ID)
		if errors.Is(err, auth.ErrNoToken) {
			return id, chat.Errorf(chat.CodeUnauthorized, "the token was revoked")
		}
		if err != nil {
			return id, s.internal("numbering the message", err)
		}
		return id, nil
	})
}

// apiKeyHeaders and hookKeyHeaders are the headers whose value names a
// request, the same in each of its retries, so that they post once
// (requestID): the API's Idempotency-Key; for an incoming webhook also the
// delivery ids that senders keep over their retries (Standard Webhooks'
// webhook-id, GitHub's and Gitea's). Not X-Request-Id: clients and proxies
// make a new one per attempt, and a sender that sent one value always would
// have every message after its first dropped as a retry.
var (
	apiKeyHeaders  = []string{"Idempotency-Key"}
	hookKeyHeaders = []string{"Idempotency-Key", "Webhook-Id", "X-GitHub-Delivery", "X-Gitea-Delivery"}
)

// requestID is the message id of a write of owner (a token's or a
// webhook's id), from the first of headers that r brings:
//
//   - "<device>:<counter>" in Idempotency-Key, as a websocket client's (a
//     device of 8 to 64 of A-Z a-z 0-9 _ -, not starting srv-, and a
//     counter from 1 that grows on it), is that id;
//   - any other key (a UUID, a delivery id) gets the id the first request
//     with it got (auth.KeyedID), remembered for a day;
//   - without a key, fresh makes one: such a request, retried, posts again.
//
// Either way the write goes through the log's once-only path under it, so
// a retry that brings the same key is stored once, on any node. What a
// message says is never compared: two identical messages are two.
func (s *Server) requestID(r *http.Request, owner string, headers []string, fresh func() (chat.MsgID, error)) (chat.MsgID, error) {
	var key, header string
	for _, h := range headers {
		if v := strings.TrimSpace(r.Header.Get(h)); v != "" {
			key, header = v, h
			break
		}
	}
	if key == "" {
		return fresh()
	}
	if device, n, ok := strings.Cut(key, ":"); ok && header == "Idempotency-Key" {
		counter, err := strconv.ParseUint(n, 10, 64)
		if err == nil && counter > 0 && chat.ValidDevice(device) && !strings.HasPrefix(device, auth.ServerDevicePrefix) {
			return chat.MsgID{Device: device, N: counter}, nil
		}
	}
	id, err := s.accounts.KeyedID(r.Context(), owner, key, fresh)
	if err != nil {
		return id, s.internal("reading an idempotency key", err)
	}
	return id, nil
}

// seqParam returns the path's {seq}.
func seqParam(r *http.Request) (uint64, error) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		return 0, chat.Errorf(chat.CodeBadRequest, "the message's sequence is a number from 1")
	}
	return seq, nil
}

// meReply is the body of GET /me.
type meReply struct {
	Name  string           `json:"name"`
	Bot   bool             `json:"bot,omitempty"`
	Token auth.AccessToken `json:"token"`
}

func (s *Server) apiMe(w http.ResponseWriter, _ *http.Request, c apiCaller) error {
	reply(w, http.StatusOK, meReply{Name: c.user.Name, Bot: c.user.Bot, Token: c.token})
	return nil
}

// conversationsReply is the body of GET /conversations.
type conversationsReply struct {
	Conversations []chat.ConvInfo `json:"conversations"`
}

func (s *Server) apiConversations(w http.ResponseWriter, _ *http.Request, c apiCaller) error {
	list, err := s.hub.Conversations(c.user.Key)
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, conversationsReply{Conversations: list})
	return nil
}

// apiHistory serves a page of a conversation: ?after=N (the entries after
// N, oldest first), ?before=N, or neither (the newest), at most ?limit.
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	q := chat.History{Conv: r.PathValue("conv")}
	for name, to := range map[string]*uint64{"after": &q.After, "before": &q.Before} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return chat.Errorf(chat.CodeBadRequest, "%s is a sequence number", name)
			}
			*to = n
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return chat.Errorf(chat.CodeBadRequest, "limit is a number from 1 to %d", chat.MaxHistoryLimit)
		}
		q.Limit = n
	}
	if err := q.Validate(); err != nil {
		return err
	}
	p, err := s.hub.Page(r.Context(), c.user.Key, q)
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, p)
	return nil
}

// postRequest is the body of POST .../messages.
type postRequest struct {
	Text  string   `json:"text"`
	Reply uint64   `json:"reply,omitempty"`
	Files []string `json:"files,omitempty"`
}

// ackReply is the answer to a write: the message id it was stored under,
// the conversation, its sequence and time.
type ackReply struct {
	Ack chat.Ack `json:"ack"`
}

func (s *Server) apiPost(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	var req postRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if len(req.Files) > 0 && !c.token.Has(auth.ScopeFiles) {
		return chat.Errorf(chat.CodeForbidden, "attaching files needs the files scope")
	}
	return s.apiWrite(w, r, c, func(id chat.MsgID) (chat.Ack, error) {
		f := chat.Send{ID: id, Conv: r.PathValue("conv"), Text: req.Text, Reply: req.Reply, Files: req.Files}
		if err := f.Validate(); err != nil {
			return chat.Ack{}, err
		}
		return s.hub.PostReply(r.Context(), c.user.Key, f.Conv, f.Text, f.Reply, id, f.Files...)
	})
}

func (s *Server) apiPostTo(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	var req postRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.Reply != 0 {
		return chat.Errorf(chat.CodeBadRequest, "a reply goes to the conversation of the message it answers")
	}
	if len(req.Files) > 0 && !c.token.Has(auth.ScopeFiles) {
		return chat.Errorf(chat.CodeForbidden, "attaching files needs the files scope")
	}
	return s.apiWrite(w, r, c, func(id chat.MsgID) (chat.Ack, error) {
		f := chat.Send{ID: id, To: r.PathValue("name"), Text: req.Text, Files: req.Files}
		if err := f.Validate(); err != nil {
			return chat.Ack{}, err
		}
		return s.hub.PostTo(r.Context(), c.user.Key, f.To, f.Text, id, f.Files...)
	})
}

// apiWrite stores what a write request carries under its message id,
// within the user's message rate like a websocket's, and answers its ack.
func (s *Server) apiWrite(w http.ResponseWriter, r *http.Request, c apiCaller, store func(chat.MsgID) (chat.Ack, error)) error {
	id, err := s.messageID(r, c)
	if err != nil {
		return err
	}
	s.metrics.MessageReceived()
	if !s.messageAllowed(c.user.Key, s.clientAddr(r)) {
		s.metrics.RateLimited(metrics.LimitMessages)
		w.Header().Set("Retry-After", "1")
		return chat.Errorf(chat.CodeRateLimited, "you are sending too fast; try again in a moment")
	}
	ack, err := store(id)
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, ackReply{Ack: ack})
	return nil
}

// editRequest is the body of PATCH .../messages/{seq}.
type editRequest struct {
	Text string `json:"text"`
}

func (s *Server) apiEdit(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	var req editRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	return s.apiWrite(w, r, c, func(id chat.MsgID) (chat.Ack, error) {
		f := chat.Edit{ID: id, Conv: r.PathValue("conv"), Seq: seq, Text: req.Text}
		if err := f.Validate(); err != nil {
			return chat.Ack{}, err
		}
		return s.hub.Edit(r.Context(), c.user.Key, f.Conv, seq, f.Text, id)
	})
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return s.apiWrite(w, r, c, func(id chat.MsgID) (chat.Ack, error) {
		f := chat.Delete{ID: id, Conv: r.PathValue("conv"), Seq: seq}
		if err := f.Validate(); err != nil {
			return chat.Ack{}, err
		}
		return s.hub.Delete(r.Context(), c.user.Key, f.Conv, seq, id)
	})
}

// reactRequest is the body of POST .../reactions: On defaults to true
// (add the reaction); false takes it back.
type reactRequest struct {
	Emoji string `json:"emoji"`
	On    *bool  `json:"on,omitempty"`
}

func (s *Server) apiReact(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	var req reactRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	on := req.On == nil || *req.On
	return s.apiWrite(w, r, c, func(id chat.MsgID) (chat.Ack, error) {
		f := chat.React{ID: id, Conv: r.PathValue("conv"), Seq: seq, Emoji: req.Emoji, On: on}
		if err := f.Validate(); err != nil {
			return chat.Ack{}, err
		}
		return s.hub.React(r.Context(), c.user.Key, f.Conv, seq, f.Emoji, on, id)
	})
}

func (s *Server) apiOnline(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	roster, err := s.hub.Roster(r.Context(), c.user.Key, r.PathValue("conv"))
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, roster)
	return nil
}

// joinReply is the answer of POST /rooms/{name}/join.
type joinReply struct {
	Conversation chat.ConvInfo `json:"conversation"`
}

func (s *Server) apiJoin(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	f := chat.Join{Room: r.PathValue("name")}
	if err := f.Validate(); err != nil {
		return err
	}
	info, err := s.hub.Join(r.Context(), c.user.Key, f.Room)
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, joinReply{Conversation: info})
	return nil
}

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	if s.files == nil {
		return chat.Errorf(chat.CodeNotFound, "this server takes no files")
	}
	s.upload(w, r, c.user.Key)
	return nil
}

// apiSearch searches the conversations of the token's user: ?q= (the
// words), and optionally conv, from, limit and cursor as a Search frame
// has them.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	q := r.URL.Query()
	f := chat.Search{N: 1, Q: q.Get("q"), Conv: q.Get("conv"), From: q.Get("from"), Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return chat.Errorf(chat.CodeBadRequest, "limit is a number")
		}
		f.Limit = n
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if !s.searches.allow(c.user.Key, time.Now()) {
		s.metrics.RateLimited(metrics.LimitReads)
		w.Header().Set("Retry-After", "1")
		return chat.Errorf(chat.CodeRateLimited, "you are searching too fast; try again in a moment")
	}
	res, err := s.index.Search(r.Context(), c.user.Key, f)
	switch {
	case errors.Is(err, search.ErrBadCursor):
		return chat.Errorf(chat.CodeBadRequest, "the cursor is not one this server made; search again")
	case err != nil:
		s.log.Error("searching failed", "err", err)
		return chat.Errorf(chat.CodeInternal, "the search failed; try again")
	}
	reply(w, http.StatusOK, res)
	return nil
}

// botRequest is the body of POST /bots.
type botRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes,omitempty"`
}

// botReply is the answer of POST /bots: the bot's name and its first
// token, shown this once.
type botReply struct {
	Name   string           `json:"name"`
	Bot    bool             `json:"bot"`
	Token  string           `json:"token"`
	Tokens auth.AccessToken `json:"token_info"`
}

// apiCreateBot makes a bot account and its first token (scopes read and
// write unless the body names others): only an admin's token may.
func (s *Server) apiCreateBot(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	// An admin's name counts only with a password, as for moderation: a
	// name without one may be released and claimed by someone else.
	if !slices.Contains(adminKeys(s.opts.Admins), c.user.Key) || !c.user.HasPassword {
		return chat.Errorf(chat.CodeForbidden, "only the server's admins (with a password) make bots")
	}
	var req botRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if len(req.Scopes) == 0 {
		req.Scopes = []string{auth.ScopeRead, auth.ScopeWrite}
	}
	if _, err := auth.CleanScopes(req.Scopes); err != nil {
		return err
	}
	bot, err := s.createBot(r.Context(), req.Name)
	if err != nil {
		return err
	}
	raw, tok, err := s.accounts.CreateAccessToken(r.Context(), bot.Key, "first token", req.Scopes)
	if err != nil {
		return s.internal("making a bot's token", err)
	}
	reply(w, http.StatusCreated, botReply{Name: bot.Name, Bot: true, Token: raw, Tokens: tok})
	return nil
}

// createBot makes a bot's account, with the errors of a name taken.
func (s *Server) createBot(ctx context.Context, name string) (auth.User, error) {
	bot, err := s.accounts.CreateBot(ctx, name)
	switch {
	case errors.Is(err, auth.ErrNameTaken), errors.Is(err, auth.ErrLooksTaken):
		return bot, chat.Errorf(chat.CodeNameTaken, "the name %.40q is taken, or looks like one that is; pick another", name)
	case err != nil:
		return bot, s.internal("making a bot", err)
	}
	return bot, nil
}

// internal logs err and returns the API's internal error for it; a
// *chat.Error (a refusal, not a failure) is returned as it is.
func (s *Server) internal(what string, err error) error {
	var ce *chat.Error
	if errors.As(err, &ce) {
		return ce
	}
	s.log.Error(what+" failed", "err", err)
	return chat.Errorf(chat.CodeInternal, "the server failed %s; try again", what)
}

// The person's tokens (cookie session).

// tokenRequest is the body of POST /api/tokens.
type tokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// tokenReply answers POST /api/tokens: the token, shown this once, and
// what it is.
type tokenReply struct {
	Token string           `json:"token"`
	Info  auth.AccessToken `json:"info"`
}

// tokensReply answers GET /api/tokens.
type tokensReply struct {
	Tokens []auth.AccessToken `json:"tokens"`
}

// withSession serves a route of the person's own tokens for their
// cookie session (signedIn); an error it returns is the answer.
func (s *Server) withSession(serve func(w http.ResponseWriter, r *http.Request, v auth.Session) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		if err := serve(w, r, v); err != nil {
			apiError(w, err)
		}
	}
}

func (s *Server) serveTokens(w http.ResponseWriter, r *http.Request, v auth.Session) error {
	list, err := s.accounts.AccessTokens(r.Context(), v.User.Key)
	if err != nil {
		return s.internal("listing tokens", err)
	}
	reply(w, http.StatusOK, tokensReply{Tokens: list})
	return nil
}

func (s *Server) serveCreateToken(w http.ResponseWriter, r *http.Request, v auth.Session) error {
	var req tokenRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	raw, tok, err := s.accounts.CreateAccessToken(r.Context(), v.User.Key, req.Name, req.Scopes)
	if err != nil {
		return s.internal("making a token", err)
	}
	reply(w, http.StatusCreated, tokenReply{Token: raw, Info: tok})
	return nil
}

func (s *Server) serveRevokeToken(w http.ResponseWriter, r *http.Request, v auth.Session) error {
	id := r.PathValue("id")
	err := s.accounts.RevokeAccessToken(r.Context(), v.User.Key, id)
	if errors.Is(err, auth.ErrNoToken) {
		return chat.Errorf(chat.CodeNotFound, "you have no token %.20q", id)
	} else if err != nil {
		return s.internal("revoking a token", err)
	}
	s.endTokens(r.Context(), []string{id})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveRevokeTokens ends every token of the person, and closes their
// websockets on every node.
func (s *Server) serveRevokeTokens(w http.ResponseWriter, r *http.Request, v auth.Session) error {
	ids, err := s.accounts.RevokeAccessTokens(r.Context(), v.User.Key)
	s.endTokens(r.Context(), ids) // those revoked before a failure too
	if err != nil {
		return s.internal("revoking the tokens", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endTokens closes the websockets of the revoked tokens ids, here and on
// the other nodes.
func (s *Server) endTokens(ctx context.Context, ids []string) {
	groups := make([]string, 0, len(ids))
	for _, id := range ids {
		groups = append(groups, tokenGroup(id))
	}
	s.endGroups(ctx, groups, chat.CloseSignedOut.WithReason("the token was revoked"), true)
}

// readAll reads at most limit bytes of r's body.
func readAll(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, chat.Errorf(chat.CodeFrameTooBig, "a body of at most %d bytes", limit)
	}
	if err != nil {
		return nil, chat.Errorf(chat.CodeBadRequest, "the body was cut off: %v", err)
	}
	return b, nil
}
