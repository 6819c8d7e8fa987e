//go:build !wasm

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// withThread returns a page of Ann in the lobby, whose message 1 has a
// thread of two replies by Bob and Cid.
func withThread(lang Lang) (*Shell, *client.Conversation, string) {
	s, lobby := online(lang)
	now := time.Now()
	root := message("r:lobby", 1, now.Add(-time.Hour), "Ann", "ship on friday?")
	root.Thread = &chat.ThreadSummary{Replies: 2, Last: now.Add(-time.Minute).UnixMilli(), Users: []string{"Bob", "Cid"}}
	lobby.Entries = []chat.Entry{root}
	tid := chat.ThreadID("r:lobby", 1)
	thread := &client.Conversation{Info: chat.ConvInfo{ID: tid, Kind: chat.KindThread, Name: "ship on friday?"}, Name: "ship on friday?", Ready: true, Start: true}
	thread.Entries = []chat.Entry{message(tid, 1, now.Add(-2*time.Minute), "Bob", "yes"), message(tid, 2, now.Add(-time.Minute), "Cid", "friday it is")}
	s.model.Convs[tid] = thread
	return s, thread, tid
}

// TestThreadSummaryAndReplyInThread: a root shows how many replies, when
// the last came and who took part, as a button; its actions offer "Reply
// in thread"; a deleted root keeps the summary.
func TestThreadSummaryAndReplyInThread(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			s, _, _ := withThread(lang)
			_, root := render(t, s)
			sum := root.must(t, "the thread summary", byID("thread-summary-1"))
			if got := sum.must(t, "the count", byClass("thread-replies")).text(); got != T(lang, "thread.replies", 2) {
				t.Errorf("count %q", got)
			}
			if got := sum.must(t, "who", byClass("thread-users")).text(); got != "Bob, Cid" {
				t.Errorf("users %q", got)
			}
			sum.must(t, "the last reply's time", byClass("thread-last")).must(t, "a time", byTag("time"))
			if got := root.must(t, "Reply in thread", byID("act-thread-1")).text(); got != T(lang, "act.thread") {
				t.Errorf("action %q", got)
			}
			if root.find(byID("thread-panel")) != nil {
				t.Error("a side panel shows before any thread is opened")
			}

			s, _, _ = withThread(lang)
			s.model.Convs["r:lobby"].Entries[0].Deleted = true
			_, root = render(t, s)
			root.must(t, "the deleted root's summary", byID("thread-summary-1"))
		})
	}
}

// TestThreadPanelShowsRootRepliesAndComposer: the open thread shows its
// root, its replies and a composer that may send to the room too; a
// deleted root says so and the replies stay readable.
func TestThreadPanelShowsRootRepliesAndComposer(t *testing.T) {
	s, _, tid := withThread(English)
	s.model.OpenThread("r:lobby", 1)
	if s.model.Thread != tid {
		t.Fatalf("open thread %q", s.model.Thread)
	}
	_, root := render(t, s)
	if shell := root.must(t, "the shell", byID("chat")); !shell.hasClass("with-thread") {
		t.Errorf("the shell's classes %q lack with-thread", shell.attrs["class"])
	}
	panel := root.must(t, "the thread panel", byID("thread-panel"))
	if got := panel.must(t, "the root", byClass("thread-root")).text(); !strings.Contains(got, "ship on friday?") {
		t.Errorf("root %q", got)
	}
	tl := panel.must(t, "the thread's timeline", byID("thread-timeline"))
	if got := tl.texts(byClass("msg-text")); len(got) != 3 || !strings.Contains(got[1], "yes") || !strings.Contains(got[2], "friday it is") {
		t.Errorf("messages %q, want the root and two replies", got)
	}
	panel.must(t, "the composer", byID("thread-composer"))
	if got := panel.must(t, "also to the room", byClass("thread-also")).text(); !strings.Contains(got, "# lobby") {
		t.Errorf("also %q", got)
	}
	if got := panel.must(t, "follow", byID("thread-follow")).text(); got != "Follow" {
		t.Errorf("follow button %q for a thread not followed", got)
	}
	s, _, _ = withThread(English)
	s.model.OpenThread("r:lobby", 1)
	s.model.Convs["r:lobby"].Entries[0].Deleted = true
	s.model.Convs[tid].Followed = true
	_, root = render(t, s)
	panel = root.must(t, "the thread panel", byID("thread-panel"))
	if got := panel.must(t, "the root", byClass("thread-root")).text(); !strings.Contains(got, T(English, "msg.deleted")) || strings.Contains(got, "friday?") {
		t.Errorf("deleted root %q", got)
	}
	if got := panel.texts(byClass("msg-text")); len(got) != 3 || !strings.Contains(got[2], "friday it is") {
		t.Errorf("messages %q after the root was deleted", got)
	}
	if got := panel.must(t, "follow", byID("thread-follow")).text(); got != "Unfollow" {
		t.Errorf("follow button %q for a followed thread", got)
	}
}

// TestThreadsViewListsFollowedWithUnread: the conversation list's Threads
// button and the Threads view count the unread replies of the followed
// threads; one not followed is not listed.
func TestThreadsViewListsFollowedWithUnread(t *testing.T) {
	s, _, tid := withThread(English)
	_, root := render(t, s)
	if btn := root.must(t, "the Threads button", byID("threads-btn")); btn.find(byClass("unread")) != nil {
		t.Error("an unread count with no thread followed")
	}
	s, thread, _ := withThread(English)
	thread.Followed, thread.Unread = true, 2
	s.threadsView = true
	_, root = render(t, s)
	if got := root.must(t, "the Threads button", byID("threads-btn")).must(t, "its count", byClass("unread")).text(); got != "2" {
		t.Errorf("button count %q", got)
	}
	list := root.must(t, "the Threads view", byID("threads-list"))
	items := list.all(byClass("thread-item"))
	if len(items) != 1 || items[0].attrs["data-conv"] != tid {
		t.Fatalf("%d threads listed", len(items))
	}
	if got := items[0].must(t, "the count", byClass("unread")).text(); got != "2" {
		t.Errorf("listed count %q", got)
	}
	if got := items[0].text(); !strings.Contains(got, "ship on friday?") || !strings.Contains(got, "# lobby") {
		t.Errorf("item %q", got)
	}
}

// TestThreadPanelActions: a reply offers React (the emoji picker) to anyone, Edit and Delete to
// its author only; a reaction shows on the reply; the root takes its
// actions in the timeline, not here.
func TestThreadPanelActions(t *testing.T) {
	s, thread, tid := withThread(English)
	mine := message(tid, 3, time.Now(), "Ann", "mine")
	mine.Reactions = []chat.Reaction{{Emoji: "🎉", Users: []string{"Bob"}}}
	thread.Entries = append(thread.Entries, mine)
	s.model.OpenThread("r:lobby", 1)
	_, root := render(t, s)
	panel := root.must(t, "the thread panel", byID("thread-panel"))
	if got := strings.Join(panel.must(t, "Cid's reply", byAttr("data-seq", "2"), byClass("entry")).texts(byClass("act")), ","); got != "React" {
		t.Errorf("Cid's reply offers %s", got)
	}
	ann := panel.must(t, "Ann's reply", byAttr("data-seq", "3"), byClass("entry"))
	if got := strings.Join(ann.texts(byClass("act")), ","); got != "React,Edit,Delete" {
		t.Errorf("Ann's reply offers %s", got)
	}
	if got := ann.must(t, "its reaction", byClass("reaction")).attrs["data-emoji"]; got != "🎉" {
		t.Errorf("reaction %q", got)
	}
	if r := panel.must(t, "the root", byClass("thread-root")); r.find(byClass("act")) != nil {
		t.Error("the root offers actions in the panel")
	}
}

// TestThreadPanelFilesAndMentions: the thread's composer has the room's
// attachments and "@" completion, as the same components with ids of
// their own: a paperclip and its uploads (one waiting, as chosen
// offline), the files of a reply, and the names offered after "@".
func TestThreadPanelFilesAndMentions(t *testing.T) {
	s, thread, tid := withThread(English)
	reply := message(tid, 3, time.Now(), "Bob", "the plan")
	reply.Files = []chat.File{
		{ID: "f1", Name: "plan.png", Type: "image/png", Size: 2048, Width: 640, Height: 480, Thumb: true},
		{ID: "f2", Name: "notes.pdf", Type: "application/pdf", Size: 4096},
	}
	thread.Entries = append(thread.Entries, reply)
	s.model.OpenThread("r:lobby", 1)
	_, root := render(t, s)
	panel := root.must(t, "the thread panel", byID("thread-panel"))
	if clip := panel.must(t, "the thread's paperclip", byID("thread-attach")); clip.attrs["aria-label"] != T(English, "attach.button") {
		t.Errorf("paperclip %v", clip.attrs)
	}
	panel.must(t, "the thread's file input", byID("thread-attach-input"))
	if panel.find(byID("attach")) != nil || root.must(t, "the conversation", byID("conversation")).find(byID("attach")) == nil {
		t.Error("the room's paperclip is not the room's alone")
	}
	files := panel.must(t, "the reply", byAttr("data-seq", "3"), byClass("entry")).must(t, "its files", byClass("files"))
	if thumb := files.must(t, "the image", byClass("file-thumb")); thumb.attrs["data-file"] != "f1" {
		t.Errorf("thumbnail %v", thumb.attrs)
	}
	if card := files.must(t, "the file", byClass("file-card")); card.attrs["data-file"] != "f2" || !strings.Contains(card.text(), "notes.pdf") {
		t.Errorf("file card %v %q", card.attrs, card.text())
	}

	p := newThreadPanel().Lang(English).Model(s.model).Online(false).Names([]string{"Bob", "Cid", "Bea"})
	p.att.uploads = []*upload{{key: 1, name: "offline.png", size: 1000, typ: "image/png", waiting: true}}
	p.mention.suggestFor("ask @b", p.Inames)
	_, root = render(t, p)
	if got := root.must(t, "the waiting upload", byID("thread-uploads")).must(t, "it", byClass("upload", "waiting")).text(); !strings.Contains(got, "offline.png") || !strings.Contains(got, T(English, "attach.waiting")) {
		t.Errorf("waiting upload %q", got)
	}
	box := root.must(t, "the thread's composer", byID("thread-composer"))
	if box.attrs["aria-controls"] != "thread-mention-list" || box.attrs["aria-activedescendant"] != "thread-mention-opt-0" {
		t.Errorf("composer %v", box.attrs)
	}
	if got := root.must(t, "the names", byID("thread-mention-list")).texts(byAttr("role", "option")); strings.Join(got, ",") != "Bob,Bea" {
		t.Errorf("offered %q, want Bob,Bea", got)
	}
}
