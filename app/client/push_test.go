//go:build !js

package client_test

import (
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestSessionActivePacing: a tab in use says so at most every
// chat.ActiveEvery on one connection, at once on a new one, and never
// offline.
func TestSessionActivePacing(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	ann := newUISession(t, "ann", client.SessionOptions{Conn: options(s, nil)})
	start := time.Now()
	ann.until("asked for a name", func() bool { return ann.m.NeedName })
	if sent, err := ann.session.Used(start); sent || err != nil {
		t.Fatalf("Used before a name: %v, %v; want nothing sent (the server refuses it)", sent, err)
	}
	ann.until("online with a name", func() bool { return ann.m.Me == "ann" && ann.state == client.Online })
	used := func(at time.Time, want bool) {
		t.Helper()
		sent, err := ann.session.Used(at)
		if err != nil {
			t.Fatal(err)
		}
		if sent != want {
			t.Errorf("Used at %v sent %v; want %v", at.Sub(start), sent, want)
		}
	}
	used(start, true)
	used(start.Add(time.Second), false)
	used(start.Add(chat.ActiveEvery-time.Millisecond), false)
	used(start.Add(chat.ActiveEvery), true)
	used(start.Add(chat.ActiveEvery+10*time.Second), false)

	ann.conn.Disconnect()
	ann.until("offline", func() bool { return ann.state == client.Offline })
	used(start.Add(2*chat.ActiveEvery), false)
	ann.conn.Reconnect()
	ann.until("online again", func() bool { return ann.state == client.Online && ann.session.State() == client.Online })
	used(start.Add(chat.ActiveEvery+11*time.Second), true) // a new connection: at once
	used(start.Add(chat.ActiveEvery+12*time.Second), false)
}

// TestQuietUntil: do-not-disturb says until when it holds.
func TestQuietUntil(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	night := chat.Quiet{From: 22 * 60, To: 8 * 60}
	for _, c := range []struct {
		name string
		q    chat.Quiet
		now  time.Time
		want time.Time // zero: not quiet
	}{
		{"off", chat.Quiet{}, at(7, 12, 0), time.Time{}},
		{"for an hour", chat.Quiet{Until: at(7, 13, 0).UnixMilli()}, at(7, 12, 0), at(7, 13, 0)},
		{"an hour that passed", chat.Quiet{Until: at(7, 11, 0).UnixMilli()}, at(7, 12, 0), time.Time{}},
		{"night, before midnight", night, at(7, 23, 0), at(8, 8, 0)},
		{"night, after midnight", night, at(8, 3, 0), at(8, 8, 0)},
		{"day outside the hours", night, at(7, 12, 0), time.Time{}},
		{"an hour into the night", chat.Quiet{Until: at(7, 22, 30).UnixMilli(), From: 22 * 60, To: 8 * 60}, at(7, 21, 45), at(8, 8, 0)},
	} {
		got, ok := client.QuietUntil(c.q, c.now, loc)
		if ok != !c.want.IsZero() || ok && !got.Equal(c.want) {
			t.Errorf("%s: QuietUntil = %v, %v; want %v", c.name, got, ok, c.want)
		}
	}
}
