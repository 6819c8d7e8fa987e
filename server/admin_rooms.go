package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// The admin console's rooms: listed with their owners, members and last
// activity; archived (readable, but no new messages, edits, deletes nor
// reactions: the hub's Options.Writable answers the archived error) and
// unarchived; given another owner; deleted (every member removed, and
// nobody may join it again: the hub's Options.Joinable; its messages stay
// in the log, out of everyone's reach, until retention takes them). The
// archived and deleted rooms are kept in the cluster
// (auth.Accounts.ArchivedRooms, DeletedRooms), and every node follows
// them (admin_follow.go): at once when told, within consoleEvery even if
// the word is lost. A new owner is in the room's record, which every
// node's hub follows from the Directory's watch (a supervised watch that
// resumes where it stopped: no change is lost).

// roomLister is a Directory that lists rooms, their members, and sets
// their owner: both backends of server/store are.
type roomLister interface {
	Rooms(ctx context.Context) ([]hub.ConvRecord, error)
	MemberCounts(ctx context.Context) (map[string]int, error)
	RoomMembers(ctx context.Context, conv string) ([]string, error)
	SetOwner(ctx context.Context, id string, owner hub.Member) error
}

// writable is the hub's Options.Writable: an archived or deleted room
// takes nothing new.
func (s *Server) writable(ctx context.Context, conv string) error {
	if !strings.HasPrefix(conv, "r:") {
		return nil
	}
	archived, deleted := s.roomLists()
	if slices.Contains(deleted, conv) {
		return errRoomDeleted
	}
	if slices.Contains(archived, conv) {
		return chat.Errorf(chat.CodeArchived, "an admin archived this room: you can read it, but not post, edit, delete or react")
	}
	return nil
}

// joinable is the hub's Options.Joinable: nobody joins a deleted room.
func (s *Server) joinable(ctx context.Context, id string) error {
	if _, deleted := s.roomLists(); slices.Contains(deleted, id) {
		return errRoomDeleted
	}
	return nil
}

var errRoomDeleted = chat.Errorf(chat.CodeNoSuchConv, "an admin deleted this room")

// adminRoom is a room as the console shows it.
type adminRoom struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Owner    string `json:"owner,omitempty"`
	Members  int    `json:"members"`
	Entries  uint64 `json:"entries"`        // the last sequence of its log
	Last     int64  `json:"last,omitempty"` // when its last entry came, Unix ms
	Archived bool   `json:"archived"`
	Deleted  bool   `json:"deleted,omitempty"`
}

type adminRoomsReply struct {
	Rooms []adminRoom `json:"rooms"`
	More  bool        `json:"more,omitempty"` // more rooms match: search for fewer
}

// maxAdminRooms bounds the rooms listed; maxRoomsRead the rooms whose
// logs one listing reads (by id) to find the most recently active.
const (
	maxAdminRooms = 200
	maxRoomsRead  = 2000
)

// adminRooms lists the rooms whose name holds ?q, the most recently active
// first: at most maxAdminRooms, of the first maxRoomsRead by id (More says
// some were left out).
func (s *Server) adminRooms(w http.ResponseWriter, r *http.Request, _ adminCaller) error {
	rl, ok := s.opts.Storage.Directory.(roomLister)
	if !ok {
		return chat.Errorf(chat.CodeInternal, "this storage cannot list rooms")
	}
	ctx := r.Context()
	recs, err := rl.Rooms(ctx)
	if err != nil {
		return s.internal("listing rooms", err)
	}
	if !slices.ContainsFunc(recs, func(c hub.ConvRecord) bool { return c.ID == hub.LobbyID }) {
		recs = append(recs, hub.ConvRecord{ID: hub.LobbyID, Kind: chat.KindRoom, Name: "lobby"})
	}
	counts, err := rl.MemberCounts(ctx)
	if err != nil {
		return s.internal("counting members", err)
	}
	archived, err := s.accounts.ArchivedRooms(ctx)
	if err != nil {
		return s.internal("reading the archived rooms", err)
	}
	deleted, err := s.accounts.DeletedRooms(ctx)
	if err != nil {
		return s.internal("reading the deleted rooms", err)
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	recs = slices.DeleteFunc(recs, func(rec hub.ConvRecord) bool {
		return q != "" && !strings.Contains(strings.ToLower(rec.Name), q)
	})
	slices.SortFunc(recs, func(a, b hub.ConvRecord) int { return strings.Compare(a.ID, b.ID) })
	out := adminRoomsReply{Rooms: []adminRoom{}}
	if len(recs) > maxRoomsRead {
		recs, out.More = recs[:maxRoomsRead], true
	}
	for _, rec := range recs {
		room := adminRoom{ID: rec.ID, Name: rec.Name, Owner: rec.Owner.Name, Members: counts[rec.ID],
			Archived: slices.Contains(archived, rec.ID), Deleted: slices.Contains(deleted, rec.ID)}
		if room.Entries, err = s.opts.Storage.Log.Last(ctx, rec.ID); err != nil {
			return s.internal("reading a room's log", err)
		}
		if room.Entries > 0 {
			p, err := s.opts.Storage.Log.Page(ctx, chat.History{Conv: rec.ID, Before: room.Entries + 1, Limit: 1})
			if err != nil && !errors.Is(err, hub.ErrBeforeStart) {
				return s.internal("reading a room's log", err)
			}
			if n := len(p.Entries); n > 0 {
				room.Last = p.Entries[n-1].Time
			}
		}
		out.Rooms = append(out.Rooms, room)
	}
	slices.SortStableFunc(out.Rooms, func(a, b adminRoom) int {
		if a.Last != b.Last {
			return int(min(max(b.Last-a.Last, -1), 1))
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(out.Rooms) > maxAdminRooms {
		out.Rooms, out.More = out.Rooms[:maxAdminRooms], true
	}
	reply(w, http.StatusOK, out)
	return nil
}

// roomTarget returns the room the path's {id} names, or no_such_conv.
func (s *Server) roomTarget(r *http.Request) (hub.ConvRecord, error) {
	id := r.PathValue("id")
	if !strings.HasPrefix(id, "r:") {
		return hub.ConvRecord{}, chat.Errorf(chat.CodeNoSuchConv, "%.80q is no room", id)
	}
	if id == hub.LobbyID {
		return hub.ConvRecord{ID: id, Kind: chat.KindRoom, Name: "lobby"}, nil
	}
	rec, err := s.opts.Storage.Directory.Conv(r.Context(), id)
	switch {
	case errors.Is(err, hub.ErrNotFound):
		return rec, chat.Errorf(chat.CodeNoSuchConv, "no room %.80q", id)
	case err != nil:
		return rec, s.internal("reading a room", err)
	}
	return rec, nil
}

// adminArchive archives room {id} (on) or unarchives it.
func (s *Server) adminArchive(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, c adminCaller) error {
		rec, err := s.roomTarget(r)
		if err != nil {
			return err
		}
		action := "room.unarchive"
		if on {
			action = "room.archive"
		}
		if err := s.audit(r.Context(), c, action, rec.ID, ""); err != nil {
			return err
		}
		changed, err := s.accounts.SetArchived(r.Context(), rec.ID, on)
		if err != nil {
			return s.internal("archiving a room", err)
		}
		if err := s.consoleChanged(r.Context(), rec.ID); err != nil {
			return err
		}
		reply(w, http.StatusOK, adminDone{Done: strings.TrimPrefix(action, "room.") + "d", Changed: changed})
		return nil
	}
}

// adminSetOwner makes the user {name} the owner of room {id}: they
// moderate it from then on, on every node, and the one before does not
// (unless an admin).
func (s *Server) adminSetOwner(w http.ResponseWriter, r *http.Request, c adminCaller) error {
	rl, ok := s.opts.Storage.Directory.(roomLister)
	if !ok {
		return chat.Errorf(chat.CodeInternal, "this storage cannot change owners")
	}
	rec, err := s.roomTarget(r)
	if err != nil {
		return err
	}
	if rec.ID == hub.LobbyID {
		return chat.Errorf(chat.CodeBadRequest, "the lobby has no owner")
	}
	a, err := s.target(r)
	if err != nil {
		return err
	}
	if err := s.audit(r.Context(), c, "room.owner", rec.ID, "from "+rec.Owner.Name+" to "+a.Name); err != nil {
		return err
	}
	if err := rl.SetOwner(r.Context(), rec.ID, hub.Member{Key: a.Key, Name: a.Name}); err != nil {
		return s.internal("changing a room's owner", err)
	}
	// Here at once; every node (this one too) from the Directory's watch.
	if err := s.hub.Reread(r.Context(), rec.ID); err != nil {
		return s.internal("rereading a room", err)
	}
	reply(w, http.StatusOK, adminDone{Done: "owner changed", Changed: rec.Owner.Key != a.Key})
	return nil
}

// adminDeleteRoom deletes room {id}: nobody may join it again, and every
// member is removed (their connections on every node drop it). Its
// messages stay in the log, out of reach. The lobby stays.
func (s *Server) adminDeleteRoom(w http.ResponseWriter, r *http.Request, c adminCaller) error {
	rl, ok := s.opts.Storage.Directory.(roomLister)
	if !ok {
		return chat.Errorf(chat.CodeInternal, "this storage cannot delete rooms")
	}
	rec, err := s.roomTarget(r)
	if err != nil {
		return err
	}
	if rec.ID == hub.LobbyID {
		return chat.Errorf(chat.CodeForbidden, "the lobby cannot be deleted")
	}
	if err := s.audit(r.Context(), c, "room.delete", rec.ID, rec.Name); err != nil {
		return err
	}
	changed, err := s.accounts.SetDeleted(r.Context(), rec.ID)
	if err != nil {
		return s.internal("deleting a room", err)
	}
	if err := s.consoleChanged(r.Context(), rec.ID); err != nil {
		return err
	}
	members, err := rl.RoomMembers(r.Context(), rec.ID)
	if err != nil {
		return s.internal("listing a room's members", err)
	}
	for _, key := range members {
		// The Directory's watch takes each to every node (hub.applyMember).
		if _, err := s.opts.Storage.Directory.SetMember(r.Context(), key, rec.ID, false); err != nil {
			return s.internal("removing a room's members", err)
		}
	}
	reply(w, http.StatusOK, adminDone{Done: "deleted", Changed: changed})
	return nil
}
