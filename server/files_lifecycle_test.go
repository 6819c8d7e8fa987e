package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// Integration tests of an attachment's life after its upload: it goes for
// everyone once no message refers to it (hub/file_lifecycle.go).

// fileStatus fetches file f (or its thumbnail) as c and returns the status.
func fileStatus(t *testing.T, s *chattest.Server, c *chattest.Client, f chat.File, thumb bool) int {
	t.Helper()
	path := chat.FilesPath + "/" + f.ID
	if thumb {
		path += "/thumb"
	}
	resp, _ := fetch(t, s, c.Jar, path)
	return resp.StatusCode
}

// wantFile checks that each client gets status for file f and its
// thumbnail, if it has one.
func wantFile(t *testing.T, s *chattest.Server, f chat.File, status int, clients ...*chattest.Client) {
	t.Helper()
	for _, c := range clients {
		for _, thumb := range []bool{false, true} {
			if thumb && !f.Thumb {
				continue
			}
			if got := fileStatus(t, s, c, f, thumb); got != status {
				t.Errorf("file %s (thumb %v): %d; want %d", f.ID, thumb, got, status)
			}
		}
	}
}

func wantUsage(t *testing.T, st *server.Storage, user string, want int64) {
	t.Helper()
	if got, err := st.Files.Usage(context.Background(), user); err != nil || got != want {
		t.Errorf("usage of %s = %d, %v; want %d", user, got, err, want)
	}
}

// withStorage is fast() on st, so that a test can look into it.
func withStorage(st *server.Storage) server.Options {
	o := fast()
	o.Storage = st
	return o
}

func TestDeletingTheMessageRemovesItsFileForEveryone(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	s := chattest.New(t, withStorage(st))
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	f := mustUpload(t, s, ann.Jar, "photo.png", pngWithText(t, photo(40, 30), "x"))
	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "look", Files: []string{f.ID}})
	wantFile(t, s, f, http.StatusOK, ann, bob)

	sent(t, ann, actID("ann", 2), &chat.Delete{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: m.Seq})
	wantFile(t, s, f, http.StatusNotFound, ann, bob)
	wantUsage(t, st, "ann", 0)
	if _, err := st.Files.File(context.Background(), f.ID); err == nil {
		t.Error("the record of the removed file is still there")
	}

	// The message shows as deleted, without its file card, live and in
	// history.
	chattest.Expect(bob, func(e *chat.Entry) bool { return e.Kind == chat.EntryDelete && e.Target == m.Seq })
	bob.Send(&chat.History{Conv: hub.LobbyID, Before: m.Seq + 1, Limit: 1})
	p := chattest.Expect(bob, func(p *chat.Page) bool {
		return len(p.Entries) == 1 && p.Entries[0].Seq == m.Seq && p.Entries[0].Deleted
	})
	if got := p.Entries[0]; got.HTML != chat.DeletedHTML || len(got.Files) != 0 {
		t.Errorf("the deleted message in history: %+v", got)
	}

	// Posting the removed file again finds nothing to post.
	ann.Send(&chat.Send{ID: actID("ann", 3), Conv: hub.LobbyID, Files: []string{f.ID}})
	refused(t, ann, actID("ann", 3), chat.TypeSend, chat.CodeNoSuchFile)
}

func TestAFileStaysWhileAnotherMessageRefersToIt(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	s := chattest.New(t, withStorage(st))
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	same := pngWithText(t, photo(30, 20), "same bytes")
	annFile := mustUpload(t, s, ann.Jar, "a.png", same)
	bobFile := mustUpload(t, s, bob.Jar, "b.png", same) // the same blob
	first := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Files: []string{annFile.ID}})
	again := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: hub.LobbyID, Text: "again", Files: []string{annFile.ID}})
	bobs := sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: hub.LobbyID, Files: []string{bobFile.ID}})

	sent(t, ann, actID("ann", 3), &chat.Delete{ID: actID("ann", 3), Conv: hub.LobbyID, Seq: first.Seq})
	wantFile(t, s, annFile, http.StatusOK, ann, bob) // the second message still shows it

	sent(t, ann, actID("ann", 4), &chat.Delete{ID: actID("ann", 4), Conv: hub.LobbyID, Seq: again.Seq})
	wantFile(t, s, annFile, http.StatusNotFound, ann, bob)
	wantFile(t, s, bobFile, http.StatusOK, ann, bob) // the same bytes, uploaded by Bob
	wantUsage(t, st, "ann", 0)

	sent(t, bob, actID("bob", 2), &chat.Delete{ID: actID("bob", 2), Conv: hub.LobbyID, Seq: bobs.Seq})
	wantFile(t, s, bobFile, http.StatusNotFound, ann, bob)
	wantUsage(t, st, "bob", 0)
}

func TestAModeratorsDeleteRemovesTheFile(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	s := chattest.New(t, withStorage(st))
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	den := room(t, ann, "den") // Ann owns it, so moderates it
	room(t, bob, "den")
	f := mustUpload(t, s, bob.Jar, "notes.txt", []byte("not for this room"))
	m := sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: den.ID, Files: []string{f.ID}})
	wantFile(t, s, f, http.StatusOK, ann, bob)

	sent(t, ann, actID("ann", 1), &chat.Delete{ID: actID("ann", 1), Conv: den.ID, Seq: m.Seq})
	wantFile(t, s, f, http.StatusNotFound, ann, bob)
	wantUsage(t, st, "bob", 0)
}

func TestAFileRemovedOnOneNodeIsGoneOnTheOthers(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, _ := nodes(t, url, 2)
	ann, bob := srvs[0].User(t, "ann"), srvs[1].User(t, "bob")
	f := mustUpload(t, srvs[0], ann.Jar, "photo.png", pngWithText(t, photo(20, 20), "x"))
	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Files: []string{f.ID}})
	wantFile(t, srvs[1], f, http.StatusOK, bob)

	sent(t, ann, actID("ann", 2), &chat.Delete{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: m.Seq})
	wantFile(t, srvs[1], f, http.StatusNotFound, bob)
}

func TestAnUploadNeverPostedExpires(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	o := withStorage(st)
	o.UploadExpiry = 2 * time.Second // a post within it keeps its file
	s := chattest.New(t, o)
	ann := s.User(t, "ann")
	kept := mustUpload(t, s, ann.Jar, "posted.txt", []byte("posted at once"))
	sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Files: []string{kept.ID}})
	forgotten := mustUpload(t, s, ann.Jar, "forgotten.txt", []byte("never posted"))

	chattest.Eventually(t, chattest.Wait, func() bool {
		return fileStatus(t, s, ann, forgotten, false) == http.StatusNotFound
	}, "the upload never posted is still there")
	wantUsage(t, st, "ann", kept.Size)
	wantFile(t, s, kept, http.StatusOK, ann)
}
