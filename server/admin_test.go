package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// adminCall makes one request of the admin API as the browser of jar (its
// cookie session; from the server's own pages unless header says
// otherwise) and returns the status, the body decoded into out.
func adminCall(t testing.TB, base string, jar http.CookieJar, method, path string, header http.Header, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if method != "GET" {
		req.Header.Set("Origin", base)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := apiHTTP(jar).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// adminRoutes lists a request of every route of the admin API.
var adminRoutes = [][2]string{
	{"GET", "/api/admin/me"},
	{"GET", "/api/admin/users"},
	{"GET", "/api/admin/users/ann"},
	{"POST", "/api/admin/users/ann/signout"},
	{"POST", "/api/admin/users/ann/disable"},
	{"POST", "/api/admin/users/ann/enable"},
	{"POST", "/api/admin/users/ann/password"},
	{"PUT", "/api/admin/users/ann/admin"},
	{"DELETE", "/api/admin/users/ann/admin"},
	{"DELETE", "/api/admin/users/ann"},
	{"GET", "/api/admin/rooms"},
	{"POST", "/api/admin/rooms/r:lobby/archive"},
	{"POST", "/api/admin/rooms/r:lobby/unarchive"},
	{"PUT", "/api/admin/rooms/r:lobby/owner/ann"},
	{"DELETE", "/api/admin/rooms/r:lobby"},
	{"GET", "/api/admin/audit"},
	{"GET", "/api/admin/nodes"},
	{"GET", "/api/admin/storage"},
	{"GET", "/api/admin/no/such/route"},
}

// TestAdminAPIRefusesVisitorsAndMembers: every route of the admin API,
// and the console's page, answer 401 to a visitor and 403 to a member
// who is not an admin, with the protocol's codes; a member's token with
// the admin scope is refused too, and so is an admin's browser from a
// page of another site, or an admin's token without the admin scope.
// Nothing of it reaches the audit log.
func TestAdminAPIRefusesVisitorsAndMembers(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := userWithPassword(t, s, "root", "root's long password")
	ann := s.User(t, "ann")
	annToken := newToken(t, s, ann, "read", "admin")
	rootRead := newToken(t, s, root, "read")
	visitor := chattest.NewJar()
	for _, rt := range adminRoutes {
		var e apiErr
		if code := adminCall(t, s.URL, visitor, rt[0], rt[1], nil, &e); code != 401 || e.Code != chat.CodeUnauthorized {
			t.Errorf("visitor %s %s: %d %+v", rt[0], rt[1], code, e)
		}
		e = apiErr{}
		if code := adminCall(t, s.URL, ann.Jar, rt[0], rt[1], nil, &e); code != 403 || e.Code != chat.CodeForbidden {
			t.Errorf("member %s %s: %d %+v", rt[0], rt[1], code, e)
		}
		e = apiErr{}
		if code, _ := apiCall(t, s.URL, annToken, rt[0], rt[1], nil, nil, &e); code != 403 || e.Code != chat.CodeForbidden {
			t.Errorf("member's admin token %s %s: %d %+v", rt[0], rt[1], code, e)
		}
		e = apiErr{}
		if code, _ := apiCall(t, s.URL, rootRead, rt[0], rt[1], nil, nil, &e); code != 403 || e.Code != chat.CodeForbidden {
			t.Errorf("admin's token without the admin scope %s %s: %d %+v", rt[0], rt[1], code, e)
		}
		e = apiErr{}
		if code := adminCall(t, s.URL, root.Jar, rt[0], rt[1], http.Header{"Origin": {"https://evil.example"}}, &e); code != 403 || e.Code != chat.CodeForbidden {
			t.Errorf("admin from another site %s %s: %d %+v", rt[0], rt[1], code, e)
		}
	}
	// A change from the admin's browser needs its Origin (CSRF).
	req, _ := http.NewRequest("POST", s.URL+"/api/admin/users/ann/disable", nil)
	if resp, err := apiHTTP(root.Jar).Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("admin's POST without an Origin: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	if code := adminCall(t, s.URL, visitor, "GET", "/admin", nil, nil); code != 401 {
		t.Errorf("visitor opening /admin: %d", code)
	}
	if code := adminCall(t, s.URL, ann.Jar, "GET", "/admin", nil, nil); code != 403 {
		t.Errorf("member opening /admin: %d", code)
	}
	var log struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 0 {
		t.Errorf("audit log after refused requests: %d %+v", code, log)
	}
}

type adminUserBody struct {
	User struct {
		Name      string `json:"name"`
		Disabled  bool   `json:"disabled"`
		Admin     bool   `json:"admin"`
		FlagAdmin bool   `json:"flagAdmin"`
	} `json:"user"`
	Sessions []struct {
		ID   string `json:"id"`
		Addr string `json:"addr"`
	} `json:"sessions"`
	Tokens []struct {
		ID string `json:"id"`
	} `json:"tokens"`
}

type auditBody struct {
	Entries []struct {
		Seq    uint64 `json:"seq"`
		Time   int64  `json:"time"`
		Actor  string `json:"actor"`
		Addr   string `json:"addr"`
		Via    string `json:"via"`
		Action string `json:"action"`
		Target string `json:"target"`
		Detail string `json:"detail"`
	} `json:"entries"`
	Next uint64 `json:"next"`
}

// TestAdminActionsWorkAndAreAudited: an admin finds users, sees their
// sessions, disables one (her connection closes, her password and her
// token stop working) and enables her again, resets a password (the new
// one signs in), makes and unmakes an admin (not the flag's), signs a
// user out everywhere and deletes an account (its name is free again);
// each action is in the audit log, with who, what, when and from where,
// newest first and paged.
func TestAdminActionsWorkAndAreAudited(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := userWithPassword(t, s, "root", "root's long password")
	ann := userWithPassword(t, s, "ann", "ann's own words")
	annToken := newToken(t, s, ann, "read")
	bob := s.User(t, "bob")

	var users struct {
		Users []struct {
			Name      string `json:"name"`
			FlagAdmin bool   `json:"flagAdmin"`
		} `json:"users"`
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/users?q=AN", nil, &users); code != 200 || len(users.Users) != 1 || users.Users[0].Name != "ann" {
		t.Fatalf("search: %d %+v", code, users)
	}
	var u adminUserBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/users/ann", nil, &u); code != 200 || u.User.Name != "ann" || len(u.Sessions) != 1 || len(u.Tokens) != 1 {
		t.Fatalf("ann: %d %+v", code, u)
	}

	// Disable: the connection closes, no sign-in, no token.
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/users/ann/disable", nil, nil); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	if code := ann.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
		t.Errorf("ann's connection after disable: %v", code)
	}
	if code := signIn(t, s, apiHTTP(chattest.NewJar()), "ann", "ann's own words"); code != 403 {
		t.Errorf("sign-in of a disabled account: %d", code)
	}
	if code, _ := apiCall(t, s.URL, annToken, "GET", "/api/v1/me", nil, nil, nil); code != 401 {
		t.Errorf("token of a disabled account: %d", code)
	}
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/users/ann/enable", nil, nil); code != 200 {
		t.Fatalf("enable: %d", code)
	}
	if code := signIn(t, s, apiHTTP(chattest.NewJar()), "ann", "ann's own words"); code != 200 {
		t.Errorf("sign-in once enabled: %d", code)
	}
	if code, _ := apiCall(t, s.URL, annToken, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
		t.Errorf("token once enabled: %d", code)
	}

	// Reset a password.
	var pw struct {
		Password string `json:"password"`
	}
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/users/ann/password", nil, &pw); code != 200 || len(pw.Password) < 12 {
		t.Fatalf("reset: %d %+v", code, pw)
	}
	if code := signIn(t, s, apiHTTP(chattest.NewJar()), "ann", "ann's own words"); code != 401 {
		t.Errorf("old password after a reset: %d", code)
	}
	if code := signIn(t, s, apiHTTP(chattest.NewJar()), "ann", pw.Password); code != 200 {
		t.Errorf("new password: %d", code)
	}

	// Make and unmake an admin; the flag's admin stays.
	if code := adminCall(t, s.URL, bob.Jar, "GET", "/api/admin/me", nil, nil); code != 403 {
		t.Errorf("bob before: %d", code)
	}
	if code := adminCall(t, s.URL, root.Jar, "PUT", "/api/admin/users/bob/admin", nil, nil); code != 400 {
		t.Errorf("making a name without a password an admin: %d", code)
	}
	bob.Send(&chat.SetPassword{New: "bob's own words"})
	chattest.Expect(bob, func(a *chat.Account) bool { return a.Password })
	if code := adminCall(t, s.URL, root.Jar, "PUT", "/api/admin/users/bob/admin", nil, nil); code != 200 {
		t.Fatalf("make admin: %d", code)
	}
	if code := adminCall(t, s.URL, bob.Jar, "GET", "/api/admin/me", nil, nil); code != 200 {
		t.Errorf("bob as an admin: %d", code)
	}
	var e apiErr
	if code := adminCall(t, s.URL, bob.Jar, "DELETE", "/api/admin/users/root/admin", nil, &e); code != 403 || !strings.Contains(e.Error, "-admin") {
		t.Errorf("unmaking the flag's admin: %d %+v", code, e)
	}
	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/users/bob/admin", nil, nil); code != 200 {
		t.Fatalf("remove admin: %d", code)
	}
	if code := adminCall(t, s.URL, bob.Jar, "GET", "/api/admin/me", nil, nil); code != 403 {
		t.Errorf("bob after: %d", code)
	}

	// Sign out everywhere, then delete.
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/users/bob/signout", nil, nil); code != 200 {
		t.Fatalf("sign out: %d", code)
	}
	if code := bob.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
		t.Errorf("bob's connection after sign-out everywhere: %v", code)
	}
	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/users/bob?messages=keep", nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/users/bob", nil, &e); code != 404 || e.Code != chat.CodeNoSuchUser {
		t.Errorf("bob after delete: %d %+v", code, e)
	}
	again := s.User(t, "bob") // the name is free: a new user takes it
	if code := adminCall(t, s.URL, again.Jar, "GET", "/api/admin/me", nil, nil); code != 403 {
		t.Errorf("the new bob: %d", code)
	}

	var log auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	want := []string{"user.delete bob", "user.signout bob", "admin.remove bob", "admin.add bob", "user.password ann", "user.enable ann", "user.disable ann"}
	var got []string
	for _, e := range log.Entries {
		got = append(got, e.Action+" "+e.Target)
		if e.Actor != "root" || e.Addr == "" || e.Via != "session" || time.Since(time.UnixMilli(e.Time)) > time.Minute {
			t.Errorf("entry %+v: want root, an address, a session and a time", e)
		}
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit log:\n got %v\nwant %v", got, want)
	}
	var page auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit?limit=3", nil, &page); code != 200 || len(page.Entries) != 3 || page.Next == 0 {
		t.Fatalf("first page: %d %+v", code, page)
	}
	var next auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit?limit=3&before="+itoa(page.Next), nil, &next); code != 200 || len(next.Entries) != 3 || next.Entries[0].Seq != page.Entries[2].Seq-1 {
		t.Errorf("second page: %d %+v", code, next)
	}
}

// TestAdminTokenAndNodesAndStorage: an admin's token with the admin scope
// reaches the API, and its actions are audited as the token's; the nodes
// and storage answer.
func TestAdminTokenAndNodesAndStorage(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}, Version: "v-test"})
	root := userWithPassword(t, s, "root", "root's long password")
	s.User(t, "ann")
	tok := newToken(t, s, root, "admin")
	if code, _ := apiCall(t, s.URL, tok, "POST", "/api/admin/users/ann/signout", nil, nil, nil); code != 200 {
		t.Fatalf("sign out with a token: %d", code)
	}
	var log auditBody
	if code, _ := apiCall(t, s.URL, tok, "GET", "/api/admin/audit", nil, nil, &log); code != 200 || len(log.Entries) != 1 || !strings.HasPrefix(log.Entries[0].Via, "token ") {
		t.Errorf("audit: %d %+v", code, log)
	}
	var nodes struct {
		Nodes []struct {
			Node        string `json:"node"`
			Version     string `json:"version"`
			Healthy     bool   `json:"healthy"`
			Ready       bool   `json:"ready"`
			Connections int    `json:"connections"`
		} `json:"nodes"`
	}
	if code, _ := apiCall(t, s.URL, tok, "GET", "/api/admin/nodes", nil, nil, &nodes); code != 200 || len(nodes.Nodes) != 1 ||
		nodes.Nodes[0].Version != "v-test" || !nodes.Nodes[0].Healthy || !nodes.Nodes[0].Ready || nodes.Nodes[0].Connections < 1 {
		t.Errorf("nodes: %d %+v", code, nodes)
	}
	var st struct {
		Stores  []any `json:"stores"`
		Uploads []any `json:"uploads"`
	}
	if code, _ := apiCall(t, s.URL, tok, "GET", "/api/admin/storage", nil, nil, &st); code != 200 || st.Stores == nil || st.Uploads == nil {
		t.Errorf("storage: %d %+v", code, st)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(bytes.TrimSpace(b))
}

// TestAdminRoomsArchive: the console lists rooms with their owner,
// members and activity; an archived room answers a post, an edit and a
// reaction with the archived error frame, and is readable, and its
// members' tabs are told it is archived; unarchived, it takes posts again
// and the tabs are told so. Both actions are audited.
func TestAdminRoomsArchive(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := userWithPassword(t, s, "root", "root's long password")
	ann := s.User(t, "ann")
	den := room(t, ann, "den")
	ann.Send(&chat.Send{ID: msgID(1), Conv: den.ID, Text: "first"})
	first := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })

	var rooms struct {
		Rooms []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Owner    string `json:"owner"`
			Members  int    `json:"members"`
			Entries  uint64 `json:"entries"`
			Last     int64  `json:"last"`
			Archived bool   `json:"archived"`
		} `json:"rooms"`
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/rooms?q=de", nil, &rooms); code != 200 || len(rooms.Rooms) != 1 {
		t.Fatalf("rooms: %d %+v", code, rooms)
	}
	if r := rooms.Rooms[0]; r.ID != den.ID || r.Owner != "ann" || r.Members != 1 || r.Entries < first.Seq || r.Last == 0 || r.Archived {
		t.Errorf("den: %+v", r)
	}
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/rooms/"+den.ID+"/archive", nil, nil); code != 200 {
		t.Fatalf("archive: %d", code)
	}
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == den.ID && c.Archived }) // her tab shows it
	refusedWith(t, ann, &chat.Send{ID: msgID(2), Conv: den.ID, Text: "still here?"}, chat.CodeArchived)
	refusedWith(t, ann, &chat.Edit{ID: msgID(3), Conv: den.ID, Seq: first.Seq, Text: "changed"}, chat.CodeArchived)
	refusedWith(t, ann, &chat.React{ID: msgID(4), Conv: den.ID, Seq: first.Seq, Emoji: "👍", On: true}, chat.CodeArchived)
	refusedWith(t, ann, &chat.Delete{ID: msgID(6), Conv: den.ID, Seq: first.Seq}, chat.CodeArchived)
	ann.Send(&chat.History{Conv: den.ID, Limit: 10})
	chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == den.ID && len(p.Entries) > 0 })
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/rooms?q=den", nil, &rooms); code != 200 || !rooms.Rooms[0].Archived {
		t.Errorf("den once archived: %d %+v", code, rooms)
	}
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/rooms/"+den.ID+"/unarchive", nil, nil); code != 200 {
		t.Fatalf("unarchive: %d", code)
	}
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == den.ID && !c.Archived && convsOf(ann, den.ID) > 2 })
	ann.Send(&chat.Send{ID: msgID(5), Conv: den.ID, Text: "back"})
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(5) })
	var e apiErr
	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/rooms/r:nowhere/archive", nil, &e); code != 404 || e.Code != chat.CodeNoSuchConv {
		t.Errorf("archiving no room: %d %+v", code, e)
	}
	var log auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 2 ||
		log.Entries[0].Action != "room.unarchive" || log.Entries[1].Action != "room.archive" || log.Entries[1].Target != den.ID {
		t.Errorf("audit: %d %+v", code, log)
	}
}

// TestAdminRoomsOwnerAndDelete: the console gives a room another owner,
// who moderates it at once while the one before no longer does, and
// their tabs are told; deleting a room takes it from every member's tab
// and nobody may join it again; the lobby has no owner and stays. Every
// action is audited.
func TestAdminRoomsOwnerAndDelete(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := userWithPassword(t, s, "root", "root's long password")
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	den := room(t, ann, "den")
	room(t, bob, "den")

	if code := adminCall(t, s.URL, root.Jar, "PUT", "/api/admin/rooms/"+den.ID+"/owner/bob", nil, nil); code != 200 {
		t.Fatalf("owner: %d", code)
	}
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && c.Owner == "bob" && c.Moderator })
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == den.ID && c.Owner == "bob" && !c.Moderator })
	refusedWith(t, ann, &chat.SetInviteOnly{Conv: den.ID, On: true}, chat.CodeNotOwner)
	bob.Send(&chat.SetInviteOnly{Conv: den.ID, On: true})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == den.ID && c.InviteOnly })
	var rooms struct {
		Rooms []struct {
			Owner   string `json:"owner"`
			Deleted bool   `json:"deleted"`
			Members int    `json:"members"`
		} `json:"rooms"`
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/rooms?q=den", nil, &rooms); code != 200 || len(rooms.Rooms) != 1 || rooms.Rooms[0].Owner != "bob" {
		t.Errorf("den: %d %+v", code, rooms)
	}
	var e apiErr
	if code := adminCall(t, s.URL, root.Jar, "PUT", "/api/admin/rooms/"+den.ID+"/owner/nobody", nil, &e); code != 404 || e.Code != chat.CodeNoSuchUser {
		t.Errorf("owner nobody: %d %+v", code, e)
	}
	if code := adminCall(t, s.URL, root.Jar, "PUT", "/api/admin/rooms/r:lobby/owner/bob", nil, &e); code != 400 {
		t.Errorf("lobby's owner: %d %+v", code, e)
	}
	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/rooms/r:lobby", nil, &e); code != 403 {
		t.Errorf("deleting the lobby: %d %+v", code, e)
	}

	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/rooms/"+den.ID, nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	for _, c := range []*chattest.Client{ann, bob} {
		chattest.Expect(c, func(g *chat.Gone) bool { return g.Conv == den.ID })
	}
	refusedWith(t, ann, &chat.Join{Room: "den"}, chat.CodeNoSuchConv)
	refusedWith(t, bob, &chat.Send{ID: msgID(9), Conv: den.ID, Text: "anyone?"}, chat.CodeNotMember)
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/rooms?q=den", nil, &rooms); code != 200 || !rooms.Rooms[0].Deleted || rooms.Rooms[0].Members != 0 {
		t.Errorf("den once deleted: %d %+v", code, rooms)
	}
	var log auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 2 ||
		log.Entries[0].Action != "room.delete" || log.Entries[1].Action != "room.owner" || log.Entries[1].Target != den.ID {
		t.Errorf("audit: %d %+v", code, log)
	}
}

// TestAdminDeleteUserRemovingMessages: deleting an account with
// messages=remove deletes what they wrote in the lobby, in a room they
// left and in their private conversation, and nothing of anyone else's;
// the members see the deletes; messages=keep leaves them.
func TestAdminDeleteUserRemovingMessages(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := userWithPassword(t, s, "root", "root's long password")
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	sent := func(c *chattest.Client, n uint64, conv, text string) uint64 {
		c.Send(&chat.Send{ID: msgID(n), Conv: conv, Text: text})
		return chattest.Expect(c, func(a *chat.Ack) bool { return a.ID == msgID(n) }).Seq
	}
	lobbyBob := sent(bob, 1, hub.LobbyID, "bob in the lobby")
	lobbyAnn := sent(ann, 2, hub.LobbyID, "ann in the lobby")
	den := room(t, bob, "den")
	denBob := sent(bob, 3, den.ID, "bob in den")
	bob.Send(&chat.Leave{Conv: den.ID})
	chattest.Expect(bob, func(g *chat.Gone) bool { return g.Conv == den.ID })
	bob.Send(&chat.Open{With: "ann"})
	private := chattest.Expect(bob, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate }).ID
	privBob := sent(bob, 4, private, "bob to ann")
	cySeq := sent(cy, 5, hub.LobbyID, "cy in the lobby")

	var done struct {
		Removed int `json:"removedMessages"`
	}
	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/users/cy?messages=keep", nil, &done); code != 200 || done.Removed != 0 {
		t.Fatalf("delete cy keeping: %d %+v", code, done)
	}
	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/users/bob?messages=remove", nil, &done); code != 200 || done.Removed != 3 {
		t.Fatalf("delete bob removing: %d %+v", code, done)
	}
	chattest.Expect(ann, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryDelete && e.Conv == hub.LobbyID && e.Target == lobbyBob
	})
	chattest.Expect(ann, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryDelete && e.Conv == private && e.Target == privBob
	})
	room(t, ann, "den")
	deletedIn := func(conv string) map[uint64]bool {
		ann.Send(&chat.History{Conv: conv, Limit: 50})
		p := chattest.Expect(ann, func(p *chat.Page) bool { return p.Conv == conv })
		out := make(map[uint64]bool)
		for _, e := range p.Entries {
			if e.Kind == chat.EntryMessage {
				out[e.Seq] = e.Deleted
			}
		}
		return out
	}
	if d := deletedIn(hub.LobbyID); !d[lobbyBob] || d[lobbyAnn] || d[cySeq] {
		t.Errorf("lobby's messages deleted: %v", d)
	}
	if d := deletedIn(den.ID); !d[denBob] {
		t.Errorf("den's messages deleted: %v", d)
	}
	var log auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 2 ||
		log.Entries[0].Action != "user.delete" || log.Entries[0].Detail != "messages: remove" {
		t.Errorf("audit: %d %+v", code, log)
	}
}

// TestAdminNameNeedsAPassword: the -admin flag's name, taken without a
// password (a name that could be released to someone else), opens
// neither the API nor the page.
func TestAdminNameNeedsAPassword(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := s.User(t, "root")
	var e apiErr
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/me", nil, &e); code != 403 || !strings.Contains(e.Error, "password") {
		t.Errorf("a passwordless admin name: %d %+v", code, e)
	}
	if code := adminCall(t, s.URL, root.Jar, "GET", "/admin", nil, nil); code != 403 {
		t.Errorf("the page for a passwordless admin name: %d", code)
	}
}

// TestAdminDeleteUserRemovesTheirFiles: removing a deleted account's
// messages gives back the files they carried: nobody can fetch one after.
func TestAdminDeleteUserRemovesTheirFiles(t *testing.T) {
	t.Parallel()
	st := chattest.Durable(t, t.TempDir())
	o := withStorage(st)
	o.Admins = []string{"root"}
	s := chattest.New(t, o)
	root := userWithPassword(t, s, "root", "root's long password")
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	f := mustUpload(t, s, bob.Jar, "notes.txt", []byte("bob's notes"))
	sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: hub.LobbyID, Files: []string{f.ID}})
	wantFile(t, s, f, http.StatusOK, ann)

	if code := adminCall(t, s.URL, root.Jar, "DELETE", "/api/admin/users/bob?messages=remove", nil, nil); code != 200 {
		t.Fatalf("delete bob removing: %d", code)
	}
	wantFile(t, s, f, http.StatusNotFound, ann)
}

// TestAdminOnlyGuardsAndAuditsOtherRoutes: a route made outside the admin
// API's table (export, import) behind adminOnly answers 401 to a visitor
// and 403 to a member, serves an admin, and writes that to the audit log.
func TestAdminOnlyGuardsAndAuditsOtherRoutes(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	s.RouteAdminForTest("POST /api/admin/test-export", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	root := userWithPassword(t, s, "root", "root's long password")
	ann := s.User(t, "ann")
	for _, c := range []struct {
		jar  http.CookieJar
		want int
	}{{chattest.NewJar(), 401}, {ann.Jar, 403}, {root.Jar, 204}} {
		if code := adminCall(t, s.URL, c.jar, "POST", "/api/admin/test-export?room=den", nil, nil); code != c.want {
			t.Errorf("got %d, want %d", code, c.want)
		}
	}
	var log auditBody
	if code := adminCall(t, s.URL, root.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 1 ||
		log.Entries[0].Action != "api.request" || log.Entries[0].Target != "/api/admin/test-export" || log.Entries[0].Detail != "POST ?room=den" {
		t.Errorf("audit: %d %+v", code, log)
	}
}

// consoleAdminModerates checks that an admin made in the admin console
// moderates inside rooms, through a connection made before, and stops
// when removed: root, an admin by the -admin flag, uses the console of
// server console; bob, cy and dan are connected to server member (the
// same server, or another node of the cluster).
func consoleAdminModerates(t *testing.T, console, member *chattest.Server) {
	t.Helper()
	root := userWithPassword(t, console, "root", "root's long password")
	bob := userWithPassword(t, member, "bob", "bob's own words")
	cy, dan := member.User(t, "cy"), member.User(t, "dan")
	den := room(t, cy, "den")
	room(t, bob, "den")
	room(t, dan, "den")
	refusedWith(t, bob, &chat.Ban{Conv: den.ID, Name: "dan"}, chat.CodeNotOwner)

	if code := adminCall(t, console.URL, root.Jar, "PUT", "/api/admin/users/bob/admin", nil, nil); code != 200 {
		t.Fatalf("make bob an admin: %d", code)
	}
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && c.Moderator })
	bob.Send(&chat.Ban{Conv: den.ID, Name: "dan"})
	chattest.Expect(dan, func(g *chat.Gone) bool { return g.Conv == den.ID })
	moderationEntry(cy, den.ID, chat.EntryBan, "dan")
	refusedWith(t, cy, &chat.Ban{Conv: den.ID, Name: "bob"}, chat.CodeCannotModerate) // the owner bans no admin

	if code := adminCall(t, console.URL, root.Jar, "DELETE", "/api/admin/users/bob/admin", nil, nil); code != 200 {
		t.Fatalf("remove bob from the admins: %d", code)
	}
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && !c.Moderator && convsOf(bob, den.ID) > 2 })
	refusedWith(t, bob, &chat.Unban{Conv: den.ID, Name: "dan"}, chat.CodeNotOwner)
	cy.Send(&chat.Remove{Conv: den.ID, Name: "bob"}) // no admin now
	chattest.Expect(bob, func(g *chat.Gone) bool { return g.Conv == den.ID })
}

// TestConsoleAdminModeratesRooms: an admin made in the console moderates
// every room at once, through the connection they have, as the -admin
// flag's do, and no longer once removed.
func TestConsoleAdminModeratesRooms(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	consoleAdminModerates(t, s, s)
}
