package server

import (
	"net/http"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/wsconn"
)

// session is the chat's side of one websocket connection (a
// wsconn.Session): it greets the client, gives the connection its user and
// serves the client's frames (handle.go) by calling the hub and the
// accounts. The transport, wsconn.Conn, decodes and limits the frames,
// queues and writes what goes out, and closes; the hub sends to the Conn.
//
// Its methods are called by the connection's reader, one at a time, but
// Evicted.
type session struct {
	srv   *Server
	conn  *wsconn.Conn
	visit auth.Session // the browser's session (or visitor), from the cookie
	err   error        // why the cookie could not be read
	user  auth.User    // set once the session has a name
	token bool         // opened with an access token, not a browser's session (api.go)

	// unstored: a message could not be stored, and the connection closes
	// (storeFailed); later messages on it are not tried, so that none is
	// stored before the one that failed. Read goroutine only.
	unstored bool
}

var _ wsconn.Session = (*session)(nil)

// serveWS accepts a websocket and runs its session until it ends: the
// browser's, by its cookie, or a bot's or a script's, by the personal
// access token it sends (serveTokenWS).
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.serveTokenWS(w, r)
		return
	}
	s.ws.Serve(w, r, func(w http.ResponseWriter, r *http.Request) (string, wsconn.Session) {
		v, err := s.visit(w, r)
		return v.Group, &session{srv: s, visit: v, err: err}
	})
}

// Open greets the client: with the user's own Welcome when the browser
// session has a name.
func (ss *session) Open(c *wsconn.Conn) {
	ss.conn = c
	ss.srv.live.add(ss.visit.Group, ss)
	switch {
	case ss.err == nil && ss.visit.User.Key != "":
		ss.join(ss.visit.User)
	case ss.err == nil:
		w := ss.srv.welcome
		w.NeedName = true
		c.SendFrame(&w)
	default:
		c.Logger().Error("session lookup failed", "err", ss.err)
		c.SendError(chat.Errorf(chat.CodeInternal, "the server could not read your session; reconnecting"))
		c.Close(chat.CloseInternal.WithReason("session lookup failed"))
	}
}

// join connects the session's user to the hub, which sends the Welcome.
func (ss *session) join(u auth.User) {
	if err := ss.srv.hub.Connect(ss.conn.Context(), hubUser(u), ss.conn); err != nil {
		ss.conn.SendError(err)
		ss.conn.Close(chat.CloseInternal.WithReason("could not load the user"))
		return
	}
	ss.user = u
}

// Frame serves one valid frame from the client (handle.go).
func (ss *session) Frame(f chat.Frame) { ss.handle(f) }

// Evicted stops the hub fanning out to a slow consumer at once.
func (ss *session) Evicted() { ss.srv.hub.Disconnect(ss.conn) }

// Closed takes the user's connection out of the hub.
func (ss *session) Closed() {
	ss.srv.live.remove(ss.visit.Group, ss)
	if ss.user.Key != "" {
		ss.srv.hub.Disconnect(ss.conn)
	}
}
