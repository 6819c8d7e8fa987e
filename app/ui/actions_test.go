//go:build !js

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// TestActionBarOffersWhatTheUserMayDo checks the bar of each message:
// Reply and React for anyone's, Edit and Delete for the user's own,
// nothing for a deleted message or one being deleted.
func TestActionBarOffersWhatTheUserMayDo(t *testing.T) {
	s, lobby := online(English)
	now := time.Now()
	gone := message("r:lobby", 3, now, "Bob", "x")
	gone.Deleted, gone.HTML = true, chat.DeletedHTML
	lobby.Entries = []chat.Entry{
		message("r:lobby", 1, now, "Bob", "from Bob"),
		message("r:lobby", 2, now, "Ann", "from Ann"),
		gone,
		message("r:lobby", 4, now, "Ann", "going"),
	}
	s.model.Delete("r:lobby", 4)
	_, root := render(t, s)
	buttons := func(seq string) []string {
		e := root.find(byClass("entry", "msg"), byAttr("data-seq", seq))
		if e == nil {
			t.Fatalf("no entry %s", seq)
		}
		return e.texts(byClass("act"))
	}
	if got := strings.Join(buttons("1"), ","); got != "Reply,Reply in thread,React" {
		t.Errorf("Bob's message offers %s", got)
	}
	if got := strings.Join(buttons("2"), ","); got != "Reply,Reply in thread,React,Edit,Delete" {
		t.Errorf("Ann's message offers %s", got)
	}
	if got := buttons("3"); len(got) != 0 {
		t.Errorf("a deleted message offers %v", got)
	}
	if got := buttons("4"); len(got) != 0 {
		t.Errorf("a message being deleted offers %v", got)
	}
	deleted := root.find(byAttr("data-seq", "3")).must(t, "deleted body", byClass("body", "deleted"))
	if deleted.text() != "message deleted" {
		t.Errorf("deleted message reads %q", deleted.text())
	}
	going := root.find(byAttr("data-seq", "4"))
	if going.find(byClass("deleting")) == nil {
		t.Error("a pending delete does not say deleting…")
	}
	bar := root.find(byAttr("data-seq", "2")).must(t, "bar", byClass("msg-actions"))
	if bar.attrs["role"] != "group" || bar.attrs["aria-label"] == "" {
		t.Errorf("the bar is not a labelled group: %v", bar.attrs)
	}
}

// TestTimelineShowsPendingAndFoldedActions checks a pending edit, the
// user's pending reaction, "(edited)", a reply's quote (as text) and a
// refused action with its reason, in both languages.
func TestTimelineShowsPendingAndFoldedActions(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			s, lobby := online(lang)
			now := time.Now()
			edited := message("r:lobby", 2, now, "Ann", "fixed")
			edited.Edited = now.UnixMilli()
			reply := message("r:lobby", 3, now, "Bob", "yes")
			reply.Reply = &chat.Quote{Seq: 1, From: "&lt;b&gt;Cid", Text: "&lt;img src=x&gt;"}
			reacted := message("r:lobby", 1, now, "Cid", "hello")
			reacted.Reactions = []chat.Reaction{{Emoji: "👍", Users: []string{"Bob"}}}
			lobby.Entries = []chat.Entry{reacted, edited, reply}
			s.model.Edit("r:lobby", 2, "fixed again")
			s.model.React("r:lobby", 1, "👍", true)
			f := s.model.React("r:lobby", 3, "🎉", true).(*chat.React)
			s.model.Apply(&chat.Error{Code: chat.CodeMessageDeleted, Message: "gone", Ref: chat.TypeReact, ID: &f.ID})
			_, root := render(t, s)

			two := root.find(byAttr("data-seq", "2"))
			if p := two.must(t, "pending edit", byClass("body", "edit-pending")); p.text() != "fixed again" {
				t.Errorf("pending edit shows %q", p.text())
			}
			if tag := two.find(byClass("edited-tag")); tag == nil || tag.text() != T(lang, "msg.edited") || tag.attrs["title"] == "" {
				t.Errorf("edited tag %v", tag)
			}
			r := root.find(byAttr("data-seq", "1")).must(t, "reaction", byClass("reaction"))
			if !isTrue(r, "aria-pressed") || !r.hasClass("pending") || r.find(byClass("reaction-count")).text() != "2" ||
				!strings.Contains(r.attrs["title"], "Bob, Ann") {
				t.Errorf("pending reaction %v %q", r.attrs, r.text())
			}
			q := root.find(byAttr("data-seq", "3")).must(t, "quote", byClass("quote"))
			if q.find(byClass("quote-from")).text() != "<b>Cid" || q.find(byClass("quote-text")).text() != "<img src=x>" {
				t.Errorf("quote reads %q", q.text())
			}
			failed := root.must(t, "refusal", byClass("action-failed"))
			want := T(lang, "act.failed.react", T(lang, "err.message_deleted"))
			if !strings.Contains(failed.text(), want) || failed.attrs["data-code"] != "message_deleted" {
				t.Errorf("refusal reads %q, want %q", failed.text(), want)
			}
		})
	}
}

// TestDeleteDialogAndComposerChip checks the confirmation's roles and
// labels, and the reply chip's name and first line.
func TestDeleteDialogAndComposerChip(t *testing.T) {
	s, lobby := online(English)
	m := message("r:lobby", 1, time.Now(), "Bob", "first &lt;line&gt;<br>second")
	lobby.Entries = []chat.Entry{m}
	p := newConversationPane().Lang(English).Model(s.model)
	p.acts.confirm = &m // the pane's own state
	p.acts.replyTo = &m
	_, root := render(t, p)
	d := root.must(t, "dialog", byID("delete-dialog"))
	if d.attrs["role"] != "alertdialog" || !isTrue(d, "aria-modal") || d.attrs["aria-labelledby"] != "delete-title" || d.attrs["aria-describedby"] != "delete-desc" {
		t.Errorf("dialog attributes %v", d.attrs)
	}
	chip := root.must(t, "chip", byID("composer-mode"))
	if chip.find(byClass("chip-label")).text() != "Replying to Bob" || chip.find(byClass("chip-text")).text() != "first <line>" {
		t.Errorf("chip reads %q", chip.text())
	}
	if c := root.must(t, "cancel", byID("composer-mode-cancel")); c.attrs["aria-label"] != "Cancel the reply" {
		t.Errorf("× is labelled %q", c.attrs["aria-label"])
	}
}
