package server

import (
	"context"
	"time"
)

// One source of truth for who is an admin: the -admin flag's names
// (Options.Admins) and the admin console's list in the cluster
// (auth.Accounts.Admins). The admin API reads the list at every request
// (isAdmin); the hub, which decides inside the rooms (hub.Moderates, a
// room's Moderator flag), holds a copy that every node keeps in line
// with it: read when the node starts, again at once when any node's
// console changes it (cluster.Nodes.AdminsChanged), and every
// adminsEvery anyway, so a node that misses the word follows within that.
// A user already connected gains or loses the powers then, on every node.

// adminsEvery is how often a node reads the console's admins again
// whatever it was told.
const adminsEvery = time.Second

// followAdmins gives the hub the console's admins now, then keeps it in
// line (above) until stopFollowAdmins.
func (s *Server) followAdmins() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := s.syncAdmins(ctx)
	cancel()
	if err != nil {
		return err
	}
	kick := make(chan struct{}, 1)
	stopWatch := func() {}
	if n := s.opts.Storage.Nodes; n != nil {
		stopWatch, err = n.WatchAdmins(context.Background(), func() {
			select {
			case kick <- struct{}{}:
			default: // a read is due already
			}
		})
		if err != nil {
			return err
		}
	}
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(adminsEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-kick:
			}
			if err := s.syncAdmins(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("reading the admins failed; the last copy holds", "err", err)
			}
		}
	}()
	s.stopFollowAdmins = func() {
		stopWatch()
		cancel()
		<-done
	}
	return nil
}

// syncAdmins reads the console's admins and hands them to the hub.
func (s *Server) syncAdmins(ctx context.Context) error {
	list, err := s.accounts.Admins(ctx)
	if err != nil {
		return err
	}
	s.hub.SetAdmins(list)
	return nil
}

// tellAdminsChanged makes every node, this one at once, read the admins
// again after the console changed them.
func (s *Server) tellAdminsChanged(ctx context.Context) error {
	if err := s.syncAdmins(ctx); err != nil {
		return s.internal("reading the admins", err)
	}
	if n := s.opts.Storage.Nodes; n != nil {
		if err := n.AdminsChanged(ctx); err != nil {
			return s.internal("telling the other nodes", err)
		}
	}
	return nil
}
