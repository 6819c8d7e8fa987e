package chat

import (
	"slices"
	"sort"
)

// Folding: how actions (EntryEdit, EntryDelete, EntryReact) change the
// message they target. The server folds the pages it serves with these
// functions and clients fold what arrives after, so a page of history shows
// each message as it is now and replaying the same entries, in order, gives
// the same result as having seen them live. The rules:
//
//   - An action applies to the message whose Seq is its Target, once: an
//     action at or below the message's Upto changes nothing (it is folded
//     in already), so a page folded by the server and the same actions
//     arriving afterwards agree.
//   - Edit: the message's HTML becomes the edit's and Edited its time. The
//     latest edit wins (actions come in sequence order).
//   - Delete: final. The message's HTML becomes DeletedHTML, its
//     reactions, edit time, quote and files go; edits and reactions after it
//     change nothing. Replies to it show their Quote as deleted, without
//     its text, and edit entries of it lose their HTML.
//   - Preview: the message's Preview becomes the action's (nil: removed);
//     the latest wins.
//   - Thread: the root's Thread summary counts a reply more (On) or
//     less, with its time and author; a deleted root still counts.
//   - React: adds From to the users of Emoji when On, removes them when
//     not; adding twice or removing what is not there changes nothing, so
//     "toggled twice" is back where it started. An emoji left without
//     users goes; a new emoji past MaxReactions is ignored.
//
// The functions trust the entries: who may do what is the server's
// business (it refuses an edit by anyone but the author before storing it).

// IsAction reports whether kind is an action on another entry.
func IsAction(kind EntryKind) bool {
	return kind == EntryEdit || kind == EntryDelete || kind == EntryReact || kind == EntryPreview || kind == EntryThread
}

// Apply returns message m with action a folded in, and whether a applied:
// false when a is not an action on m, or is folded in already. m is not
// modified; the result shares nothing with it that Apply may change later.
func Apply(m, a Entry) (Entry, bool) {
	if m.Kind != EntryMessage || !IsAction(a.Kind) || a.Target != m.Seq || a.Seq <= m.Upto {
		return m, false
	}
	m.Upto = a.Seq
	if a.Kind == EntryThread {
		m.Thread = threaded(m.Thread, a.From, a.When(), a.On) // a deleted root keeps its thread
		return m, true
	}
	if m.Deleted {
		return m, true // deleted is final
	}
	switch a.Kind {
	case EntryEdit:
		m.HTML, m.Edited = a.HTML, a.Time
	case EntryDelete:
		m.HTML, m.Deleted, m.Edited, m.Reactions, m.Reply, m.Files, m.Preview = DeletedHTML, true, 0, nil, nil, nil, nil
	case EntryReact:
		m.Reactions = react(m.Reactions, a.Emoji, a.From, a.On)
	case EntryPreview:
		m.Preview = a.Preview
	}
	return m, true
}

// react returns reactions with user added to (on) or removed from emoji's,
// as a new slice.
func react(reactions []Reaction, emoji, user string, on bool) []Reaction {
	i := slices.IndexFunc(reactions, func(r Reaction) bool { return r.Emoji == emoji })
	if i < 0 {
		if !on || len(reactions) >= MaxReactions {
			return reactions
		}
		return append(slices.Clone(reactions), Reaction{Emoji: emoji, Users: []string{user}})
	}
	users := reactions[i].Users
	has := slices.Contains(users, user)
	if has == on {
		return reactions
	}
	out := slices.Clone(reactions)
	if on {
		out[i].Users = append(slices.Clone(users), user)
		return out
	}
	out[i].Users = slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == user })
	if len(out[i].Users) == 0 {
		out = slices.Delete(out, i, i+1)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ApplyToRun folds action a into entries, a run of one conversation's
// entries in sequence order (gaps allowed: a client's window holds no
// actions), and reports whether anything changed. Entries are replaced in
// place, never modified through what they share. A delete also marks the
// replies to its target in the run as answering a deleted message, and
// empties the HTML of the run's edits of it.
func ApplyToRun(entries []Entry, a Entry) bool {
	if !IsAction(a.Kind) {
		return false
	}
	changed := false
	if i, ok := find(entries, a.Target); ok {
		entries[i], changed = Apply(entries[i], a)
	}
	if a.Kind == EntryDelete {
		for i := range entries {
			if forgetDeleted(&entries[i], a.Target) {
				changed = true
			}
		}
	}
	return changed
}

// Arrive returns e as it joins run, the entries of its conversation held
// so far (in sequence order): a reply to a message of run that is deleted
// shows its quote as deleted, as a run folded at once (Fold) would show it.
func Arrive(run []Entry, e Entry) Entry {
	if e.Reply == nil || e.Reply.Deleted {
		return e
	}
	if i, ok := find(run, e.Reply.Seq); ok && run[i].Deleted {
		forgetDeleted(&e, e.Reply.Seq)
	}
	return e
}

// forgetDeleted drops from e what it holds of message target, deleted: the
// quote of a reply to it, the HTML of an edit of it.
func forgetDeleted(e *Entry, target uint64) bool {
	switch {
	case e.Kind == EntryMessage && e.Reply != nil && e.Reply.Seq == target && !e.Reply.Deleted:
		e.Reply = &Quote{Seq: target, From: e.Reply.From, Deleted: true}
		return true
	case e.Kind == EntryEdit && e.Target == target && e.HTML != "":
		e.HTML = ""
		return true
	}
	return false
}

// find returns the index of the entry of sequence seq in entries, sorted
// by sequence.
func find(entries []Entry, seq uint64) (int, bool) {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Seq >= seq })
	return i, i < len(entries) && entries[i].Seq == seq
}

// Fold returns a copy of entries, a run of one conversation in sequence
// order, with every action in it folded into the messages it targets. The
// actions stay (sequences remain gap-free); those whose target is outside
// the run change nothing. Folding a folded run again changes nothing.
func Fold(entries []Entry) []Entry {
	out := slices.Clone(entries)
	for _, a := range entries {
		ApplyToRun(out, a)
	}
	return out
}

// Merge returns message m as state says it is now: state is the message's
// folded state kept apart from its text (an Entry that Apply folded the
// message's actions into, starting from one with only Kind and Seq set), as
// the server keeps it. A state with nothing folded in leaves m as it is.
func Merge(m, state Entry) Entry {
	if m.Kind != EntryMessage || state.Upto <= m.Upto {
		return m
	}
	m.Upto = state.Upto
	m.Reactions = state.Reactions
	m.Preview = state.Preview
	m.Thread = state.Thread
	switch {
	case state.Deleted:
		m.HTML, m.Deleted, m.Edited, m.Reactions, m.Reply, m.Files, m.Preview = DeletedHTML, true, 0, nil, nil, nil, nil
	case state.Edited != 0:
		m.HTML, m.Edited = state.HTML, state.Edited
	}
	return m
}

// ForgetDeleted returns e without what it holds of the deleted message
// target (the quote of a reply, the HTML of an edit), for a server that
// knows of the delete from elsewhere than the run e is in.
func ForgetDeleted(e Entry, target uint64) Entry {
	forgetDeleted(&e, target)
	return e
}
