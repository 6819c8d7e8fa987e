package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

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
