package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/cluster"
)

// handoverRequest is the body of POST /api/session (chat.HandoverPath).
type handoverRequest struct {
	Code string `json:"code"`
}

// serveHandover exchanges the one-time code of a chat.Handover for the
// session of the name the browser just picked, and sets its cookie.
func (s *Server) serveHandover(w http.ResponseWriter, r *http.Request) {
	var req handoverRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&req); err != nil || req.Code == "" {
		reply(w, http.StatusBadRequest, apiReply{Error: "send JSON with the code of the handover frame"})
		return
	}
	token, u, err := s.accounts.Exchange(r.Context(), req.Code, s.client(r))
	switch {
	case errors.Is(err, auth.ErrNoSession):
		reply(w, http.StatusUnauthorized, apiReply{Error: "the code is unknown, used or too old"})
		return
	case err != nil:
		s.log.Error("a handover failed", "err", err)
		reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not keep your name for this browser; try again"})
		return
	}
	s.setCookie(w, r, sessionCookie, token, s.opts.SessionLifetime)
	reply(w, http.StatusOK, apiReply{Name: u.Name})
}

// device is one signed-in session in the answer of POST /api/devices.
type device struct {
	ID      string `json:"id"`
	Browser string `json:"browser"`
	Addr    string `json:"addr,omitempty"`
	Created int64  `json:"created"` // Unix ms
	Used    int64  `json:"used"`    // Unix ms, to within an hour
	Current bool   `json:"current,omitempty"`
}

// devicesReply is the body of POST /api/devices.
type devicesReply struct {
	Devices []device `json:"devices"`
}

// signedIn returns the session of the request, or answers 401.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	v, err := s.visit(w, r)
	if err != nil {
		s.log.Error("reading a session failed", "err", err)
		reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not read your session; try again"})
		return v, false
	}
	if v.User.Key == "" {
		reply(w, http.StatusUnauthorized, apiReply{Error: "pick a name or sign in first"})
		return v, false
	}
	return v, true
}

// serveDevices lists the user's signed-in sessions, the one used last first.
func (s *Server) serveDevices(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	list, err := s.accounts.Sessions(r.Context(), v.User.Key)
	if err != nil {
		s.log.Error("listing sessions failed", "err", err)
		reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not list your devices; try again"})
		return
	}
	out := devicesReply{Devices: []device{}}
	for _, d := range list {
		out.Devices = append(out.Devices, device{
			ID: d.Group, Browser: d.Browser, Addr: d.Addr,
			Created: d.Created.UnixMilli(), Used: d.Used.UnixMilli(), Current: d.Group == v.Group,
		})
	}
	reply(w, http.StatusOK, out)
}

// deviceSignOutRequest is the body of POST /api/devices/signout: the id of
// one device, or every other device.
type deviceSignOutRequest struct {
	ID     string `json:"id,omitempty"`
	Others bool   `json:"others,omitempty"`
}

// serveDeviceSignOut ends another session of the user, or all the others;
// their connections on this node close with chat.CloseSignedOut.
func (s *Server) serveDeviceSignOut(w http.ResponseWriter, r *http.Request) {
	var req deviceSignOutRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&req); err != nil || (req.ID == "") == !req.Others {
		reply(w, http.StatusBadRequest, apiReply{Error: `send JSON with the "id" of a device, or "others": true`})
		return
	}
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if req.ID == v.Group {
		reply(w, http.StatusBadRequest, apiReply{Error: "that is this device: use Sign out"})
		return
	}
	var ended []string
	var err error
	if req.Others {
		ended, err = s.accounts.EndOtherSessions(r.Context(), v.User.Key, v.Group)
	} else {
		err, ended = s.accounts.EndSession(r.Context(), v.User.Key, req.ID), []string{req.ID}
	}
	switch {
	case errors.Is(err, auth.ErrNoSession):
		reply(w, http.StatusNotFound, apiReply{Error: "no such device is signed in"})
		return
	case err != nil:
		s.log.Error("ending sessions failed", "err", err)
		reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not sign the device out; try again"})
		return
	}
	s.endGroups(r.Context(), ended, chat.CloseSignedOut.WithReason(chat.ReasonSignedOutRemote), true)
	s.dropPush(r.Context(), v.User.Key, ended)
	w.WriteHeader(http.StatusNoContent)
}

// endGroups closes the connections of the browser sessions groups on
// every node. With tell each first gets an error frame of code
// chat.CodeSignedOut carrying the reason: a browser's WebSocket API shows
// the close code and reason, but the Go client in the browser cannot read
// them (coder/websocket reports net.ErrClosed there).
func (s *Server) endGroups(ctx context.Context, groups []string, c chat.Close, tell bool) {
	s.closeGroups(groups, c, tell)
	if s.sessions == nil || len(groups) == 0 {
		return
	}
	e := cluster.Ended{Node: s.hub.Node(), Groups: groups, Code: c.Code, Reason: c.Reason, Tell: tell}
	if err := s.sessions.Publish(ctx, e); err != nil {
		s.log.Error("other nodes not told of ended sessions; their connections end at their next reconnect", "err", err)
	}
}

// watchEnded closes, on this node, the connections of sessions that ended
// on another.
func (s *Server) watchEnded() error {
	if s.sessions == nil {
		return nil
	}
	stop, err := s.sessions.Watch(context.Background(), func(e cluster.Ended) {
		if e.Node != s.hub.Node() {
			s.closeGroups(e.Groups, chat.Close{Code: e.Code, Reason: e.Reason}, e.Tell)
		}
	})
	if err != nil {
		return err
	}
	s.stopEnded = stop
	return nil
}

// closeGroups closes the connections of the browser sessions groups on
// this node (see endGroups).
func (s *Server) closeGroups(groups []string, c chat.Close, tell bool) {
	for _, g := range groups {
		if tell {
			for _, ss := range s.live.of(g) {
				ss.conn.SendError(&chat.Error{Code: chat.CodeSignedOut, Message: c.Reason})
				ss.conn.Close(c)
			}
		}
		s.ws.CloseGroup(g, c)
	}
}

// liveSessions are the sessions open on this node by group. A group (one
// browser's sign-in) has a connection or two, so a slice per group costs
// less per connection than a set.
type liveSessions struct {
	mu sync.Mutex
	by map[string][]*session
}

func (l *liveSessions) add(group string, ss *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = make(map[string][]*session)
	}
	if !slices.Contains(l.by[group], ss) {
		l.by[group] = append(l.by[group], ss)
	}
}

func (l *liveSessions) remove(group string, ss *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	open := l.by[group]
	if i := slices.Index(open, ss); i >= 0 {
		open = slices.Delete(open, i, i+1)
	}
	if len(open) == 0 {
		delete(l.by, group)
	} else {
		l.by[group] = open
	}
}

func (l *liveSessions) of(group string) []*session {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.by[group])
}
