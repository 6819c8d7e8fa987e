//go:build !js

package client_test

import (
	"bytes"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Files attached while the server cannot be reached wait in the outbox
// (uploads.go): these tests play the order (upload each file, then send
// the message under its id), a refusal for good, and a closed tab whose
// waiting files another tab takes over from the Local.

const (
	fileA = "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	fileB = "BBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func waitingFiles() []client.Upload {
	return []client.Upload{
		client.NewUpload("cat.png", 4, "image/png", []byte("\x89PNG")),
		client.NewUpload("notes.txt", 5, "text/plain", []byte("hello")),
	}
}

func TestWaitingFilesGoUpThenTheMessage(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	dev := m.Device()
	id := m.ComposeWaiting(lobby, "", "look", nil, waitingFiles())
	after := m.Compose(lobby, "", "and this")
	mirror := client.NewMirror(dev)
	if w := mirror.Outbox(m); len(w.Add) != 2 || len(w.Add[0].Uploads) != 2 {
		t.Fatalf("the outbox writes %+v: both messages, the first with its 2 files waiting", w)
	}
	if o := m.Message(id); !o.AwaitsUpload() || !o.Cancellable() {
		t.Fatalf("a message waiting for its files: awaits %v, cancellable %v", o.AwaitsUpload(), o.Cancellable())
	}
	wantFrames(t, m.Unsent()) // the message waits for its files, and the next one for it
	if len(m.Pending(lobby)) != 2 {
		t.Errorf("Pending lists %d messages, want both shown", len(m.Pending(lobby)))
	}

	got, index, u, ok := m.NextUpload()
	if !ok || got != id || index != 0 || u.Name != "cat.png" || u.Token == "" {
		t.Fatalf("NextUpload = %v %d %+v %v, want the first file of %v with a token", got, index, u, ok, id)
	}
	if m.Uploaded(id, 0, chat.File{ID: fileA, Name: "cat.png", Type: "image/png", Size: 4}) {
		t.Fatal("ready after one file of two")
	}
	wantFrames(t, m.Unsent())
	if w := mirror.Outbox(m); len(w.Update) != 1 || !w.Update[0].Uploads[0].Done() || w.Update[0].Uploads[0].Bytes != nil {
		t.Errorf("after the first upload the outbox writes %+v: the message, its first file done, its bytes let go", w)
	}
	if _, index, _, _ := m.NextUpload(); index != 1 {
		t.Fatalf("the next upload is file %d, want 1: each file goes up once", index)
	}
	if !m.Uploaded(id, 1, chat.File{ID: fileB, Name: "notes.txt", Type: "text/plain", Size: 5}) {
		t.Fatal("not ready after both files")
	}
	if _, _, _, ok := m.NextUpload(); ok {
		t.Error("an upload left after both went up")
	}
	wantFrames(t, m.Unsent(),
		&chat.Send{ID: id, Conv: lobby, Text: "look", Files: []string{fileA, fileB}},
		&chat.Send{ID: after.ID, Conv: lobby, Text: "and this"},
	)
	if id != (chat.MsgID{Device: dev, N: 1}) {
		t.Errorf("the message went out as %+v: it keeps the id it was written with", id)
	}
	if w := mirror.Outbox(m); len(w.Update) != 1 || len(w.Update[0].Uploads) != 0 || len(w.Update[0].Files) != 2 {
		t.Errorf("once ready the outbox writes %+v: the files as the message's, no upload left", w)
	}
}

func TestUploadRefusedForGoodFailsTheMessage(t *testing.T) {
	t.Parallel()
	m, _ := ready(t, 3)
	id := m.ComposeWaiting(lobby, "", "big one", nil, waitingFiles())
	after := m.Compose(lobby, "", "next")
	m.UploadRefused(id, 0, "the file is larger than 25 MB, the most a file may be")
	o := m.Message(id)
	if o == nil || o.FailCode != client.FailUpload || o.Failed != "cat.png: the file is larger than 25 MB, the most a file may be" {
		t.Fatalf("refused message: %+v", o)
	}
	if _, _, _, ok := m.NextUpload(); ok {
		t.Error("a failed message's other file is still to upload: it would go up for nothing")
	}
	// The failed message is never sent; the one after it goes.
	wantFrames(t, m.Unsent(), &chat.Send{ID: after.ID, Conv: lobby, Text: "next"})
	if m.Uploaded(id, 1, chat.File{ID: fileB}) {
		t.Error("a late answer made a failed message ready")
	}

	for status, forGood := range map[int]bool{0: false, 200: false, 400: true, 401: true, 408: false, 413: true,
		415: true, 429: false, 500: false, 502: false, 503: false, 507: true} {
		if status == 200 {
			continue
		}
		if got := client.UploadRefusedForGood(status); got != forGood {
			t.Errorf("UploadRefusedForGood(%d) = %v, want %v", status, got, forGood)
		}
	}
}

func TestWaitingFilesOutliveTheirTab(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a := openTab(t, name)
	ma := a.model("ann")
	id := ma.ComposeWaiting(lobbyID, "", "from the train", nil, waitingFiles())
	gone := ma.ComposeWaiting(lobbyID, "", "never mind", nil, waitingFiles()[1:])
	for _, msg := range []chat.MsgID{id, gone} {
		if err := a.local.Add(ma.Message(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := a.local.Cancel(gone); err != nil || !ok {
		t.Fatalf("cancelling a message waiting for its file: %v %v", ok, err)
	}
	a.local.Close() // the tab is closed

	b := openTab(t, name)
	list := append(b.mine, adopt(t, b, "ann")...)
	if len(list) != 1 || list[0].ID != id {
		t.Fatalf("the next page finds %s, want only %v: the cancelled one is gone with its bytes", ids(list), id)
	}
	o := list[0]
	if len(o.Uploads) != 2 || !bytes.Equal(o.Uploads[0].Bytes.([]byte), []byte("\x89PNG")) || o.Uploads[1].Token == "" {
		t.Fatalf("the waiting files as kept: %+v", o.Uploads)
	}
	mb := b.model("ann")
	mb.Adopt(list)
	_, index, u, _ := mb.NextUpload()
	if u.Name != "cat.png" || mb.Uploaded(id, index, chat.File{ID: fileA, Name: u.Name}) {
		t.Fatalf("first upload %q: want cat.png, and the message not ready after it", u.Name)
	}
	_, index, _, _ = mb.NextUpload()
	if !mb.Uploaded(id, index, chat.File{ID: fileB}) {
		t.Fatal("not ready after both")
	}
	wantFrames(t, mb.Unsent(), &chat.Send{ID: id, Conv: lobbyID, Text: "from the train", Files: []string{fileA, fileB}})
}

// adopt takes over what closed tabs left for user.
func adopt(t *testing.T, tb *tab, user string) []*client.Outgoing {
	t.Helper()
	list, err := tb.local.Adopt(user)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
