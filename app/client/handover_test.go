//go:build !js

package client_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

func TestHandoverURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ws://localhost:8080/ws":       "http://localhost:8080/api/session",
		"wss://chat.example/ws?x=1":    "https://chat.example/api/session",
		"wss://chat.example:8443/a/ws": "https://chat.example:8443/api/session",
	} {
		if got, err := client.HandoverURL(in); err != nil || got != want {
			t.Errorf("HandoverURL(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
}

// TestTheConnKeepsTheClaimedNameInItsJarNotInAPlantedCopy: a Conn whose
// jar holds a token planted by someone else picks a name. The Conn
// exchanges the handover before the Welcome, so its jar carries the new
// session (a reconnect is the same user) while the planted copy of the old
// token is a stranger.
func TestTheConnKeepsTheClaimedNameInItsJarNotInAPlantedCopy(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	base, _ := url.Parse(s.URL)
	attacker := chattest.NewJar()
	s.Get(t, attacker, "/")
	planted := cookie(attacker, base)
	if planted == "" {
		t.Fatal("no session cookie from a page load")
	}
	opts := options(s, nil)
	opts.HTTPClient.Jar.SetCookies(base, []*http.Cookie{{Name: "chat_session", Value: planted, Path: "/"}})
	conn, rec := start(t, opts)
	rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	conn.Send(&chat.Nick{Name: "Vera"})
	h, i := rec.next(t, 0, "handover", func(e client.Event) bool { _, ok := e.Frame.(*chat.Handover); return ok })
	if h.Err != nil {
		t.Fatalf("the exchange failed: %v", h.Err)
	}
	rec.next(t, i, "welcome for Vera", isWelcome(func(w *chat.Welcome) bool { return w.Me == "Vera" }))
	if got := cookie(opts.HTTPClient.Jar, base); got == planted || got == "" {
		t.Fatalf("the jar still holds the planted token")
	}

	_, rec2 := start(t, client.Options{URL: s.WS, HTTPClient: opts.HTTPClient, Header: opts.Header})
	rec2.next(t, 0, "welcome for Vera again", isWelcome(func(w *chat.Welcome) bool { return w.Me == "Vera" }))

	_, rec3 := start(t, client.Options{URL: s.WS, HTTPClient: &http.Client{Jar: attacker}, Header: opts.Header})
	w, _ := rec3.next(t, 0, "the attacker's welcome", isWelcome(func(*chat.Welcome) bool { return true }))
	if me := w.Frame.(*chat.Welcome).Me; me != "" {
		t.Fatalf("the planted token gave the attacker %q", me)
	}
}

func cookie(jar http.CookieJar, u *url.URL) string {
	for _, c := range jar.Cookies(u) {
		if c.Name == "chat_session" {
			return c.Value
		}
	}
	return ""
}
