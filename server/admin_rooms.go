package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// The admin console's rooms: listed with their owners, members and last
// activity; archived (readable, but no new messages, edits, deletes nor
// reactions: the hub's Options.Writable answers the archived error) and
// unarchived. The archived rooms are kept in the cluster
// (auth.Accounts.ArchivedRooms); each node rereads them at most every
// archivedEvery, so an archive holds on every node within that.

// roomLister is a Directory that lists rooms and counts members: both
// backends of server/store are.
type roomLister interface {
	Rooms(ctx context.Context) ([]hub.ConvRecord, error)
	MemberCounts(ctx context.Context) (map[string]int, error)
}

// archivedEvery is how long a node keeps the archived rooms it read.
const archivedEvery = time.Second

// archivedRooms is this node's copy of the archived rooms.
type archivedRooms struct {
	mu  sync.Mutex
	at  time.Time
	ids []string
}

// archived returns the ids of the archived rooms, read again when the
// copy is older than archivedEvery; a failed read keeps the old copy.
func (s *Server) archived(ctx context.Context) []string {
	a := &s.archive
	a.mu.Lock()
	defer a.mu.Unlock()
	if time.Since(a.at) < archivedEvery {
		return a.ids
	}
	ids, err := s.accounts.ArchivedRooms(ctx)
	if err != nil {
		s.log.Error("reading the archived rooms failed; the last copy holds", "err", err)
		return a.ids
	}
	a.ids, a.at = ids, time.Now()
	return ids
}

// writable is the hub's Options.Writable: an archived room takes nothing
// new.
func (s *Server) writable(ctx context.Context, conv string) error {
	if strings.HasPrefix(conv, "r:") && slices.Contains(s.archived(ctx), conv) {
		return chat.Errorf(chat.CodeArchived, "an admin archived this room: you can read it, but not post, edit, delete or react")
	}
	return nil
}

// adminRoom is a room as the console shows it.
type adminRoom struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Owner    string `json:"owner,omitempty"`
	Members  int    `json:"members"`
	Entries  uint64 `json:"entries"`        // the last sequence of its log
	Last     int64  `json:"last,omitempty"` // when its last entry came, Unix ms
	Archived bool   `json:"archived"`
}

type adminRoomsReply struct {
	Rooms []adminRoom `json:"rooms"`
}

// adminRooms lists the rooms whose name holds ?q, busiest last first.
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
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	out := adminRoomsReply{Rooms: []adminRoom{}}
	for _, rec := range recs {
		if q != "" && !strings.Contains(strings.ToLower(rec.Name), q) {
			continue
		}
		room := adminRoom{ID: rec.ID, Name: rec.Name, Owner: rec.Owner.Name, Members: counts[rec.ID], Archived: slices.Contains(archived, rec.ID)}
		if room.Entries, err = s.opts.Storage.Log.Last(ctx, rec.ID); err != nil {
			return s.internal("reading a room's log", err)
		}
		if room.Entries > 0 {
			p, err := s.opts.Storage.Log.Page(ctx, chat.History{Conv: rec.ID, Before: room.Entries + 1, Limit: 1})
			if err != nil {
				return s.internal("reading a room's log", err)
			}
			if n := len(p.Entries); n > 0 {
				room.Last = p.Entries[n-1].Time
			}
		}
		out.Rooms = append(out.Rooms, room)
		if len(out.Rooms) >= maxAdminUsers {
			break
		}
	}
	slices.SortStableFunc(out.Rooms, func(a, b adminRoom) int {
		if a.Last != b.Last {
			return int(min(max(b.Last-a.Last, -1), 1))
		}
		return strings.Compare(a.ID, b.ID)
	})
	reply(w, http.StatusOK, out)
	return nil
}

// adminArchive archives room {id} (on) or unarchives it.
func (s *Server) adminArchive(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, c adminCaller) error {
		id := r.PathValue("id")
		if !strings.HasPrefix(id, "r:") {
			return chat.Errorf(chat.CodeNoSuchConv, "%q is no room", id)
		}
		if id != hub.LobbyID {
			if _, err := s.opts.Storage.Directory.Conv(r.Context(), id); err != nil {
				return chat.Errorf(chat.CodeNoSuchConv, "no room %q", id)
			}
		}
		action := "room.unarchive"
		if on {
			action = "room.archive"
		}
		if err := s.audit(r.Context(), c, action, id, ""); err != nil {
			return err
		}
		changed, err := s.accounts.SetArchived(r.Context(), id, on)
		if err != nil {
			return s.internal("archiving a room", err)
		}
		s.archive.mu.Lock()
		s.archive.at = time.Time{} // read again at the next post here
		s.archive.mu.Unlock()
		reply(w, http.StatusOK, adminDone{Done: strings.TrimPrefix(action, "room.") + "d", Changed: changed})
		return nil
	}
}
