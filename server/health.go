package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
)

// The probes of a node, for load balancers and orchestrators
// (docs/deploy.md): GET /healthz answers 200 "ok" while the process
// serves HTTP at all; GET /readyz answers 200 "ready" only while the node
// can serve chats (Ready), and 503 with the reason otherwise. Both are
// plain text, need no session, and answer whatever the Host header says:
// probes come by address or by an internal name, and neither page tells
// anything a rebinding page could use.

// ErrDraining is Ready's answer once Drain began.
var ErrDraining = errors.New("draining")

// Ready reports whether the node can serve chats: it is not draining, the
// hub watches the log and the directory, every watch of the storage is
// current (not behind its stream, or being made again after it stopped:
// Storage.Watches, asked each time), and the storage answers (NATS
// connected, JetStream answering). The storage's check is made at most
// once per readyCheckEvery, with a bound of readyCheckTimeout; probes in
// between, or while it runs, share its answer, so probes never pile up
// requests on NATS.
func (s *Server) Ready(ctx context.Context) error {
	switch {
	case s.draining.Load():
		return ErrDraining
	case !s.hub.Watching():
		return errors.New("the hub is not watching the log")
	}
	if err := s.ready.check(ctx); err != nil {
		return err
	}
	if w := s.opts.Storage.Watches; w != nil {
		if err := w.Err(); err != nil {
			return fmt.Errorf("a watch is recovering: %w", err)
		}
	}
	return nil
}

// How often and how long the storage is checked for Ready.
const (
	readyCheckEvery   = time.Second
	readyCheckTimeout = 2 * time.Second
)

// readiness caches the storage's check for Ready. All methods may be
// called concurrently.
type readiness struct {
	probe func(context.Context) error // nil: always ready
	every time.Duration               // how long an answer is kept; zero means readyCheckEvery

	mu      sync.Mutex
	at      time.Time     // when err was found
	err     error         // the last check's answer
	running chan struct{} // not nil while a check runs; closed when it ends
}

// check returns the answer of a check made less than readyCheckEvery ago,
// or of the one running, or makes one.
func (r *readiness) check(ctx context.Context) error {
	if r.probe == nil {
		return nil
	}
	every := r.every
	if every <= 0 {
		every = readyCheckEvery
	}
	r.mu.Lock()
	if !r.at.IsZero() && time.Since(r.at) < every {
		err := r.err
		r.mu.Unlock()
		return err
	}
	if running := r.running; running != nil {
		r.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.err
	}
	done := make(chan struct{})
	r.running = done
	r.mu.Unlock()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyCheckTimeout)
	err := r.probe(cctx)
	cancel()
	r.mu.Lock()
	r.at, r.err, r.running = time.Now(), err, nil
	r.mu.Unlock()
	close(done)
	return err
}

// serveHealth answers that the process serves HTTP.
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	plain(w, http.StatusOK, "ok")
}

// serveReady answers 200 "ready", or 503 and why not (Ready).
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(r.Context()); err != nil {
		plain(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	plain(w, http.StatusOK, "ready")
}

// plain writes a short plain-text answer that no cache keeps.
func plain(w http.ResponseWriter, status int, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(text + "\n"))
}

// Drain takes the node out of service before it stops (SIGTERM): from
// now on Ready reports ErrDraining and new websockets are refused with
// 503 (a proxy retries them on another node); then every connection is
// closed with chat.CloseRestart, one after another over spread, so that
// their clients reconnect elsewhere a few at a time. A connection serving
// a frame closes once its answer is queued: a message being stored gets
// its ack first. When ctx ends before, the connections left are closed at
// once. Drain returns once every connection ended, or with ctx's error;
// Close follows, as always.
func (s *Server) Drain(ctx context.Context, spread time.Duration) error {
	s.draining.Store(true)
	s.log.Info("draining", "connections", s.ws.Stats().Open, "spread", spread)
	return s.ws.Drain(ctx, spread, chat.CloseRestart)
}
