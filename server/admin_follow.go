package server

import (
	"context"
	"sync"
	"time"
)

// What the admin console keeps in the cluster, every node follows: who is
// an admin, and which rooms are archived or deleted.
//
// Admins have one source of truth: the -admin flag's names
// (Options.Admins) and the console's list (auth.Accounts.Admins). The
// admin API reads the list at every request (isAdmin); the hub, which
// decides inside the rooms (hub.Moderates, a room's Moderator flag), holds
// a copy (hub.SetAdmins). The archived and deleted rooms
// (auth.Accounts.ArchivedRooms, DeletedRooms) are copied the same way:
// this node's writable and joinable answer from the copy, and the hub
// tells a room's members when it is archived or unarchived
// (hub.SetArchived).
//
// Every node reads the lists when it starts, again at once when any
// node's console changes them (cluster.Nodes.AdminsChanged, RoomChanged),
// and every consoleEvery anyway, so a node that misses the word follows
// within that. A user already connected gains or loses the powers then,
// and sees a room archived or not, on every node.

// consoleEvery is how often a node reads the console's lists again
// whatever it was told.
const consoleEvery = time.Second

// consoleLists is this node's copy of the archived and deleted rooms.
type consoleLists struct {
	syncing sync.Mutex // one syncConsole at a time: an older read never overwrites a newer one

	mu       sync.Mutex
	archived []string
	deleted  []string
}

// followConsole reads the console's lists now, then keeps them in line
// (above) until stopFollowConsole.
func (s *Server) followConsole() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := s.syncConsole(ctx)
	cancel()
	if err != nil {
		return err
	}
	kick := make(chan struct{}, 1)
	told := func() {
		select {
		case kick <- struct{}{}:
		default: // a read is due already
		}
	}
	stopWatch := func() {}
	if n := s.opts.Storage.Nodes; n != nil {
		stopAdmins, err := n.WatchAdmins(context.Background(), told)
		if err != nil {
			return err
		}
		stopRooms, err := n.WatchRooms(context.Background(), func(string) { told() })
		if err != nil {
			stopAdmins()
			return err
		}
		stopWatch = func() { stopAdmins(); stopRooms() }
	}
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(consoleEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-kick:
			}
			if err := s.syncConsole(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("reading the admins and the archived rooms failed; the last copy holds", "err", err)
			}
		}
	}()
	s.stopFollowConsole = func() {
		stopWatch()
		cancel()
		<-done
	}
	return nil
}

// syncConsole reads the console's lists and hands them on: the admins and
// the archived rooms to the hub, the archived and deleted rooms to this
// node's copy.
func (s *Server) syncConsole(ctx context.Context) error {
	s.lists.syncing.Lock()
	defer s.lists.syncing.Unlock()
	admins, err := s.accounts.Admins(ctx)
	if err != nil {
		return err
	}
	archived, err := s.accounts.ArchivedRooms(ctx)
	if err != nil {
		return err
	}
	deleted, err := s.accounts.DeletedRooms(ctx)
	if err != nil {
		return err
	}
	s.hub.SetAdmins(admins)
	s.lists.mu.Lock()
	s.lists.archived, s.lists.deleted = archived, deleted
	s.lists.mu.Unlock()
	s.hub.SetArchived(archived)
	return nil
}

// roomLists returns this node's copy of the archived and the deleted
// rooms.
func (s *Server) roomLists() (archived, deleted []string) {
	s.lists.mu.Lock()
	defer s.lists.mu.Unlock()
	return s.lists.archived, s.lists.deleted
}

// consoleChanged makes this node follow a change the console made, at
// once, and tells every other node: admins (a word of
// cluster.Nodes.AdminsChanged) or the room id archived, unarchived or
// deleted (RoomChanged).
func (s *Server) consoleChanged(ctx context.Context, room string) error {
	if err := s.syncConsole(ctx); err != nil {
		return s.internal("reading the admins and the archived rooms", err)
	}
	n := s.opts.Storage.Nodes
	if n == nil {
		return nil
	}
	var err error
	if room == "" {
		err = n.AdminsChanged(ctx)
	} else {
		err = n.RoomChanged(ctx, room)
	}
	if err != nil {
		return s.internal("telling the other nodes", err)
	}
	return nil
}
