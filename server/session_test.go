package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// sessionCookieOf returns the session cookie jar holds for s.
func sessionCookieOf(t *testing.T, s *chattest.Server, jar http.CookieJar) string {
	t.Helper()
	u, _ := url.Parse(s.URL)
	for _, c := range jar.Cookies(u) {
		if c.Name == "chat_session" {
			return c.Value
		}
	}
	return ""
}

// plant puts value in jar as the session cookie of s, as a sibling
// subdomain or a plain-HTTP hop could.
func plant(s *chattest.Server, jar http.CookieJar, value string) {
	u, _ := url.Parse(s.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "chat_session", Value: value, Path: "/"}})
}

// postAPI posts body (JSON) to path with c and returns the status and the
// decoded answer.
func postAPI(t *testing.T, s *chattest.Server, c *http.Client, path string, body any, answer any) int {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(string(data)))
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if answer != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(answer); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// attackersCookie returns a session cookie the server gave the attacker's
// own browser: the most convincing value to plant.
func attackersCookie(t *testing.T, s *chattest.Server) (http.CookieJar, string) {
	t.Helper()
	jar := chattest.NewJar()
	s.Get(t, jar, "/")
	token := sessionCookieOf(t, s, jar)
	if token == "" {
		t.Fatal("a page load set no session cookie")
	}
	return jar, token
}

// TestAPlantedCookieDoesNotShareTheVictimsAccount: the attacker plants a
// token of their own in the victim's browser. After the victim picks a
// name, and again after the victim signs in, the attacker's copy of the
// token is a stranger's.
func TestAPlantedCookieDoesNotShareTheVictimsAccount(t *testing.T) {
	s := chattest.New(t, fast())
	attacker, planted := attackersCookie(t, s)
	victim := chattest.NewJar()
	plant(s, victim, planted)

	vic := s.Dial(t, victim)
	chattest.Expect(vic, func(w *chat.Welcome) bool { return w.NeedName })
	vic.Send(&chat.Nick{Name: "Victoria"})
	chattest.Expect(vic, func(w *chat.Welcome) bool { return w.Me == "Victoria" })
	if got := sessionCookieOf(t, s, victim); got == planted || got == "" {
		t.Fatalf("the victim's cookie was not replaced: %q", got)
	}

	mallory := s.Dial(t, attacker)
	w := chattest.Expect(mallory, func(w *chat.Welcome) bool { return true })
	if !w.NeedName || w.Me != "" {
		t.Fatalf("the planted token gave the attacker %+v", w)
	}
	if sessionCookieOf(t, s, attacker) == planted {
		t.Error("the spent token was not replaced")
	}
	if again := s.Dial(t, victim); chattest.Expect(again, func(w *chat.Welcome) bool { return true }).Me != "Victoria" {
		t.Fatal("the victim's browser lost the name")
	}

	// A password, and a sign-in from a browser with a planted token.
	vic.Send(&chat.SetPassword{New: "victoria's words"})
	chattest.Expect(vic, func(a *chat.Account) bool { return a.Password })
	_, planted2 := attackersCookie(t, s)
	laptop := chattest.NewJar()
	plant(s, laptop, planted2)
	if got := signIn(t, s, &http.Client{Jar: laptop}, "victoria", "victoria's words"); got != http.StatusOK {
		t.Fatalf("sign-in: %d", got)
	}
	if sessionCookieOf(t, s, laptop) == planted2 {
		t.Fatal("the sign-in kept the planted token")
	}
	replay := chattest.NewJar()
	plant(s, replay, planted2)
	if w := chattest.Expect(s.Dial(t, replay), func(w *chat.Welcome) bool { return true }); w.Me != "" {
		t.Fatalf("the token planted before the sign-in holds %q", w.Me)
	}
}

// TestForgedAndSignedOutCookiesAreReplaced: a value the server never
// issued, and a session token after its sign-out, hold nothing and are
// replaced by a fresh token.
func TestForgedAndSignedOutCookiesAreReplaced(t *testing.T) {
	s := chattest.New(t, fast())
	userWithPassword(t, s, "ann", "ann's own words")
	signedOut := chattest.NewJar()
	if got := signIn(t, s, &http.Client{Jar: signedOut}, "ann", "ann's own words"); got != http.StatusOK {
		t.Fatalf("sign-in: %d", got)
	}
	old := sessionCookieOf(t, s, signedOut)
	if got := postAPI(t, s, &http.Client{Jar: signedOut}, "/api/signout", map[string]string{}, nil); got != http.StatusNoContent {
		t.Fatalf("sign-out: %d", got)
	}
	for _, tt := range []struct{ name, value string }{
		{"forged", strings.Repeat("A", 43)},
		{"long forged", strings.Repeat("B", 71)},
		{"signed out", old},
	} {
		jar := chattest.NewJar()
		plant(s, jar, tt.value)
		c := s.Dial(t, jar)
		if w := chattest.Expect(c, func(w *chat.Welcome) bool { return true }); !w.NeedName {
			t.Errorf("%s: the cookie holds %q", tt.name, w.Me)
		}
		if got := sessionCookieOf(t, s, jar); got == tt.value || got == "" {
			t.Errorf("%s: the cookie was not replaced", tt.name)
		}
	}
}

// TestTheSessionCookieLastsTheSessionLifetime: the cookie of a session
// expires with it.
func TestTheSessionCookieLastsTheSessionLifetime(t *testing.T) {
	opts := fast()
	opts.SessionLifetime = 48 * time.Hour
	s := chattest.New(t, opts)
	userWithPassword(t, s, "ann", "ann's own words")
	body, _ := json.Marshal(map[string]string{"name": "ann", "password": "ann's own words"})
	req, _ := http.NewRequest("POST", s.URL+"/api/signin", strings.NewReader(string(body)))
	req.Header.Set("Origin", s.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "chat_session" && c.MaxAge != int((48*time.Hour).Seconds()) {
			t.Errorf("the session cookie's Max-Age is %d, want 48 hours", c.MaxAge)
		}
	}
}

// devices lists the signed-in devices through the API.
func devices(t *testing.T, s *chattest.Server, jar http.CookieJar) []map[string]any {
	t.Helper()
	var answer struct {
		Devices []map[string]any `json:"devices"`
	}
	if got := postAPI(t, s, &http.Client{Jar: jar}, "/api/devices", map[string]string{}, &answer); got != http.StatusOK {
		t.Fatalf("POST /api/devices: %d", got)
	}
	return answer.Devices
}

// TestAPasswordChangeEndsEveryOtherSession: Ann changes her password on
// one browser; her other browsers' connections close with 4001 and the
// reason, and their cookies hold nothing any more; the browser she changed
// it on carries on.
func TestAPasswordChangeEndsEveryOtherSession(t *testing.T) {
	s := chattest.New(t, fast())
	ann := userWithPassword(t, s, "ann", "ann's own words")
	phone := chattest.NewJar()
	if got := signIn(t, s, &http.Client{Jar: phone}, "ann", "ann's own words"); got != http.StatusOK {
		t.Fatalf("sign-in: %d", got)
	}
	onPhone := s.Dial(t, phone)
	chattest.Expect(onPhone, func(w *chat.Welcome) bool { return w.Me == "ann" })

	ann.Send(&chat.SetPassword{Old: "ann's own words", New: "a new secret"})
	if code := onPhone.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
		t.Fatalf("the phone closed with %d, want %d", code, chat.CloseSignedOut.Code)
	}
	var ce websocket.CloseError
	if !errors.As(onPhone.Closed(), &ce) || ce.Reason != chat.ReasonPasswordChanged {
		t.Errorf("the close reason: %v", onPhone.Closed())
	}
	if w := chattest.Expect(s.Dial(t, phone), func(w *chat.Welcome) bool { return true }); !w.NeedName {
		t.Errorf("the phone's cookie still holds %q", w.Me)
	}
	ann.Send(&chat.Ping{N: 77})
	chattest.Expect(ann, func(p *chat.Pong) bool { return p.N == 77 })
	if again := s.Dial(t, ann.Jar); chattest.Expect(again, func(w *chat.Welcome) bool { return true }).Me != "ann" {
		t.Error("the browser that changed the password was signed out")
	}
}

// TestSigningOutAnotherDevice: the devices list shows each session's
// browser and address; one is signed out by its id, then all others.
func TestSigningOutAnotherDevice(t *testing.T) {
	s := chattest.New(t, fast())
	ann := userWithPassword(t, s, "ann", "ann's own words")
	var others []*chattest.Client
	var jars []http.CookieJar
	for range 2 {
		jar := chattest.NewJar()
		if got := signIn(t, s, fromAddr("127.0.0.7", jar), "ann", "ann's own words"); got != http.StatusOK {
			t.Fatalf("sign-in: %d", got)
		}
		c := s.Dial(t, jar)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == "ann" })
		others, jars = append(others, c), append(jars, jar)
	}
	list := devices(t, s, ann.Jar)
	if len(list) != 3 {
		t.Fatalf("devices: %v", list)
	}
	var current int
	var phoneID string
	for _, d := range list {
		if d["current"] == true {
			current++
		}
		if d["addr"] == "127.0.0.7" && phoneID == "" {
			phoneID, _ = d["id"].(string)
		}
		if d["browser"] != "Go client" {
			t.Errorf("browser %v, want Go client", d["browser"])
		}
	}
	if current != 1 || phoneID == "" {
		t.Fatalf("devices: %v", list)
	}
	stranger := chattest.NewJar()
	s.Get(t, stranger, "/")
	if got := postAPI(t, s, &http.Client{Jar: stranger}, "/api/devices/signout", map[string]string{"id": phoneID}, nil); got != http.StatusUnauthorized {
		t.Errorf("a stranger signing Ann's device out: %d", got)
	}
	if got := postAPI(t, s, &http.Client{Jar: ann.Jar}, "/api/devices/signout", map[string]string{"id": phoneID}, nil); got != http.StatusNoContent {
		t.Fatalf("signing out a device: %d", got)
	}
	closedCount := func() (n int) {
		for _, c := range others {
			if c.Closed() != nil {
				n++
			}
		}
		return n
	}
	chattest.Eventually(t, chattest.Wait, func() bool { return closedCount() == 1 }, "one device closed")
	if got := len(devices(t, s, ann.Jar)); got != 2 {
		t.Errorf("%d devices after signing one out", got)
	}
	if got := postAPI(t, s, &http.Client{Jar: ann.Jar}, "/api/devices/signout", map[string]any{"others": true}, nil); got != http.StatusNoContent {
		t.Fatalf("signing out everywhere else: %d", got)
	}
	chattest.Eventually(t, chattest.Wait, func() bool { return closedCount() == 2 }, "both devices closed")
	for _, c := range others {
		var ce websocket.CloseError
		if !errors.As(c.Closed(), &ce) || int(ce.Code) != chat.CloseSignedOut.Code || ce.Reason != chat.ReasonSignedOutRemote {
			t.Errorf("closed with %v", c.Closed())
		}
	}
	for _, jar := range jars {
		if w := chattest.Expect(s.Dial(t, jar), func(w *chat.Welcome) bool { return true }); !w.NeedName {
			t.Errorf("a signed-out device is still %q", w.Me)
		}
	}
	list = devices(t, s, ann.Jar)
	if len(list) != 1 || list[0]["current"] != true {
		t.Fatalf("left: %v", list)
	}
	if got := postAPI(t, s, &http.Client{Jar: ann.Jar}, "/api/devices/signout", map[string]any{"id": list[0]["id"]}, nil); got != http.StatusBadRequest {
		t.Errorf("signing this device out through the devices API: %d", got)
	}
}
