package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/audit"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/cluster"
	"github.com/founding/chat/server/hub"
)

// The admin console's API (docs/admin.md), under AdminPrefix, for the
// server's admins only: those the -admin flag names (Options.Admins), who
// stay admins whatever the console does, and those made in the console,
// kept in the cluster (auth.Accounts.Admins), so every node agrees. Both
// moderate every room as well (admin_follow.go).
//
// Every route goes through adminRoute: a visitor gets 401, a member who is
// not an admin 403 (JSON, with the websocket protocol's codes). A browser
// comes with its session cookie: a page of another site cannot use it
// (crossOriginRefused, and sameOrigin for everything that changes
// something); a script comes with an admin's personal access token that
// has the admin scope. Every change is written to the audit log (package
// audit) before it is made, with who, what, when and from where; nothing
// here edits or removes an entry.

// AdminPrefix is where the admin API lives.
const AdminPrefix = "/api/admin"

// adminCaller is the admin a request of the admin API acts as.
type adminCaller struct {
	user auth.User
	addr string // the request's address (clientAddr)
	via  string // "session", or "token " and the token's id
}

// adminHandler serves one route of the admin API; an error it returns is
// the answer (apiError).
type adminHandler func(w http.ResponseWriter, r *http.Request, c adminCaller) error

// adminRoute serves h to the server's admins only (see above).
func (s *Server) adminRoute(h adminHandler) http.HandlerFunc {
	return crossOriginRefused(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.adminOf(w, r)
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			apiError(w, err)
		}
	})
}

// adminOnly serves h, an admin route made elsewhere (export, import), to
// the server's admins only, as adminRoute does, and writes each request to
// the audit log (action api.request, the path as its target, the method
// and query as its detail) before serving it.
func (s *Server) adminOnly(h http.Handler) http.Handler {
	return s.adminRoute(func(w http.ResponseWriter, r *http.Request, c adminCaller) error {
		detail := r.Method
		if r.URL.RawQuery != "" {
			detail += " ?" + r.URL.RawQuery
		}
		if err := s.audit(r.Context(), c, "api.request", r.URL.Path, detail); err != nil {
			return err
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

// adminOf returns the admin who sent r, or the error to answer.
func (s *Server) adminOf(w http.ResponseWriter, r *http.Request) (adminCaller, error) {
	c := adminCaller{addr: s.clientAddr(r), via: "session"}
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		tok, u, err := s.bearer(w, r)
		if err != nil {
			return c, err
		}
		if err := s.admit(w, r, s.apiRates, tok.ID, "this token sends too many requests"); err != nil {
			return c, err
		}
		if !tok.Has(auth.ScopeAdmin) {
			return c, chat.Errorf(chat.CodeForbidden, "the token lacks the admin scope this route needs")
		}
		c.user, c.via = u, "token "+tok.ID
	} else {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameSite(r) {
			return c, chat.Errorf(chat.CodeForbidden, "requests must come from this site's own pages")
		}
		v, err := s.visit(w, r)
		if err != nil {
			return c, s.internal("reading a session", err)
		}
		if v.User.Key == "" {
			return c, chat.Errorf(chat.CodeUnauthorized, "sign in as an admin first")
		}
		c.user = v.User
	}
	admin, _, err := s.isAdmin(r.Context(), c.user.Key)
	if err != nil {
		return c, s.internal("reading the admins", err)
	}
	if !admin {
		return c, chat.Errorf(chat.CodeForbidden, "only the server's admins may do that")
	}
	if !c.user.HasPassword && !c.user.SSO {
		// A name with neither is released after a while to whoever picks
		// it, who must not inherit the admin's powers (as for moderation).
		return c, chat.Errorf(chat.CodeForbidden, "an admin's name needs a password (or single sign-on) first: set one in the Account panel")
	}
	return c, nil
}

// sameSite reports whether r says it comes from a page of this site: the
// Origin browsers send with every request that changes something.
func sameSite(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin != "" && strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://") == r.Host
}

// isAdmin reports whether the user key is an admin, and whether the
// -admin flag makes them one (then the console cannot unmake them).
func (s *Server) isAdmin(ctx context.Context, key string) (admin, flag bool, err error) {
	if slices.Contains(adminKeys(s.opts.Admins), key) {
		return true, true, nil
	}
	list, err := s.accounts.Admins(ctx)
	return slices.Contains(list, key), false, err
}

// audit writes an admin action to the audit log. The action is made only
// once the entry is stored, so none goes unlogged.
func (s *Server) audit(ctx context.Context, c adminCaller, action, target, detail string) error {
	_, err := s.opts.Storage.Audit.Append(ctx, audit.Entry{
		Time: time.Now().UnixMilli(), Actor: c.user.Name, Key: c.user.Key, Addr: c.addr, Via: c.via,
		Action: action, Target: target, Detail: detail, Node: s.hub.Node(),
	})
	if err != nil {
		return s.internal("writing the audit log", err)
	}
	return nil
}

// routeAdmin adds the admin API's routes, and a JSON not_found (behind
// the same check) for any other path under AdminPrefix.
func (s *Server) routeAdmin() {
	routes := []struct {
		pattern string
		h       adminHandler
	}{
		{"GET /me", s.adminMe},
		{"GET /users", s.adminUsers},
		{"GET /users/{name}", s.adminUser},
		{"POST /users/{name}/signout", s.adminSignOut},
		{"POST /users/{name}/disable", s.adminDisable(true)},
		{"POST /users/{name}/enable", s.adminDisable(false)},
		{"POST /users/{name}/password", s.adminResetPassword},
		{"PUT /users/{name}/admin", s.adminSetAdmin(true)},
		{"DELETE /users/{name}/admin", s.adminSetAdmin(false)},
		{"DELETE /users/{name}", s.adminDeleteUser},
		{"GET /rooms", s.adminRooms},
		{"POST /rooms/{id}/archive", s.adminArchive(true)},
		{"POST /rooms/{id}/unarchive", s.adminArchive(false)},
		{"PUT /rooms/{id}/owner/{name}", s.adminSetOwner},
		{"DELETE /rooms/{id}", s.adminDeleteRoom},
		{"GET /audit", s.adminAudit},
		{"GET /nodes", s.adminNodes},
		{"GET /storage", s.adminStorage},
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		s.mux.HandleFunc(method+" "+AdminPrefix+path, s.adminRoute(rt.h))
	}
	s.mux.HandleFunc(AdminPrefix+"/", s.adminRoute(func(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
		return chat.Errorf(chat.CodeNotFound, "no route %s %s in the admin API; see docs/admin.md", r.Method, r.URL.Path)
	}))
	s.mux.HandleFunc("GET /admin", s.serveAdminPage)
}

// serveAdminPage serves the console's page to admins only: a visitor is
// asked to sign in (401), a member told it is not theirs (403).
func (s *Server) serveAdminPage(w http.ResponseWriter, r *http.Request) {
	if _, err := s.adminOf(w, r); err != nil {
		var ce *chat.Error
		errors.As(err, &ce)
		status := http.StatusInternalServerError
		if ce != nil {
			status = apiStatus(ce.Code)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		msg := "Only the server's admins may open the admin console."
		if status == http.StatusUnauthorized {
			msg = "Sign in as an admin to open the admin console."
		}
		fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Admin console</title></head>"+
			"<body><main><h1>Admin console</h1><h2>Admins only</h2><p>%s</p><p><a href=\"/\">Back to the chat</a></p></main></body></html>", msg)
		return
	}
	s.web.ServeHTTP(w, r)
}

// adminMeReply is the answer of GET /api/admin/me.
type adminMeReply struct {
	Name string `json:"name"`
	Node string `json:"node"`
}

func (s *Server) adminMe(w http.ResponseWriter, _ *http.Request, c adminCaller) error {
	reply(w, http.StatusOK, adminMeReply{Name: c.user.Name, Node: s.hub.Node()})
	return nil
}

// adminUser is a user as the console shows them.
type adminUser struct {
	Name      string `json:"name"`
	Key       string `json:"key"`
	Password  bool   `json:"password"`
	SSO       bool   `json:"sso"`
	Bot       bool   `json:"bot,omitempty"`
	Created   int64  `json:"created"`
	Used      int64  `json:"used,omitempty"`
	Disabled  bool   `json:"disabled"`
	Admin     bool   `json:"admin"`
	FlagAdmin bool   `json:"flagAdmin,omitempty"` // made by -admin: stays one
	Uploads   int64  `json:"uploadBytes"`
}

func (s *Server) adminUserOf(ctx context.Context, a auth.Account, admins []string) (adminUser, error) {
	u := adminUser{Name: a.Name, Key: a.Key, Password: a.HasPassword, SSO: a.SSO, Bot: a.Bot,
		Created: a.Created, Used: a.Used, Disabled: a.Disabled}
	u.FlagAdmin = slices.Contains(adminKeys(s.opts.Admins), a.Key)
	u.Admin = u.FlagAdmin || slices.Contains(admins, a.Key)
	if s.files != nil {
		n, err := s.files.Usage(ctx, a.Key)
		if err != nil {
			return u, err
		}
		u.Uploads = n
	}
	return u, nil
}

// maxAdminUsers bounds a page of users.
const maxAdminUsers = 200

// adminUsersReply is the answer of GET /api/admin/users.
type adminUsersReply struct {
	Users []adminUser `json:"users"`
}

// adminUsers lists the accounts whose name holds ?q, at most ?limit
// (50, at most maxAdminUsers).
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return chat.Errorf(chat.CodeBadRequest, "limit must be a positive number")
		}
		limit = min(n, maxAdminUsers)
	}
	list, err := s.accounts.Users(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		return s.internal("listing users", err)
	}
	admins, err := s.accounts.Admins(r.Context())
	if err != nil {
		return s.internal("reading the admins", err)
	}
	out := adminUsersReply{Users: []adminUser{}}
	for _, a := range list {
		u, err := s.adminUserOf(r.Context(), a, admins)
		if err != nil {
			return s.internal("reading a user's uploads", err)
		}
		out.Users = append(out.Users, u)
	}
	reply(w, http.StatusOK, out)
	return nil
}

// adminUserReply is the answer of GET /api/admin/users/{name}: the user,
// their signed-in sessions (devices) and their tokens.
type adminUserReply struct {
	User     adminUser          `json:"user"`
	Sessions []device           `json:"sessions"`
	Tokens   []auth.AccessToken `json:"tokens"`
}

// target returns the account the path's {name} names, or no_such_user.
func (s *Server) target(r *http.Request) (auth.Account, error) {
	name := r.PathValue("name")
	u, err := s.accounts.Find(r.Context(), name)
	if err == nil {
		var a auth.Account
		if a, err = s.accounts.Account(r.Context(), u.Key); err == nil {
			return a, nil
		}
	}
	if errors.Is(err, auth.ErrNoUser) {
		return auth.Account{}, chat.Errorf(chat.CodeNoSuchUser, "nobody is called %q", name)
	}
	return auth.Account{}, s.internal("reading a user", err)
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	a, err := s.target(r)
	if err != nil {
		return err
	}
	admins, err := s.accounts.Admins(r.Context())
	if err != nil {
		return s.internal("reading the admins", err)
	}
	out := adminUserReply{Sessions: []device{}}
	if out.User, err = s.adminUserOf(r.Context(), a, admins); err != nil {
		return s.internal("reading a user's uploads", err)
	}
	sessions, err := s.accounts.Sessions(r.Context(), a.Key)
	if err != nil {
		return s.internal("listing sessions", err)
	}
	for _, d := range sessions {
		out.Sessions = append(out.Sessions, device{ID: d.Group, Browser: d.Browser, Addr: d.Addr,
			Created: d.Created.UnixMilli(), Used: d.Used.UnixMilli()})
	}
	if out.Tokens, err = s.accounts.AccessTokens(r.Context(), a.Key); err != nil {
		return s.internal("listing tokens", err)
	}
	if out.Tokens == nil {
		out.Tokens = []auth.AccessToken{}
	}
	reply(w, http.StatusOK, out)
	return nil
}

// adminDone is the answer of an action: what it changed.
type adminDone struct {
	Done    string `json:"done"`
	Changed bool   `json:"changed"`
	Ended   int    `json:"endedSessions,omitempty"`
	Removed int    `json:"removedMessages,omitempty"`
}

// signOutEverywhere ends every session of the user key and closes their
// connections, and those of the user's tokens when tokens, on every node.
func (s *Server) signOutEverywhere(ctx context.Context, key string, tokens bool, reason string) (int, error) {
	groups, err := s.accounts.EndOtherSessions(ctx, key, "")
	if err != nil {
		return 0, err
	}
	ended := len(groups)
	s.dropPush(ctx, key, groups)
	if tokens {
		list, err := s.accounts.AccessTokens(ctx, key)
		if err != nil {
			return ended, err
		}
		for _, t := range list {
			groups = append(groups, tokenGroup(t.ID))
		}
	}
	s.endGroups(ctx, groups, chat.CloseSignedOut.WithReason(reason), true)
	return ended, nil
}

func (s *Server) adminSignOut(w http.ResponseWriter, r *http.Request, c adminCaller) error {
	a, err := s.target(r)
	if err != nil {
		return err
	}
	if err := s.audit(r.Context(), c, "user.signout", a.Name, "every session"); err != nil {
		return err
	}
	n, err := s.signOutEverywhere(r.Context(), a.Key, false, "an admin signed you out")
	if err != nil {
		return s.internal("signing a user out", err)
	}
	reply(w, http.StatusOK, adminDone{Done: "signed out everywhere", Changed: n > 0, Ended: n})
	return nil
}

// adminDisable disables an account (on) or enables it: a disabled one
// cannot sign in nor use its tokens, and its connections close on every
// node. An admin cannot disable themselves.
func (s *Server) adminDisable(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, c adminCaller) error {
		a, err := s.target(r)
		if err != nil {
			return err
		}
		action := "user.enable"
		if on {
			action = "user.disable"
			if a.Key == c.user.Key {
				return chat.Errorf(chat.CodeForbidden, "you cannot disable your own account")
			}
		}
		if err := s.audit(r.Context(), c, action, a.Name, ""); err != nil {
			return err
		}
		changed, err := s.accounts.SetDisabled(r.Context(), a.Key, on)
		if err != nil {
			return s.internal("changing an account", err)
		}
		out := adminDone{Done: strings.TrimPrefix(action, "user.") + "d", Changed: changed}
		if on {
			if out.Ended, err = s.signOutEverywhere(r.Context(), a.Key, true, "an admin disabled your account"); err != nil {
				return s.internal("signing a user out", err)
			}
		}
		reply(w, http.StatusOK, out)
		return nil
	}
}

// adminPasswordReply holds the one-time password of a reset: shown once,
// never stored but as a hash.
type adminPasswordReply struct {
	Password string `json:"password"`
}

// adminResetPassword gives the account a new random password, ends its
// sessions, and answers the password for the admin to pass on.
func (s *Server) adminResetPassword(w http.ResponseWriter, r *http.Request, c adminCaller) error {
	a, err := s.target(r)
	if err != nil {
		return err
	}
	if a.Bot {
		return chat.Errorf(chat.CodeBadRequest, "a bot has no password; it uses tokens")
	}
	if err := s.audit(r.Context(), c, "user.password", a.Name, "reset"); err != nil {
		return err
	}
	password, err := s.accounts.ResetPassword(r.Context(), a.Key)
	if err != nil {
		return s.internal("resetting a password", err)
	}
	if _, err := s.signOutEverywhere(r.Context(), a.Key, false, chat.ReasonPasswordChanged); err != nil {
		return s.internal("signing a user out", err)
	}
	reply(w, http.StatusOK, adminPasswordReply{Password: password})
	return nil
}

// adminSetAdmin makes the user an admin (on) or not. The -admin flag's
// admins stay admins, and nobody unmakes themselves.
func (s *Server) adminSetAdmin(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, c adminCaller) error {
		a, err := s.target(r)
		if err != nil {
			return err
		}
		action := "admin.add"
		if on && !a.HasPassword && !a.SSO {
			return chat.Errorf(chat.CodeBadRequest, "%s has no password nor single sign-on: their name could be released to someone else; they must set a password first", a.Name)
		}
		if !on {
			action = "admin.remove"
			if slices.Contains(adminKeys(s.opts.Admins), a.Key) {
				return chat.Errorf(chat.CodeForbidden, "%s is an admin by the server's -admin flag; the console cannot change that", a.Name)
			}
			if a.Key == c.user.Key {
				return chat.Errorf(chat.CodeForbidden, "you cannot remove yourself from the admins")
			}
		}
		if err := s.audit(r.Context(), c, action, a.Name, ""); err != nil {
			return err
		}
		changed, err := s.accounts.SetAdmin(r.Context(), a.Key, on)
		if err != nil {
			return s.internal("changing the admins", err)
		}
		if err := s.consoleChanged(r.Context(), ""); err != nil {
			return err
		}
		reply(w, http.StatusOK, adminDone{Done: action, Changed: changed})
		return nil
	}
}

// adminDeleteUser deletes an account (auth.Accounts.DeleteAccount): its
// sessions and tokens end and their connections close; the name is free
// again. ?messages=keep (the default) leaves what they wrote in place;
// ?messages=remove deletes every message of theirs, in every room and in
// their private conversations, as the admin (hub.RemoveMessagesOf).
func (s *Server) adminDeleteUser(w http.ResponseWriter, r *http.Request, c adminCaller) error {
	a, err := s.target(r)
	if err != nil {
		return err
	}
	messages := r.URL.Query().Get("messages")
	switch messages {
	case "", "keep":
		messages = "keep"
	case "remove":
	default:
		return chat.Errorf(chat.CodeBadRequest, "messages must be keep or remove")
	}
	if a.Key == c.user.Key {
		return chat.Errorf(chat.CodeForbidden, "you cannot delete your own account")
	}
	if slices.Contains(adminKeys(s.opts.Admins), a.Key) {
		return chat.Errorf(chat.CodeForbidden, "%s is an admin by the server's -admin flag; the console cannot delete them", a.Name)
	}
	var convs []string
	if messages == "remove" {
		// Before the account goes: its memberships may go with it.
		if convs, err = s.convsToSweep(r.Context(), a.Key); err != nil {
			return err
		}
	}
	if err := s.audit(r.Context(), c, "user.delete", a.Name, "messages: "+messages); err != nil {
		return err
	}
	groups, tokens, err := s.accounts.DeleteAccount(r.Context(), a.Key)
	if err != nil {
		return s.internal("deleting an account", err)
	}
	if err := s.consoleChanged(r.Context(), ""); err != nil { // an admin deleted is one no longer
		return err
	}
	s.dropPush(r.Context(), a.Key, groups)
	for _, id := range tokens {
		groups = append(groups, tokenGroup(id))
	}
	s.endGroups(r.Context(), groups, chat.CloseSignedOut.WithReason("an admin deleted your account"), true)
	out := adminDone{Done: "deleted; messages kept", Changed: true, Ended: len(groups)}
	if messages == "remove" {
		// The account is gone: the sweep must finish even if the admin's
		// request does not wait for it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), removeTimeout)
		defer cancel()
		n, err := s.hub.RemoveMessagesOf(ctx, a.Key, c.user.Name, convs)
		if err != nil {
			return s.internal("removing a deleted user's messages", err)
		}
		out.Done, out.Removed = "deleted; messages removed", n
	}
	reply(w, http.StatusOK, out)
	return nil
}

// removeTimeout bounds the sweep of a deleted account's messages.
const removeTimeout = 30 * time.Minute

// convsToSweep lists the conversations where the user key may have
// written: every room, and the private conversations they are in.
func (s *Server) convsToSweep(ctx context.Context, key string) ([]string, error) {
	convs, err := s.opts.Storage.Directory.Memberships(ctx, key)
	if err != nil {
		return nil, s.internal("listing a user's conversations", err)
	}
	if rl, ok := s.opts.Storage.Directory.(roomLister); ok {
		rooms, err := rl.Rooms(ctx)
		if err != nil {
			return nil, s.internal("listing rooms", err)
		}
		for _, r := range rooms {
			convs = append(convs, r.ID)
		}
	}
	convs = append(convs, hub.LobbyID)
	slices.Sort(convs)
	return slices.Compact(convs), nil
}

// adminAuditReply is a page of the audit log, newest first; Next is the
// before of the next page, 0 at the end.
type adminAuditReply struct {
	Entries []audit.Entry `json:"entries"`
	Next    uint64        `json:"next,omitempty"`
}

// adminAudit pages through the audit log: ?before=seq, ?limit (50, at
// most 200).
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	q := r.URL.Query()
	var before uint64
	limit := 50
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return chat.Errorf(chat.CodeBadRequest, "before must be a sequence number")
		}
		before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return chat.Errorf(chat.CodeBadRequest, "limit must be a positive number")
		}
		limit = min(n, 200)
	}
	list, err := s.opts.Storage.Audit.Page(r.Context(), before, limit)
	if err != nil {
		return s.internal("reading the audit log", err)
	}
	out := adminAuditReply{Entries: list}
	if len(list) == limit && list[len(list)-1].Seq > 1 {
		out.Next = list[len(list)-1].Seq
	}
	reply(w, http.StatusOK, out)
	return nil
}

// nodeInfo is how this node is, for the console.
func (s *Server) nodeInfo() cluster.NodeInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info := cluster.NodeInfo{Node: s.hub.Node(), Version: s.opts.Version, Healthy: true, Connections: s.Stats().Sessions,
		Started: s.started.UnixMilli(), Uptime: int64(time.Since(s.started) / time.Second)}
	if err := s.Ready(ctx); err != nil {
		info.NotReady = err.Error()
	} else {
		info.Ready = true
	}
	return info
}

// adminNodesReply lists the nodes that answered, by name.
type adminNodesReply struct {
	Nodes []cluster.NodeInfo `json:"nodes"`
}

// nodesWait is how long the console waits for the nodes' answers.
const nodesWait = time.Second

func (s *Server) adminNodes(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	var list []cluster.NodeInfo
	if s.opts.Storage.Nodes == nil {
		list = []cluster.NodeInfo{s.nodeInfo()}
	} else {
		var err error
		if list, err = s.opts.Storage.Nodes.Gather(r.Context(), nodesWait, 0); err != nil {
			return s.internal("asking the nodes", err)
		}
	}
	slices.SortFunc(list, func(a, b cluster.NodeInfo) int { return strings.Compare(a.Node, b.Node) })
	reply(w, http.StatusOK, adminNodesReply{Nodes: list})
	return nil
}

// adminStorageReply is the sizes of the stores; Uploads is the bytes of
// files each user's uploads take, largest first, for the first 200 users.
type adminStorageReply struct {
	Stores  []StoreUsage `json:"stores"`
	Uploads []userUsage  `json:"uploads"`
}

type userUsage struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

func (s *Server) adminStorage(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	out := adminStorageReply{Stores: []StoreUsage{}, Uploads: []userUsage{}}
	if s.opts.Storage.Usage != nil {
		list, err := s.opts.Storage.Usage(r.Context())
		if err != nil {
			return s.internal("reading the storage's sizes", err)
		}
		out.Stores = list
	}
	if s.files != nil {
		users, err := s.accounts.Users(r.Context(), "", maxAdminUsers)
		if err != nil {
			return s.internal("listing users", err)
		}
		for _, u := range users {
			n, err := s.files.Usage(r.Context(), u.Key)
			if err != nil {
				return s.internal("reading a user's uploads", err)
			}
			if n > 0 {
				out.Uploads = append(out.Uploads, userUsage{Name: u.Name, Bytes: n})
			}
		}
		slices.SortStableFunc(out.Uploads, func(a, b userUsage) int { return int(min(max(b.Bytes-a.Bytes, -1), 1)) })
	}
	reply(w, http.StatusOK, out)
	return nil
}
