package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// fromAddr returns an HTTP client whose connections come from the
// loopback address ip (127.0.0.2, 127.0.0.3, … are all this machine).
func fromAddr(ip string, jar http.CookieJar) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Jar: jar, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// userWithPassword connects a user called name and sets their password.
func userWithPassword(t *testing.T, s *chattest.Server, name, password string) *chattest.Client {
	t.Helper()
	c := s.User(t, name)
	c.Send(&chat.SetPassword{New: password})
	chattest.Expect(c, func(a *chat.Account) bool { return a.Password })
	return c
}

// signIn posts a sign-in and returns the status.
func signIn(t *testing.T, s *chattest.Server, c *http.Client, name, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	req, _ := http.NewRequest("POST", s.URL+"/api/signin", strings.NewReader(string(body)))
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestGuessersOnOtherAddressesCannotLockTheOwnerOut: wrong passwords for
// Ann's name from many addresses slow those addresses down, and never
// Ann's right password from the address or the browser she signed in
// from before.
func TestGuessersOnOtherAddressesCannotLockTheOwnerOut(t *testing.T) {
	s := chattest.New(t, fast())
	userWithPassword(t, s, "ann", "ann's own words")

	home := fromAddr("127.0.0.1", chattest.NewJar())
	if got := signIn(t, s, home, "ann", "ann's own words"); got != http.StatusOK {
		t.Fatalf("first sign-in: %d", got)
	}
	limited := 0
	for i := 2; i < 12; i++ {
		guesser := fromAddr(fmt.Sprintf("127.0.0.%d", i), nil)
		for range 8 {
			switch got := signIn(t, s, guesser, "ann", "a guess"); got {
			case http.StatusTooManyRequests:
				limited++
			case http.StatusUnauthorized:
			default:
				t.Fatalf("a guess answered %d", got)
			}
		}
	}
	if limited == 0 {
		t.Fatal("eighty wrong passwords were never slowed down")
	}
	if got := signIn(t, s, fromAddr("127.0.0.1", nil), "ann", "ann's own words"); got != http.StatusOK {
		t.Errorf("the owner's address after the guessing: %d, want 200", got)
	}
	if got := signIn(t, s, fromAddr("127.0.0.50", home.Jar), "ann", "ann's own words"); got != http.StatusOK {
		t.Errorf("the owner's browser on another address: %d, want 200", got)
	}
	if got := signIn(t, s, fromAddr("127.0.0.3", nil), "ann", "ann's own words"); got != http.StatusTooManyRequests {
		t.Errorf("the right password from a guessing address: %d, want 429", got)
	}
}

// TestAReleasedNameIsANewUser: Ann never set a password and her browser is
// gone; once her name is released, whoever claims it is a new user who
// cannot read, resume or even see Ann's private conversation with Bob, and
// Bob's next private message to "Ann" starts a new conversation, while his
// old one keeps its history. Ann's old cookie holds nothing.
func TestAReleasedNameIsANewUser(t *testing.T) {
	opts := fast()
	opts.NameRelease = time.Millisecond // released as soon as Ann's session is unused
	s := chattest.New(t, opts)
	ann, bob := s.User(t, "Ann"), s.User(t, "Bob")
	ann.Send(&chat.Send{ID: msgID(1), To: "Bob", Text: "the secret is 42"})
	old := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) }).Conv
	chattest.Expect(bob, entryWith("the secret is 42"))
	ann.Conn.CloseNow()

	heir := s.Dial(t, nil)
	chattest.Expect(heir, func(w *chat.Welcome) bool { return w.NeedName })
	// The release period is a millisecond: a claim may come before it
	// passed and hear "taken"; it is tried again until the name is given.
	var w *chat.Welcome
	for try := 1; w == nil; try++ {
		if try > 100 {
			t.Fatalf("the released name was never given again: %v", heir.Frames())
		}
		heir.Send(&chat.Nick{Name: "ann"})
		answered := chattest.Within(chattest.Wait, func() bool {
			refusals := 0
			for _, f := range heir.Frames() {
				switch f := f.(type) {
				case *chat.Welcome:
					if !f.NeedName {
						w = f
						return true
					}
				case *chat.Error:
					if f.Ref == chat.TypeNick {
						refusals++
					}
				}
			}
			return refusals == try
		})
		if !answered {
			t.Fatalf("no answer to claim %d: %v", try, heir.Frames())
		}
	}
	for _, f := range heir.Frames() {
		if e, ok := f.(*chat.Error); ok && e.Code != chat.CodeNameTaken {
			t.Errorf("claiming the released name: %+v", e)
		}
	}
	if w.Me != "ann" || w.Key != "ann" {
		t.Errorf("the new owner is welcomed as %q (mentions %q)", w.Me, w.Key)
	}
	for _, c := range w.Convs {
		if c.ID == old {
			t.Errorf("the new owner is in the earlier owner's private conversation: %+v", c)
		}
	}
	heir.Send(&chat.History{Conv: old})
	if e := chattest.Expect(heir, func(e *chat.Error) bool { return e.Ref == chat.TypeHistory }); e.Code != chat.CodeNoSuchConv {
		t.Errorf("the new owner reading the old conversation: %+v", e)
	}
	heir.Send(&chat.Resume{Cursors: map[string]uint64{old: 0}})
	chattest.Never(heir, 300*time.Millisecond, entryWith("the secret is 42"))

	bob.Send(&chat.Send{ID: msgID(1), To: "Ann", Text: "are you the new Ann?"})
	fresh := chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == msgID(1) }).Conv
	if fresh == old {
		t.Fatalf("Bob's message to the new owner went to the old conversation %s", old)
	}
	chattest.Expect(heir, func(e *chat.Entry) bool { return e.Conv == fresh && strings.Contains(e.HTML, "are you the new Ann?") })
	bob.Send(&chat.History{Conv: old})
	chattest.Expect(bob, func(p *chat.Page) bool {
		return p.Conv == old && len(p.Entries) > 0 && strings.Contains(p.Entries[len(p.Entries)-1].HTML, "the secret is 42")
	})

	// Ann's old browser is a visitor now.
	back := s.Dial(t, ann.Jar)
	chattest.Expect(back, func(w *chat.Welcome) bool { return w.NeedName })
}

// TestEveryAPIPostRefusesOtherSites: each POST under /api answers 403 to a
// request from another site's page, or with no Origin, before it acts: a
// cross-site sign-out leaves the session and its connection alone.
func TestEveryAPIPostRefusesOtherSites(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	paths := []string{"/api/signin", "/api/signout", chat.HandoverPath, "/api/devices", "/api/devices/signout", chat.UploadPath}
	for _, path := range paths {
		for _, origin := range []string{"http://evil.example", ""} {
			req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader("{}"))
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			resp, err := (&http.Client{Jar: ann.Jar}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error string }
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body.Error, "own pages") {
				t.Errorf("POST %s from %q: %d %q, want 403 and why", path, origin, resp.StatusCode, body.Error)
			}
		}
	}
	// Ann's session outlived the cross-site sign-outs: her own page's
	// request for her devices still answers.
	if got := postAPI(t, s, &http.Client{Jar: ann.Jar}, "/api/devices", struct{}{}, nil); got != http.StatusOK {
		t.Errorf("POST /api/devices from the site itself, after the refusals: %d, want 200", got)
	}
	if st := s.Stats(); st.Sessions != 1 {
		t.Errorf("%d sessions open after the cross-site sign-outs, want Ann's 1", st.Sessions)
	}
}
