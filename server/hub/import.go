package hub

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
)

// Imported is a message an admin brings from another chat (a Slack
// export): stored in room Conv as From wrote it at Sent, through the same
// once-per-origin append as a client's message (Log.AppendMessage), so
// that an import run twice, or resumed, stores each message once. A reply
// in a thread (Root) is stored in the thread of message Root of Conv
// (chat.ThreadID), and its root's summary counts it once (Import).
type Imported struct {
	Conv   string
	From   string // the name shown, unescaped
	Bot    bool
	Text   string // Markdown, as a client sends it
	Sent   int64  // Unix ms
	Root   uint64 // the sequence in Conv of its thread's root (0: a message of Conv itself)
	Reply  uint64 // the sequence of the message it answers where it is stored (0: none)
	Files  []string
	Owner  string // the user key owning Files (the importing admin)
	Origin Origin // a stable key of the message in its source
}

// Import stores m once (see Imported) and returns its ack; dup says it was
// stored before, and then the ack's Seq is 0 when the log no longer keeps
// the ack of so old an origin. Nothing is pushed, previewed or sent to
// outgoing hooks: it is history.
//
// A reply in a thread appends, as a reply posted there does
// (threadReplied), an EntryThread action to Conv for the root's summary,
// dated Sent. That action has an origin of its own (threadOrigin), so it
// too is stored once: appended when the reply is stored now, or again
// after a run that stopped between the two (the reply a duplicate whose
// ack is still kept), and never twice. Nobody is made to follow the
// thread: the authors are names, not users here.
func (h *Hub) Import(ctx context.Context, m Imported) (ack chat.Ack, dup bool, err error) {
	clean, err := chat.CleanCaption(m.Text, len(m.Files))
	if err != nil {
		return chat.Ack{}, false, err
	}
	body, err := markup.Render(clean)
	if err != nil {
		return chat.Ack{}, false, err
	}
	conv := m.Conv
	if m.Root != 0 {
		if _, err := h.message(ctx, m.Conv, m.Root); err != nil {
			return chat.Ack{}, false, err
		}
		conv = chat.ThreadID(m.Conv, m.Root)
	}
	e := chat.Entry{Conv: conv, Kind: chat.EntryMessage, From: escape(m.From), HTML: body, Bot: m.Bot, Sent: m.Sent}
	if m.Reply != 0 {
		target, err := h.message(ctx, conv, m.Reply)
		if err != nil {
			return chat.Ack{}, false, err
		}
		e.Reply = &chat.Quote{Seq: m.Reply, From: target.From, Deleted: target.Deleted}
		if !target.Deleted {
			e.Reply.Text = markup.Quote(target.HTML)
		}
	}
	pending := pendingRef(conv, m.Origin)
	if e.Files, err = h.attachFiles(ctx, m.Owner, pending, m.Files); err != nil {
		return chat.Ack{}, false, err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	ack, dup, err = h.log.AppendMessage(sctx, e, m.Origin)
	if errors.Is(err, ErrStaleID) {
		// Older than the acks kept: stored by an earlier run.
		h.releaseFiles(ctx, pending, m.Files)
		return chat.Ack{Conv: conv}, true, nil
	}
	if err != nil {
		h.releaseFiles(ctx, pending, m.Files)
		return chat.Ack{}, false, h.storageError("import the message", err)
	}
	h.settleFiles(ctx, pending, ack.Seq, e.Files)
	if !dup {
		e.Seq, e.Time = ack.Seq, ack.Time
		h.deliverStored(e)
	}
	if m.Root != 0 && ack.Conv == conv {
		if err := h.importedReply(sctx, m, e); err != nil {
			return ack, dup, err
		}
	}
	return ack, dup, nil
}

// importedReply appends, once, the EntryThread action that folds imported
// reply e (of m) into its root's summary (see Import).
func (h *Hub) importedReply(ctx context.Context, m Imported, e chat.Entry) error {
	a := chat.Entry{Conv: m.Conv, Kind: chat.EntryThread, From: e.From, Bot: e.Bot, Target: m.Root, On: true, Sent: m.Sent}
	_, _, err := h.log.AppendMessage(ctx, a, threadOrigin(m.Origin))
	if err != nil && !errors.Is(err, ErrStaleID) { // stale: stored by an earlier run
		return h.storageError("count the reply in its thread", err)
	}
	return nil
}

// threadOrigin is the origin of the summary action of an imported reply
// whose origin is o: the same user and counter, on a device of its own.
func threadOrigin(o Origin) Origin {
	o.ID.Device += ".thread"
	return o
}

// ImportConv makes, once, a private conversation an import brings (a
// Slack export's direct message or group's direct message) between
// members, and returns its id: a pair's is the one Open makes for them, a
// group's is made from key (a stable key of it in its source), so that an
// import run twice makes one. Each member is a member of it from then on,
// on every node (applyMember). Nothing is appended: who took part shows
// in the history imported.
func (h *Hub) ImportConv(ctx context.Context, key, name string, members []Member) (string, error) {
	members = slices.Clone(members)
	slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.Key, b.Key) })
	members = slices.CompactFunc(members, func(a, b Member) bool { return a.Key == b.Key })
	rec := ConvRecord{Kind: chat.KindPrivate, Members: members}
	switch {
	case len(members) == 2:
		rec.ID = "p:" + members[0].Key + "|" + members[1].Key
	case len(members) > 2 && len(members) <= h.opts.GroupLimit:
		clean, err := chat.CleanGroupName(name)
		if err != nil {
			clean = ""
		}
		sum := sha256.Sum256([]byte("chat imported group\x00" + key))
		rec.ID, rec.Name = chat.GroupPrefix+strings.ToLower(groupIDEncoding.EncodeToString(sum[:10])), clean
	default:
		return "", chat.Errorf(chat.CodeBadRequest, "a private conversation has 2 to %d people; this one has %d", h.opts.GroupLimit, len(members))
	}
	rec, err := h.dir.CreateConv(ctx, rec)
	h.missing.forget(rec.ID)
	if err != nil {
		return "", h.storageError("make the conversation", err)
	}
	keys := make([]string, len(rec.Members))
	for i, m := range rec.Members {
		keys[i] = m.Key
	}
	return rec.ID, h.ImportMembers(ctx, rec.ID, keys)
}

// ImportMembers makes the users keys members of conversation id (an
// import's: an invite-only room from a private channel, or ImportConv's),
// on every node; one who is a member already stays one.
func (h *Hub) ImportMembers(ctx context.Context, id string, keys []string) error {
	for _, key := range keys {
		if _, err := h.dir.SetMember(ctx, key, id, true); err != nil {
			return h.storageError("add a member", err)
		}
		if err := h.applyMember(ctx, key, id, true); err != nil {
			return h.storageError("add a member", err)
		}
	}
	return nil
}
