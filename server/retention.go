package server

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/founding/chat/server/hub"
)

// The retention sweep (hub/retention.go) runs on every node, every
// Options.RetentionEvery, starting at a random point of the first period so
// that the nodes of a cluster seldom sweep at once. Sweeping at once is
// harmless: every step is idempotent (a purge up to a sequence, a
// compare-and-set on a file's references), so two sweeps of one
// conversation give what one gives, at worst with one more expiry marker.

// defaultRetentionEvery is Options.RetentionEvery's default.
const defaultRetentionEvery = time.Hour

// retentionTimeout bounds one sweep.
const retentionTimeout = time.Hour

// startRetention starts the sweep. It runs even with no server-wide
// retention: rooms may have their own.
func (s *Server) startRetention() {
	every := s.opts.RetentionEvery
	if every <= 0 {
		every = defaultRetentionEvery
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.retention = &uploadSweep{cancel: cancel}
	s.retention.done.Go(func() {
		wait := time.NewTimer(rand.N(every/4 + 1))
		defer wait.Stop()
		for {
			select {
			case <-wait.C:
			case <-ctx.Done():
				return
			}
			s.SweepRetention(ctx, time.Now())
			wait.Reset(every)
		}
	})
}

// SweepRetention applies every conversation's retention as of time now,
// logs what it did and returns it.
func (s *Server) SweepRetention(ctx context.Context, now time.Time) (hub.SweepStats, error) {
	ctx, cancel := context.WithTimeout(ctx, retentionTimeout)
	defer cancel()
	start := time.Now()
	st, err := s.hub.Sweep(ctx, now)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("retention: some conversations could not be swept; the next sweep tries again", "err", err)
	}
	if st.Expired > 0 || err != nil {
		s.log.Info("retention: swept", "conversations", st.Convs, "expired", st.Expired, "entries", st.Entries, "files", st.Files, "took", time.Since(start))
	}
	return st, err
}

// stopRetention stops the sweep and waits for it.
func (s *Server) stopRetention() {
	if s.retention != nil {
		s.retention.cancel()
		s.retention.done.Wait()
	}
}

// SyncSearch waits until this node's search index has taken in every
// entry it has watched so far (a benchmark's way to time the index apart
// from the sweep or the import that fed it), or ctx ends.
func (s *Server) SyncSearch(ctx context.Context) error { return s.index.Sync(ctx) }
