package hub

import (
	"context"
	"errors"

	"github.com/founding/chat/app/chat"
)

// The seams: what the hub needs from storage, defined here by the hub and
// implemented by the backends in server/store (memory for one process and
// tests, NATS for a durable, shared store). The records below are what
// crosses them; a backend chooses how it encodes them.
//
// A third seam, Presence, carries who is online between the nodes that
// share a Log and a Directory (cluster.go); one node alone has none. A
// fourth, Typing, carries typing signals the same way (typing.go), and a
// fifth, Notices, the notes for one user only (notice.go).

// Errors a Log or a Directory returns, which the hub turns into answers.
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("hub: not found")
	// ErrFuture means a history request named a sequence the conversation
	// has not reached.
	ErrFuture = errors.New("hub: sequence is beyond the conversation's last entry")
	// ErrStaleID means a message id is at or below its device's high-water
	// mark but too old for its ack to be remembered.
	ErrStaleID = errors.New("hub: message id is older than the acks kept for its device")
	// ErrBeforeStart means a history request asked for entries before the
	// oldest one held.
	ErrBeforeStart = errors.New("hub: no entries are held before that sequence")
	// ErrFull means the log is out of room for the entry and refuses it
	// rather than drop older ones (private conversations).
	ErrFull = errors.New("hub: the log is full")
)

// Log is the history the hub appends to, reads from and watches: an
// append-only log per conversation, with gap-free sequence numbers and
// server time. A Log may be shared by several processes. Its methods may be
// called concurrently.
type Log interface {
	// Append stores e as the next entry of e.Conv, setting its Seq and
	// Time, and returns it so.
	Append(ctx context.Context, e chat.Entry) (chat.Entry, error)
	// AppendMessage is Append for a message a client sent, once per
	// origin: if o was stored before, it returns that entry's ack and dup
	// true and stores nothing. An origin too old for its ack to be kept is
	// ErrStaleID.
	AppendMessage(ctx context.Context, e chat.Entry, o Origin) (ack chat.Ack, dup bool, err error)
	// Page returns the entries of q.Conv that q asks for, with the
	// conversation's first and last sequences. A sequence beyond the last
	// is ErrFuture; entries before the oldest held are ErrBeforeStart. The
	// page's bounds are filled in with either error.
	Page(ctx context.Context, q chat.History) (chat.Page, error)
	// Last returns the newest sequence of conv, 0 if it has no entries.
	Last(ctx context.Context, conv string) (uint64, error)
	// Watch calls fn with every entry appended from now on, by anyone, in
	// order within each conversation. It returns once the watch is set up;
	// stop ends it.
	Watch(ctx context.Context, fn func(chat.Entry)) (stop func(), err error)
}

// Origin says who sent a message and with which id, for deduplication.
type Origin struct {
	User string // user key
	ID   chat.MsgID
}

// Directory keeps conversations, who is in them, read positions and when
// users were last seen. A Directory may be shared by several processes. Its
// methods may be called concurrently.
type Directory interface {
	// CreateConv stores rec unless a conversation with its id exists, and
	// returns the stored record.
	CreateConv(ctx context.Context, rec ConvRecord) (ConvRecord, error)
	// Conv returns the record of conversation id, or ErrNotFound.
	Conv(ctx context.Context, id string) (ConvRecord, error)
	// HoldLook records that conversation id holds the look (the confusable
	// skeleton of its name) unless another one does, and returns the id
	// that holds it: id, or the other's.
	HoldLook(ctx context.Context, look, id string) (holder string, err error)
	// SetMember makes user a member of conv or not, and reports whether
	// that changed anything.
	SetMember(ctx context.Context, user, conv string, member bool) (changed bool, err error)
	// Memberships lists the conversations user is in, sorted.
	Memberships(ctx context.Context, user string) ([]string, error)
	// RaiseCursor records that user read conv up to seq, if that is
	// further than before, and reports whether it was.
	RaiseCursor(ctx context.Context, user, conv string, seq uint64) (raised bool, err error)
	// Cursors returns user's read positions by conversation.
	Cursors(ctx context.Context, user string) (map[string]uint64, error)
	// Cursor returns user's read position of conv, 0 if none: one lookup,
	// for the other member of a private conversation (seen.go).
	Cursor(ctx context.Context, user, conv string) (uint64, error)
	// SetSeen records when user was last online (Unix ms).
	SetSeen(ctx context.Context, user string, ms int64) error
	// Seen returns when user was last online (Unix ms), 0 if never
	// recorded.
	Seen(ctx context.Context, user string) (int64, error)
	// WatchMemberships calls fn for every later membership change, made by
	// any process. It returns once the watch is set up; stop ends it.
	WatchMemberships(ctx context.Context, fn func(MembershipChange)) (stop func(), err error)
	// WatchCursors calls fn for every read position any process raises
	// later, so that a user's tabs on every node follow. It returns once
	// the watch is set up; stop ends it.
	WatchCursors(ctx context.Context, fn func(CursorChange)) (stop func(), err error)
	// WatchConvs calls fn with every conversation record any process
	// stores or changes later (a room's new owner, admin_rooms.go), so
	// that every node follows. It returns once the watch is set up; stop
	// ends it.
	WatchConvs(ctx context.Context, fn func(ConvRecord)) (stop func(), err error)

	Moderation // rooms' rules, invitations and mutes (seams_moderation.go)
	Groups     // group conversations' members (seams_group.go)
}

// CursorChange is a user's read position in a conversation raised.
type CursorChange struct {
	User string // user key
	Conv string // conversation id
	Seq  uint64
}

// ConvRecord describes a conversation: a room with the name it was created
// with, or a private conversation with its two members.
type ConvRecord struct {
	ID      string
	Kind    chat.ConvKind
	Name    string   // a room's name, as first typed
	Members []Member // a private conversation's two users
	Owner   Member   // who created the room; zero for rooms older than owners

	// Since is, in a group conversation (group.go), the first sequence
	// each member added later may see, by key; a member not in it sees
	// everything. Members lists a group's members now.
	Since map[string]uint64
}

// Member is a user as a conversation record names them.
type Member struct {
	Key  string // user key
	Name string // as shown
	Bot  bool   // a bot's account; recorded for the pair of a private conversation
}

// MembershipChange is one user joining or leaving a conversation.
type MembershipChange struct {
	User   string // user key
	Conv   string // conversation id
	Member bool   // true for joined, false for left
}

// Presence carries presence notes between nodes: every node publishes its
// own users' arrivals, room changes and departures and a heartbeat, and
// serves its whole state to a node that asks (cluster.go tells the
// protocol). Delivery may be lossy: the digest in every note repairs it.
// Its methods may be called concurrently.
type Presence interface {
	// Publish sends n to every other node.
	Publish(ctx context.Context, n PresenceNote) error
	// Watch calls fn with every note any node publishes, this one's too,
	// in the order each node sent them. It returns once the watch is set
	// up; stop ends it.
	Watch(ctx context.Context, fn func(PresenceNote)) (stop func(), err error)
	// Serve answers Fetch for node with state(). stop ends it.
	Serve(node string, state func() []PresenceUser) (stop func(), err error)
	// Fetch returns the state node serves.
	Fetch(ctx context.Context, node string) ([]PresenceUser, error)
}

// PresenceNote is what a node tells the others. Online lists users who
// came online on the node or changed rooms, with all their rooms; Offline
// the keys of users who went offline there. Count and Digest describe
// every user the node holds after the note (the XOR of each user's
// userDigest). A heartbeat is a note with no users. Bye means the node
// stops: its users are offline.
type PresenceNote struct {
	Node    string         `json:"node"`
	Online  []PresenceUser `json:"online,omitempty"`
	Offline []string       `json:"offline,omitempty"`
	Count   int            `json:"count"`
	Digest  uint64         `json:"digest"`
	Bye     bool           `json:"bye,omitempty"`
}

// PresenceUser is a user online on a node, with the rooms they are in
// (sorted), and whether it is a bot (shown as one; not in userDigest, so
// that nodes that do not send it yet agree on the digest).
type PresenceUser struct {
	Key   string   `json:"key"`
	Name  string   `json:"name"`
	Rooms []string `json:"rooms,omitempty"`
	Bot   bool     `json:"bot,omitempty"`
}
