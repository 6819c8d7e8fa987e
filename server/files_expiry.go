package server

import (
	"context"
	"sync"
	"time"
)

// DefaultUploadExpiry is how long an upload never posted is kept by
// default (Options.UploadExpiry).
const DefaultUploadExpiry = 24 * time.Hour

// uploadSweep removes, now and then, the uploads never posted that are
// older than Options.UploadExpiry, giving their bytes back to their
// owners' quotas. Every node sweeps; each removal is a compare-and-set, so
// two nodes sweeping at once, or a post racing a sweep, remove a file once
// and never one a message refers to.
type uploadSweep struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// sweepEvery is how often the uploads are swept: a part of the expiry,
// at most an hour, so that an upload goes at most that late.
func sweepEvery(expiry time.Duration) time.Duration {
	return min(max(expiry/4, 10*time.Millisecond), time.Hour)
}

// startUploadSweep starts the sweep unless the server keeps no files or
// keeps uploads for ever (a negative expiry).
func (s *Server) startUploadSweep() {
	expiry := s.opts.UploadExpiry
	if s.files == nil || expiry < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.sweep = &uploadSweep{cancel: cancel}
	s.sweep.done.Go(func() {
		tick := time.NewTicker(sweepEvery(expiry))
		defer tick.Stop()
		for {
			s.sweepUploads(ctx, expiry)
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	})
}

// sweepTimeout bounds one sweep.
const sweepTimeout = 10 * time.Minute

// sweepUploads removes the uploads never posted older than expiry.
func (s *Server) sweepUploads(ctx context.Context, expiry time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	n, err := s.files.ExpireUploads(ctx, time.Now().Add(-expiry).UnixMilli())
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("removing uploads never posted failed; the next sweep tries again", "err", err)
	case n > 0:
		s.log.Info("removed uploads never posted", "files", n, "older than", expiry)
	}
}

// stopUploadSweep stops the sweep and waits for it.
func (s *Server) stopUploadSweep() {
	if s.sweep != nil {
		s.sweep.cancel()
		s.sweep.done.Wait()
	}
}
