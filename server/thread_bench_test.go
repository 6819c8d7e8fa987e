package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// bigThread starts a server whose lobby has a message of ann's with a
// thread of n replies by bob, posted past the rate limit, and returns the
// server and the thread's id.
func bigThread(tb testing.TB, n int) (*chattest.Server, uint64, string) {
	tb.Helper()
	opts := fast()
	opts.MessageRate, opts.MessageBurst = 1e6, 1e6
	opts.AddrMessageRate, opts.AddrMessageBurst = 1e6, 1e6
	opts.FrameRate, opts.FrameBurst = 1e6, 1e6
	s := chattest.New(tb, opts)
	ann, bob := s.User(tb, "ann"), s.User(tb, "bob")
	ann.Send(&chat.Send{ID: chat.MsgID{Device: "ann-device", N: 1}, Conv: hub.LobbyID, Text: "a long thread"})
	root := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID.N == 1 }).Seq
	tid := chat.ThreadID(hub.LobbyID, root)
	for i := 1; i <= n; i++ {
		bob.Send(&chat.Send{ID: chat.MsgID{Device: "bob-device", N: uint64(i)}, Conv: tid, Text: fmt.Sprintf("reply %d", i)})
	}
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID.N == uint64(n) })
	return s, root, tid
}

// BenchmarkOpenThreadOf1000Replies measures opening a thread of 1,000
// replies in the client's model: from Session.OpenThread to the thread
// ready with its latest page and the root's count, over one connection
// (memory store, one node). Each iteration closes the thread first, so
// that it is fetched again.
//
//	go test -run '^$' -bench OpenThreadOf1000 -benchtime 50x ./server/
func BenchmarkOpenThreadOf1000Replies(b *testing.B) {
	const n = 1000
	s, root, tid := bigThread(b, n)
	cy := s.ModelClient(b, "cy", nil)
	cy.Until("the root's count", func() bool {
		for _, e := range cy.Entries(hub.LobbyID) {
			if e.Seq == root && e.Thread != nil && e.Thread.Replies == n {
				return true
			}
		}
		return false
	})
	want := fmt.Sprintf("reply %d", n)
	var worst time.Duration
	for b.Loop() {
		cy.Model.CloseThread()
		if cy.Model.Convs[tid] != nil {
			b.Fatal("a thread not followed stays once closed")
		}
		start := time.Now()
		if err := cy.Session.OpenThread(hub.LobbyID, root); err != nil {
			b.Fatal(err)
		}
		cy.Until("the thread's latest page", func() bool { return cy.Ready(tid) && cy.Count(tid, want) == 1 })
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(len(cy.Entries(tid))), "entries/open")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
