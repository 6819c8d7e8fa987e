package chat

import (
	"slices"
	"strconv"
	"strings"
)

// Threads: any message of a room or a private conversation (its root) may
// start a thread, which is a conversation of its own whose id names its
// parent and its root (ThreadID). Its entries have their own gap-free
// sequence, its own history, read position and edits, deletes and
// reactions, exactly like any conversation's; who may read and write it
// is whoever is in its parent. Each reply stored in a thread is told to
// the parent by an EntryThread action targeting the root, which Apply
// folds into the root's Thread summary, so every page, node and client
// sees the count, the last reply's time and who took part with no other
// path. Following a thread is being a member of its conversation: the
// followed threads come in Welcome.Convs (KindThread) with their Last and
// Read like any conversation, and Follow follows or unfollows one.
// docs/protocol.md describes the frames.

// KindThread is the kind of a thread's conversation (ConvInfo.Kind): its
// Name is the start of the root's text, HTML-escaped plain text.
const KindThread ConvKind = "thread"

// EntryThread is an action in a thread's parent conversation: a reply was
// stored in the thread of message Target (On), or deleted there (not On).
// From is the reply's author and When its time.
const EntryThread EntryKind = "thread"

// TypeFollow is the client frame that follows or unfollows a thread.
const TypeFollow Type = "follow"

func init() {
	clientFrames[TypeFollow] = func() Frame { return &Follow{} }
}

// threadPrefix starts every thread's id.
const threadPrefix = "t:"

// MaxThreadUsers bounds the names a thread summary lists: the first to
// take part.
const MaxThreadUsers = 8

// ThreadID returns the id of the thread started by message root of the
// conversation parent.
func ThreadID(parent string, root uint64) string {
	return ThreadsPrefix(parent) + strconv.FormatUint(root, 10)
}

// ThreadsPrefix returns how the ids of the threads of conversation parent
// start.
func ThreadsPrefix(parent string) string { return threadPrefix + parent + ":" }

// ParentOf returns the parent conversation of thread id, or "" when id is
// not a thread's.
func ParentOf(id string) string {
	parent, _, _ := ThreadOf(id)
	return parent
}

// ThreadOf returns the parent conversation and the root message of the
// thread id, and ok false when id is not a thread's (a thread has no
// threads of its own).
func ThreadOf(id string) (parent string, root uint64, ok bool) {
	rest, found := strings.CutPrefix(id, threadPrefix)
	i := strings.LastIndexByte(rest, ':')
	if !found || i <= 0 {
		return "", 0, false
	}
	parent, num := rest[:i], rest[i+1:]
	root, err := strconv.ParseUint(num, 10, 64)
	if err != nil || root == 0 || strconv.FormatUint(root, 10) != num || strings.HasPrefix(parent, threadPrefix) {
		return "", 0, false
	}
	return parent, root, true
}

// IsThread reports whether id is a thread's conversation id.
func IsThread(id string) bool {
	_, _, ok := ThreadOf(id)
	return ok
}

// ThreadSummary is what a thread's root shows of it, folded from the
// parent's EntryThread actions: how many replies it has, the time of the
// last one (Unix ms) and the names (HTML-escaped, as Entry.From) of the
// first MaxThreadUsers who replied, in the order they did.
type ThreadSummary struct {
	Replies int      `json:"replies"`
	Last    int64    `json:"last"`
	Users   []string `json:"users,omitempty"`
}

// Follow follows (On) or unfollows the thread Conv. A member of its parent
// may follow it; posting in a thread, or being mentioned there, follows it
// too.
type Follow struct {
	Conv string `json:"conv"`
	On   bool   `json:"on"`
}

// FrameType implements Frame.
func (*Follow) FrameType() Type { return TypeFollow }

// Validate checks a Follow: it names a thread.
func (f *Follow) Validate() error {
	if err := convID(TypeFollow, f.Conv); err != nil {
		return err
	}
	if !IsThread(f.Conv) {
		return withRef(TypeFollow, Errorf(CodeNoSuchConv, "%.80q is not a thread", f.Conv))
	}
	return nil
}

// threaded returns summary s with a reply by from at time t added (on) or
// a reply taken away, as a new value.
func threaded(s *ThreadSummary, from string, t int64, on bool) *ThreadSummary {
	out := ThreadSummary{}
	if s != nil {
		out = *s
	}
	if !on {
		out.Replies = max(out.Replies-1, 0)
		return &out
	}
	out.Replies++
	out.Last = max(out.Last, t)
	if !slices.Contains(out.Users, from) && len(out.Users) < MaxThreadUsers {
		out.Users = append(slices.Clone(out.Users), from)
	}
	return &out
}
