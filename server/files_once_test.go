package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestAnUploadRetriedWithItsTokenIsStoredOnce checks chat.UploadTokenParam:
// a client that lost the answer to an upload (the connection dropped, the
// tab closed) and tries again with the same token gets the same file, and
// the file counts once against its quota; another user's token, or no
// token, is another file.
func TestAnUploadRetriedWithItsTokenIsStoredOnce(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	s := chattest.New(t, server.Options{Storage: st, UploadQuota: 2500})
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	body := bytes.Repeat([]byte("offline "), 125) // 1000 bytes
	once := "&" + chat.UploadTokenParam + "=tokenOfAnnsFile1234"

	first := upload(t, s, ann.Jar, "notes.txt", body, once, false)
	again := upload(t, s, ann.Jar, "notes.txt", body, once, true)
	if first.Status != http.StatusOK || again.Status != http.StatusOK || first.File == nil || again.File == nil {
		t.Fatalf("two tries of one upload: %d %q, %d %q", first.Status, first.Error, again.Status, again.Error)
	}
	if *again.File != *first.File {
		t.Errorf("the second try answered %+v, want the first's %+v", *again.File, *first.File)
	}
	if used, err := st.Files.Usage(context.Background(), "ann"); err != nil || used != 1000 {
		t.Errorf("after two tries ann's files take %d bytes (%v), want 1000: counted once", used, err)
	}
	// Near the quota the retry is still answered: it stores nothing.
	mustUpload(t, s, ann.Jar, "other.txt", bytes.Repeat([]byte{2}, 1000))
	if u := upload(t, s, ann.Jar, "notes.txt", body, once, false); u.Status != http.StatusOK || u.File.ID != first.File.ID {
		t.Errorf("a retry near the quota: %d %q", u.Status, u.Error)
	}
	if got := mustUpload(t, s, bob.Jar, "notes.txt", body); got.ID == first.File.ID {
		t.Error("bob's upload of the same bytes took ann's file")
	}
	if u := upload(t, s, bob.Jar, "notes.txt", body, once, false); u.Status != http.StatusOK || u.File.ID == first.File.ID {
		t.Errorf("bob with ann's token: %d %+v: must be a file of his own", u.Status, u.File)
	}
	if resp, _ := fetch(t, s, bob.Jar, chat.FilesPath+"/"+first.File.ID); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob fetches ann's unposted file: %d", resp.StatusCode)
	}
	if u := upload(t, s, ann.Jar, "x.txt", body, "&"+chat.UploadTokenParam+"=short", false); u.Status != http.StatusBadRequest || !strings.Contains(u.Error, "token") {
		t.Errorf("a malformed token: %d %q", u.Status, u.Error)
	}
}
