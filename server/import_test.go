package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// slackZip builds a Slack export in memory: members by name.
func slackZip(t testing.TB, members map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// importReply is the answer to an import.
type importReply struct {
	Rooms, Private, Users, Accounts, Messages, Duplicates, Skipped, Files int
	MissingFiles                                                          int `json:"missing_files"`
	Failed                                                                []string
	Code                                                                  chat.Code
	Error                                                                 string
}

// postImport posts zip to the import route with jar, from the site's own
// page (Origin).
func postImport(t testing.TB, s *chattest.Server, jar http.CookieJar, zip []byte) (int, importReply) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+server.AdminImportPath, bytes.NewReader(zip))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Content-Type", "application/zip")
	resp, err := (&http.Client{Jar: jar, Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out importReply
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("the answer is no JSON: %v", err)
	}
	return resp.StatusCode, out
}

// messagesOf asks for conv's history on c and returns the messages of the
// first page that holds n of them.
func messagesOf(t *testing.T, c *chattest.Client, conv string, n int) []chat.Entry {
	t.Helper()
	only := func(entries []chat.Entry) []chat.Entry {
		var msgs []chat.Entry
		for _, e := range entries {
			if e.Kind == chat.EntryMessage {
				msgs = append(msgs, e)
			}
		}
		return msgs
	}
	c.Send(&chat.History{Conv: conv, After: 0, Limit: chat.MaxHistoryLimit})
	p := chattest.Expect(c, func(p *chat.Page) bool { return p.Conv == conv && len(only(p.Entries)) == n })
	return only(p.Entries)
}

// rootOf asks for conv's history on c until a page ends at last and holds
// n messages, the first a thread's root whose summary counts replies, and
// returns those messages.
func rootOf(t *testing.T, c *chattest.Client, conv string, last uint64, n, replies int) []chat.Entry {
	t.Helper()
	var msgs []chat.Entry
	chattest.Eventually(t, chattest.Wait, func() bool {
		for _, f := range c.Frames() {
			p, ok := f.(*chat.Page)
			if !ok || p.Conv != conv || p.Last != last {
				continue
			}
			msgs = msgs[:0]
			for _, e := range p.Entries {
				if e.Kind == chat.EntryMessage {
					msgs = append(msgs, e)
				}
			}
			if len(msgs) == n && msgs[0].Thread != nil && msgs[0].Thread.Replies == replies {
				return true
			}
		}
		c.Send(&chat.History{Conv: conv, After: 0, Limit: chat.MaxHistoryLimit})
		return false
	}, "the thread's root counts its replies")
	return msgs
}

// TestAnAdminImportsASlackExport: users become names, the channel a room,
// messages keep their times, a thread's replies are replies in the thread
// of its first message, whose summary counts them (with the last one's
// Slack time and who took part), a file in the export is attached and one
// absent is named; importing the same zip again stores nothing twice, and
// a later export with one more day (a third reply) adds only that day; in
// memory and on JetStream.
func TestAnAdminImportsASlackExport(t *testing.T) {
	t.Run("memory", func(t *testing.T) { importsASlackExport(t, withAdmins("root")) })
	t.Run("jetstream", func(t *testing.T) {
		o := withAdmins("root")
		o.Storage = chattest.Durable(t, t.TempDir())
		importsASlackExport(t, o)
	})
}

func importsASlackExport(t *testing.T, o server.Options) {
	s := chattest.New(t, o)
	root := withPassword(t, s, s.User(t, "root"))
	day1 := `[
	 {"type":"message","user":"U1","text":"kickoff <@U2>","ts":"1512085950.000100","thread_ts":"1512085950.000100","reply_count":2},
	 {"type":"message","subtype":"channel_join","user":"U2","text":"<@U2> has joined","ts":"1512085951.000000"},
	 {"type":"message","user":"U2","text":"in the thread","ts":"1512085960.000200","thread_ts":"1512085950.000100"},
	 {"type":"message","user":"U1","text":"me too","ts":"1512085965.000000","thread_ts":"1512085950.000100"},
	 {"type":"message","user":"U2","text":"see these","ts":"1512085970.000300","files":[{"id":"F1","name":"cat.png"},{"id":"F2","name":"plan.pdf"}]}
	]`
	png := pngWithText(t, photo(20, 10), "x")
	members := map[string][]byte{
		"users.json":              []byte(`[{"id":"U1","name":"ann"},{"id":"U2","name":"bob","profile":{"display_name":"Bob B"}}]`),
		"channels.json":           []byte(`[{"id":"C1","name":"general"}]`),
		"general/2017-12-01.json": []byte(day1),
		"__uploads/F1/cat.png":    png,
	}
	first := slackZip(t, members)

	if code, out := postImport(t, s, chattest.NewJar(), first); code != http.StatusUnauthorized {
		t.Errorf("a visitor's import: %d %+v", code, out)
	}
	if code, out := postImport(t, s, s.User(t, "eve").Jar, first); code != http.StatusForbidden || out.Code != chat.CodeForbidden {
		t.Errorf("a member's import: %d %+v", code, out)
	}

	code, out := postImport(t, s, root.Jar, first)
	if code != http.StatusOK || out.Rooms != 1 || out.Users != 2 || out.Messages != 4 || out.Skipped != 1 || out.Files != 1 || out.MissingFiles != 1 {
		t.Fatalf("the import: %d %+v", code, out)
	}
	conv := "r:general"
	room(t, root, "general")
	msgs := rootOf(t, root, conv, 5, 2, 2) // a join, two messages, two thread actions
	kick, files := msgs[0], msgs[1]
	if kick.From != "ann" || !strings.Contains(kick.HTML, "kickoff") || !strings.Contains(kick.HTML, "@Bob_B") || kick.Sent != 1512085950000 {
		t.Errorf("the first message: %+v", kick)
	}
	if th := kick.Thread; th.Last != 1512085965000 || strings.Join(th.Users, ",") != "Bob_B,ann" {
		t.Errorf("the thread's summary: %+v", th)
	}
	thread := chat.ThreadID(conv, kick.Seq)
	replies := messagesOf(t, root, thread, 2)
	if r := replies[0]; r.From != "Bob_B" || !strings.Contains(r.HTML, "in the thread") || r.Reply != nil || r.Sent != 1512085960000 {
		t.Errorf("the thread's first reply: %+v", r)
	}
	if r := replies[1]; r.From != "ann" || !strings.Contains(r.HTML, "me too") || r.Sent != 1512085965000 {
		t.Errorf("the thread's second reply: %+v", r)
	}
	if len(files.Files) != 1 || files.Files[0].Name != "cat.png" || !strings.Contains(files.HTML, "plan.pdf") {
		t.Errorf("the message with files: %+v", files)
	}
	if resp, body := fetch(t, s, root.Jar, chat.FilesPath+"/"+files.Files[0].ID); resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Errorf("the imported file: %d", resp.StatusCode)
	}

	// Again: nothing new, in the room, the thread or its summary.
	code, out = postImport(t, s, root.Jar, first)
	if code != http.StatusOK || out.Messages != 0 || out.Duplicates != 4 {
		t.Errorf("the same import again: %d %+v", code, out)
	}
	if again := messagesOf(t, root, thread, 2); len(again) != 2 {
		t.Errorf("the thread after importing again: %+v", again)
	}
	// A later export, one day more, with a reply to the first day's thread.
	members["general/2017-12-02.json"] = []byte(`[{"type":"message","user":"U1","text":"next day","ts":"1512172800.000100","thread_ts":"1512085950.000100"}]`)
	code, out = postImport(t, s, root.Jar, slackZip(t, members))
	if code != http.StatusOK || out.Messages != 1 || out.Duplicates != 4 {
		t.Errorf("the later export: %d %+v", code, out)
	}
	// The summary counts three replies, its room one action more: the
	// second import added none. The room still holds two messages.
	after := rootOf(t, root, conv, 6, 2, 3)
	if th := after[0].Thread; th.Last != 1512172800000 || strings.Join(th.Users, ",") != "Bob_B,ann" {
		t.Errorf("the thread's summary after the later export: %+v", th)
	}
	if later := messagesOf(t, root, thread, 3); !strings.Contains(later[2].HTML, "next day") {
		t.Errorf("after three imports the thread holds %+v", later)
	}
}

// TestAHostileSlackExportIsRefused: the import answers 400 with a JSON
// error saying why, and stores nothing.
func TestAHostileSlackExportIsRefused(t *testing.T) {
	o := withAdmins("root")
	o.ImportLimits.MaxBytes = 1 << 20
	s := chattest.New(t, o)
	root := withPassword(t, s, s.User(t, "root"))
	for name, tc := range map[string]struct {
		zip  []byte
		want string
	}{
		"traversal": {slackZip(t, map[string][]byte{"channels.json": []byte(`[]`), "../evil.json": []byte(`[]`)}), "outside"},
		"bomb":      {slackZip(t, map[string][]byte{"channels.json": []byte(`[]`), "general/2017-12-01.json": bytes.Repeat([]byte(" "), 2<<20)}), "expands"},
		"json":      {slackZip(t, map[string][]byte{"channels.json": []byte(`[{"id":"C1","name":"general"}]`), "general/2017-12-01.json": []byte(`[{"ts":`)}), "not the JSON"},
		"notZip":    {[]byte("hello"), "not a zip"},
	} {
		code, out := postImport(t, s, root.Jar, tc.zip)
		if code != http.StatusBadRequest || out.Code != chat.CodeBadRequest || !strings.Contains(out.Error, tc.want) {
			t.Errorf("%s: %d %+v; want 400 saying %q", name, code, out, tc.want)
		}
	}
	if code, out := postImport(t, s, root.Jar, slackZip(t, map[string][]byte{"channels.json": []byte(`[]`)})); code != http.StatusOK || out.Rooms != 0 {
		t.Errorf("an empty export: %d %+v", code, out)
	}
}

// TestSlackImportOfPrivateConversations: an export of all conversations
// brings its people as accounts that cannot sign in (one whose name is
// taken here gets another), a private channel as an invite-only room with
// its members (with its thread), a group's direct messages as a group
// conversation (or, more people than a group takes, an invite-only room),
// direct messages as a private conversation (with its file); a private
// channel is never poured into an open room of the same name. Once an
// admin sets a person's password, they sign in and find every
// conversation they were in. Importing again makes nothing twice. In
// memory and on JetStream.
func TestSlackImportOfPrivateConversations(t *testing.T) {
	o := withAdmins("root")
	o.GroupLimit = 3
	t.Run("memory", func(t *testing.T) { importsPrivateConversations(t, o) })
	t.Run("jetstream", func(t *testing.T) {
		o.Storage = chattest.Durable(t, t.TempDir())
		importsPrivateConversations(t, o)
	})
}

func importsPrivateConversations(t *testing.T, o server.Options) {
	s := chattest.New(t, o)
	root := withPassword(t, s, s.User(t, "root"))
	s.User(t, "ann") // the name is someone else's here
	room(t, s.User(t, "lou"), "lounge")
	msg := func(user, text, ts, thread string) string {
		return `{"type":"message","user":"` + user + `","text":"` + text + `","ts":"` + ts + `","thread_ts":"` + thread + `"}`
	}
	members := map[string][]byte{
		"users.json":              []byte(`[{"id":"U1","name":"ann"},{"id":"U2","name":"bob"},{"id":"U3","name":"cy"},{"id":"U4","name":"dan"},{"id":"B1","name":"robot","is_bot":true}]`),
		"channels.json":           []byte(`[{"id":"C1","name":"general","members":["U1","U2"]}]`),
		"general/2017-12-01.json": []byte(`[` + msg("U1", "hello all", "1512085950.000100", "") + `]`),
		"groups.json":             []byte(`[{"id":"G1","name":"secret","members":["U1","U2"]},{"id":"G4","name":"lounge","members":["U1","U2"]}]`),
		"secret/2017-12-01.json": []byte(`[` + msg("U1", "just us", "1512085960.000100", "1512085960.000100") + `,` +
			msg("U2", "in the thread", "1512085961.000100", "1512085960.000100") + `]`),
		"lounge/2017-12-01.json": []byte(`[` + msg("U1", "not for the lounge", "1512085962.000100", "") + `]`),
		"mpims.json": []byte(`[{"id":"G2","name":"mpdm-ann--bob--cy-1","members":["U1","U2","U3"]},` +
			`{"id":"G3","name":"mpdm-ann--bob--cy--dan-1","members":["U1","U2","U3","U4"]}]`),
		"mpdm-ann--bob--cy-1/2017-12-01.json":      []byte(`[` + msg("U3", "three of us", "1512085970.000100", "") + `]`),
		"mpdm-ann--bob--cy--dan-1/2017-12-01.json": []byte(`[` + msg("U4", "four of us", "1512085980.000100", "") + `]`),
		"dms.json": []byte(`[{"id":"D1","members":["U1","U2"]}]`),
		"D1/2017-12-01.json": []byte(`[{"type":"message","user":"U2","text":"a secret","ts":"1512085990.000100",` +
			`"files":[{"id":"F1","name":"cat.png"}]}]`),
		"__uploads/F1/cat.png": pngWithText(t, photo(20, 10), "x"),
	}
	export := slackZip(t, members)
	code, out := postImport(t, s, root.Jar, export)
	if code != http.StatusOK || out.Rooms != 3 || out.Private != 2 || out.Users != 5 || out.Accounts != 4 || out.Messages != 6 || out.Files != 1 ||
		len(out.Failed) != 1 || !strings.Contains(out.Failed[0], "lounge") {
		t.Fatalf("the import: %d %+v", code, out)
	}

	// Nobody signs in as an imported person until an admin sets a password.
	if got := signIn(t, s, &http.Client{Jar: chattest.NewJar()}, "bob", ""); got == http.StatusOK {
		t.Errorf("an imported person signed in without a password")
	}
	var reset struct {
		Password string `json:"password"`
	}
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/users/bob/password", nil, &reset); code != 200 || reset.Password == "" {
		t.Fatalf("the admin sets bob's password: %d", code)
	}
	jar := chattest.NewJar()
	if got := signIn(t, s, &http.Client{Jar: jar}, "bob", reset.Password); got != http.StatusOK {
		t.Fatalf("bob's sign-in: %d", got)
	}
	bob := s.Dial(t, jar)
	w := chattest.Expect(bob, func(w *chat.Welcome) bool { return w.Me == "bob" })
	kinds := map[string]chat.ConvInfo{}
	for _, c := range w.Convs {
		kinds[c.Name] = c
	}
	secret, group, big, dm := kinds["secret"], chat.ConvInfo{}, kinds["mpdm-ann--bob--cy--dan-1"], kinds["ann-2"]
	for _, c := range w.Convs {
		if chat.IsGroup(c.ID) {
			group = c
		}
	}
	if !secret.InviteOnly || secret.Kind != chat.KindRoom || !big.InviteOnly || group.ID == "" || dm.Kind != chat.KindPrivate || kinds["lounge"].ID != "" {
		t.Fatalf("bob's conversations: %+v", w.Convs)
	}
	if got := messagesOf(t, bob, dm.ID, 1)[0]; got.From != "bob" || !strings.Contains(got.HTML, "a secret") || len(got.Files) != 1 {
		t.Errorf("the direct message: %+v", got)
	} else if resp, _ := fetch(t, s, jar, chat.FilesPath+"/"+got.Files[0].ID); resp.StatusCode != http.StatusOK {
		t.Errorf("bob fetches the direct message's file: %d", resp.StatusCode)
	}
	if got := messagesOf(t, bob, group.ID, 1)[0]; got.From != "cy" || !strings.Contains(got.HTML, "three of us") {
		t.Errorf("the group's message: %+v", got)
	}
	root1 := messagesOf(t, bob, secret.ID, 1)[0]
	if root1.From != "ann-2" || root1.Thread == nil || root1.Thread.Replies != 1 {
		t.Errorf("the private channel's message: %+v", root1)
	}
	refusedWith(t, s.User(t, "eve"), &chat.Join{Room: "secret"}, chat.CodeInviteOnly)
	if code, out := postImport(t, s, root.Jar, export); code != http.StatusOK || out.Messages != 0 || out.Duplicates != 6 || out.Accounts != 4 || out.Rooms != 3 || out.Private != 2 {
		t.Errorf("the same import again: %d %+v", code, out)
	}
	again := chattest.Expect(s.Dial(t, jar), func(w *chat.Welcome) bool { return w.Me == "bob" })
	if len(again.Convs) != len(w.Convs) {
		t.Errorf("bob's conversations after importing again: %+v, before %+v", again.Convs, w.Convs)
	}
	var users struct {
		Users []struct {
			Name string `json:"name"`
		} `json:"users"`
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/users?q=ann", nil, &users); code != 200 || len(users.Users) != 2 {
		t.Errorf("the accounts called ann after two imports: %d %+v", code, users)
	}
}
