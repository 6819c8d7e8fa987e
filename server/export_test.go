package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// readZip opens an export's body and returns its members by name.
func readZip(t *testing.T, body string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the export is no zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b
	}
	return out
}

// exported is a conversation or messages member of an export.
type exported struct {
	About   json.RawMessage `json:"about"`
	Entries []chat.Entry    `json:"entries"`
}

func member(t *testing.T, files map[string][]byte, prefix string, about string) exported {
	t.Helper()
	for name, b := range files {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		var x exported
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		if strings.Contains(string(x.About), about) {
			return x
		}
	}
	t.Fatalf("no member %s* about %s in %v", prefix, about, memberNames(files))
	return exported{}
}

func memberNames(files map[string][]byte) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	return out
}

func manifest(t *testing.T, files map[string][]byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil || m["complete"] != true {
		t.Fatalf("manifest.json: %s (%v)", files["manifest.json"], err)
	}
	return m
}

// TestAPersonExportsTheirData: Ann downloads a zip holding her account,
// every conversation she is in as she sees it (Bob's message included),
// messages.json with hers alone (a deleted one left out, an edit as it is
// now), her notification settings, and the bytes of the file she
// attached; a visitor gets 401.
func TestAPersonExportsTheirData(t *testing.T) {
	o := fast()
	pushOn(&o)
	s := chattest.New(t, o)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	if status, body := api(t, ann, http.MethodPost, chat.PushSettingsPath, chat.PushSettings{HideText: true}); status != http.StatusNoContent {
		t.Fatalf("ann's notification settings: %d %s", status, body)
	}
	den := room(t, ann, "den")
	room(t, bob, "den")
	f := mustUpload(t, s, ann.Jar, "cat.png", pngWithText(t, photo(40, 30), "x"))
	sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: den.ID, Text: "meow", Files: []string{f.ID}})
	gone := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: den.ID, Text: "regrettable"})
	sent(t, ann, actID("ann", 3), &chat.Delete{ID: actID("ann", 3), Conv: den.ID, Seq: gone.Seq})
	typo := sent(t, ann, actID("ann", 4), &chat.Send{ID: actID("ann", 4), To: "bob", Text: "helo"})
	sent(t, ann, actID("ann", 5), &chat.Edit{ID: actID("ann", 5), Conv: typo.Conv, Seq: typo.Seq, Text: "hello"})
	sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: den.ID, Text: "woof"})

	if resp, _ := s.Get(t, chattest.NewJar(), server.ExportPath); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a visitor's export: %d", resp.StatusCode)
	}
	resp, body := s.Get(t, ann.Jar, server.ExportPath)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("ann's export: %d %v", resp.StatusCode, resp.Header)
	}
	files := readZip(t, body)
	m := manifest(t, files)
	if m["kind"] != "person" || m["messages"] != 2.0 || m["files"] != 1.0 {
		t.Errorf("manifest: %v", m)
	}
	var acct struct {
		Name          string             `json:"name"`
		Conversations []chat.ConvInfo    `json:"conversations"`
		Notifications *chat.PushSettings `json:"notifications"`
	}
	if err := json.Unmarshal(files["account.json"], &acct); err != nil || acct.Name != "ann" || len(acct.Conversations) != 3 || acct.Notifications == nil || !acct.Notifications.HideText {
		t.Errorf("account.json: %s", files["account.json"])
	}
	inDen := member(t, files, "conversations/", `"id":"r:den"`)
	var text []string
	for _, e := range inDen.Entries {
		text = append(text, e.HTML)
	}
	if all := strings.Join(text, " "); !strings.Contains(all, "woof") || !strings.Contains(all, "meow") || strings.Contains(all, "regrettable") {
		t.Errorf("den as exported: %s", all)
	}
	mine := member(t, files, "messages.json", `"author":"ann"`)
	var all []string
	for _, e := range mine.Entries {
		all = append(all, e.HTML)
		if e.From != "ann" {
			t.Errorf("messages.json holds %s's", e.From)
		}
	}
	if joined := strings.Join(all, " "); len(mine.Entries) != 2 || !strings.Contains(joined, "meow") || !strings.Contains(joined, ">hello<") {
		t.Errorf("messages.json: %+v", mine.Entries)
	}
	if got := files["files/"+f.ID+"/cat.png"]; !bytes.HasPrefix(got, []byte("\x89PNG")) {
		t.Errorf("the attached file: %d bytes; members %v", len(got), memberNames(files))
	}

	// Bob's export holds den too, but not Ann's file.
	_, body = s.Get(t, bob.Jar, server.ExportPath)
	if bobs := readZip(t, body); bobs["files/"+f.ID+"/cat.png"] != nil {
		t.Error("bob's export holds ann's file")
	}
}

// TestAnAdminExportsARoomOrTheServer: an admin (with a password) exports a
// room with every entry as stored and its files, or every conversation; a
// member who is no admin gets 403, a visitor 401, an unknown room 404.
func TestAnAdminExportsARoomOrTheServer(t *testing.T) {
	s := chattest.New(t, withAdmins("root"))
	root := withPassword(t, s, s.User(t, "root"))
	ann := s.User(t, "ann")
	den := room(t, ann, "den")
	f := mustUpload(t, s, ann.Jar, "cat.png", pngWithText(t, photo(40, 30), "x"))
	sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: den.ID, Text: "meow", Files: []string{f.ID}})
	del := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: den.ID, Text: "oops"})
	sent(t, ann, actID("ann", 3), &chat.Delete{ID: actID("ann", 3), Conv: den.ID, Seq: del.Seq})
	sent(t, ann, actID("ann", 4), &chat.Send{ID: actID("ann", 4), To: "root", Text: "psst"})

	for _, tc := range []struct {
		jar  http.CookieJar
		want int
	}{{chattest.NewJar(), http.StatusUnauthorized}, {ann.Jar, http.StatusForbidden}, {s.User(t, "bob").Jar, http.StatusForbidden}} {
		resp, body := s.Get(t, tc.jar, server.AdminExportPath+"?conv="+den.ID)
		if resp.StatusCode != tc.want || !strings.Contains(body, `"code"`) {
			t.Errorf("a non-admin's export: %d %s; want %d", resp.StatusCode, body, tc.want)
		}
	}
	if resp, _ := s.Get(t, root.Jar, server.AdminExportPath+"?conv=r:nowhere"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown room: %d", resp.StatusCode)
	}

	resp, body := s.Get(t, root.Jar, server.AdminExportPath+"?conv="+den.ID)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the room's export: %d %s", resp.StatusCode, body)
	}
	files := readZip(t, body)
	if m := manifest(t, files); m["kind"] != "room" || m["conversations"] != 1.0 || m["files"] != 1.0 {
		t.Errorf("manifest: %v", m)
	}
	raw := member(t, files, "conversations/", `"name":"den"`)
	kinds := map[chat.EntryKind]int{}
	for _, e := range raw.Entries {
		kinds[e.Kind]++
	}
	if kinds[chat.EntryMessage] != 2 || kinds[chat.EntryDelete] != 1 {
		t.Errorf("the room's entries as stored: %v", kinds)
	}
	if len(files["files/"+f.ID+"/cat.png"]) == 0 {
		t.Errorf("the room's file is missing: %v", memberNames(files))
	}

	_, body = s.Get(t, root.Jar, server.AdminExportPath)
	files = readZip(t, body)
	m := manifest(t, files)
	if m["kind"] != "server" || m["conversations"] != 2.0 {
		t.Errorf("the server's manifest: %v; want den and the private conversation", m)
	}
	member(t, files, "conversations/", `"name":"den"`)
	private := member(t, files, "conversations/", `"members":[`)
	if len(private.Entries) == 0 || !strings.Contains(private.Entries[len(private.Entries)-1].HTML, "psst") {
		t.Errorf("the private conversation: %+v", private.Entries)
	}
}

// TestAnExportAfterRetention: once a sweep removed a room's older
// messages, the room's export starts at the first entry kept (the log
// holds nothing before it) and the person's export no longer has them;
// in memory and on JetStream.
func TestAnExportAfterRetention(t *testing.T) {
	t.Run("memory", func(t *testing.T) { exportAfterRetention(t, withAdmins("root")) })
	t.Run("jetstream", func(t *testing.T) {
		o := withAdmins("root")
		o.Storage = chattest.Durable(t, t.TempDir())
		exportAfterRetention(t, o)
	})
}

func exportAfterRetention(t *testing.T, o server.Options) {
	o.Retention = 24 * time.Hour
	o.RetentionEvery = time.Hour
	s := chattest.New(t, o)
	root := withPassword(t, s, s.User(t, "root"))
	ann := s.User(t, "ann")
	den := room(t, ann, "den")
	old := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: den.ID, Text: "ancient"})
	var fresh chat.Ack
	for n := uint64(2); fresh.Time < old.Time+2; n++ {
		fresh = sent(t, ann, actID("ann", n), &chat.Send{ID: actID("ann", n), Conv: den.ID, Text: "recent"})
	}
	if st, err := s.SweepRetention(context.Background(), time.UnixMilli(fresh.Time-1).Add(24*time.Hour)); err != nil || st.Expired != 1 {
		t.Fatalf("the sweep: %+v, %v", st, err)
	}
	_, body := s.Get(t, root.Jar, server.AdminExportPath+"?conv="+den.ID)
	files := readZip(t, body)
	manifest(t, files)
	raw := member(t, files, "conversations/", `"name":"den"`)
	if len(raw.Entries) == 0 || raw.Entries[0].Seq <= old.Seq {
		t.Fatalf("the room's export after the sweep: %+v", raw.Entries)
	}
	_, body = s.Get(t, ann.Jar, server.ExportPath)
	mine := member(t, readZip(t, body), "messages.json", `"author":"ann"`)
	for _, e := range mine.Entries {
		if strings.Contains(e.HTML, "ancient") {
			t.Errorf("ann's export still has the expired message: %+v", e)
		}
	}
	if len(mine.Entries) == 0 {
		t.Error("ann's export lost her recent messages")
	}
}
