package server_test

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// get fetches path from s with the Host and extra headers given.
func get(t *testing.T, s *chattest.Server, host, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestHostsOtherThanOursGet421: a page elsewhere whose name was rebound to
// this server's address cannot reach it; its own names can.
func TestHostsOtherThanOursGet421(t *testing.T) {
	s := chattest.New(t, server.Options{Hosts: []string{"chat.example.com"}})
	for host, want := range map[string]int{
		"rebound.attacker.example":           http.StatusMisdirectedRequest,
		"chat.example.com":                   http.StatusOK,
		"localhost":                          http.StatusOK,
		strings.TrimPrefix(s.URL, "http://"): http.StatusOK,
	} {
		resp, body := get(t, s, host, "/", nil)
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d %q, want %d", host, resp.StatusCode, body, want)
		}
	}
	// The websocket too.
	resp, _ := get(t, s, "rebound.attacker.example", "/ws", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}})
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("websocket under a foreign Host: %d, want 421", resp.StatusCode)
	}
}

// TestCookiesAreSecureBehindATrustedTLSProxy: the session cookie is Secure
// when a trusted proxy says the request came over HTTPS, and only then.
func TestCookiesAreSecureBehindATrustedTLSProxy(t *testing.T) {
	s := chattest.New(t, server.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	secure := func(h http.Header) bool {
		resp, _ := get(t, s, "localhost", "/", h)
		for _, c := range resp.Cookies() {
			if c.Name == "chat_session" {
				return c.Secure
			}
		}
		t.Fatal("no session cookie was set")
		return false
	}
	if !secure(http.Header{"X-Forwarded-Proto": {"https"}}) {
		t.Error("behind a trusted TLS proxy the cookie is not Secure")
	}
	if secure(nil) {
		t.Error("over plain HTTP the cookie is Secure")
	}
	untrusting := chattest.New(t, server.Options{})
	resp, _ := get(t, untrusting, "localhost", "/", http.Header{"X-Forwarded-Proto": {"https"}})
	for _, c := range resp.Cookies() {
		if c.Name == "chat_session" && c.Secure {
			t.Error("an untrusted X-Forwarded-Proto made the cookie Secure")
		}
	}
}
