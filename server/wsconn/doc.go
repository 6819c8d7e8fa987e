// Package wsconn is the chat's transport: one websocket connection's whole
// life, from the handshake to its end, and the Server that keeps every open
// one. It knows the wire (package chat: decoding, batch frames, close
// reasons) but not what a frame means: each valid frame goes to the
// connection's Session, which the caller (package server) provides. A Conn
// is what the hub sends to (it has hub.Sink's methods, Send and
// SendWithNext), so the hub never touches a socket.
//
// # The life of a connection
//
//  1. Accept (Server.Serve, accept.go): the handshake must offer
//     chat.Subprotocol, the address must be under MaxConnsPerAddr, then the
//     caller's open function makes the Session (it may set a cookie), and
//     the socket is taken over with small buffers. The HTTP handler returns
//     at once; the connection runs on a goroutine of its own, tracked by the
//     Server until it ends.
//  2. Greet: Session.Open runs before the first read (the chat sends its
//     Welcome).
//  3. Read loop (conn.go): each message is decoded; a bad one gets an error
//     frame and a strike (too many strikes close with chat.ClosePolicy), one
//     over the connection's frame rate gets a rate-limit error, and every
//     other goes to Session.Frame, in order. Open and Frame run on a
//     short-lived goroutine, so the reader's own, blocked in Read for most
//     of its life, keeps a small stack.
//  4. Flushes (flush.go): Send puts an encoded frame on the connection's
//     bounded queue (queue.go) and, unless one runs, starts a flush
//     goroutine that writes everything queued, several frames as one batch
//     frame, until the queue is empty; then it ends. An idle connection has
//     no writer goroutine. While the node is busy, a fan-out's flush may
//     wait before it gathers, so that a write carries more (pace.go). A
//     queue that overflows cuts the connection at once as a slow consumer
//     (chat.CloseSlowConsumer).
//  5. Sweeps (sweep.go): one goroutine for all connections pings each one
//     every PingInterval (no pong in PingTimeout closes it with
//     chat.CloseHeartbeat) and cuts any whose write has been stuck for
//     WriteTimeout.
//  6. Close (Conn.Close): the close frame is written by the flush, after
//     every frame queued before it, so an error frame that explains a close
//     reaches the client. writeState (state.go) is the one state machine
//     behind flushing and closing: idle, flushing, closing, closed.
//  7. End: when the read fails (the peer left, or a close completed), no
//     flush may start any more, the running one is waited for,
//     Session.Closed is called and the socket is released.
//
// # Lock order
//
//	Server.mu   -> a Conn's writeState.mu | queue.mu
//	hub's locks -> a Conn's writeState.mu | queue.mu
//
// Server.mu (the set of connections) is held while the sweeper, CloseGroup
// or Close look at each Conn, which takes its writeState.mu or its
// queue.mu; those two are leaves, never held together. The hub calls Send
// and SendWithNext under its own locks, which is why a Conn never calls
// back into its Session while holding a lock, and Evicted runs on a
// goroutine of its own. No lock is held across a socket read or write: a
// write that blocks holds nothing, which is what lets the sweeper find it
// and cut it (the cut itself runs on a goroutine of its own).
package wsconn
