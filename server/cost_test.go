package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// countingLog and countingDirectory count the storage lookups a history or
// a resume can cause: pages read, and conversation records asked for.
type countingLog struct {
	hub.Log
	pages atomic.Int64
}

func (l *countingLog) Page(ctx context.Context, q chat.History) (chat.Page, error) {
	l.pages.Add(1)
	return l.Log.Page(ctx, q)
}

type countingDirectory struct {
	hub.Directory
	convs atomic.Int64
}

func (d *countingDirectory) Conv(ctx context.Context, id string) (hub.ConvRecord, error) {
	d.convs.Add(1)
	return d.Directory.Conv(ctx, id)
}

// The flood of TestCostBudgetHoldsOffAFloodOfOneUser: one user's
// connections, each sending rounds of a 1000-id resume and a 200-entry
// history request.
const (
	floodConns   = 12
	floodRounds  = 8
	floodEntries = 300  // entries in the lobby before the flood
	floodText    = 1000 // characters of each
)

// TestCostBudgetHoldsOffAFloodOfOneUser floods the server from many
// connections of one user with the dearest requests there are, resumes of
// 1000 unknown conversations and 200-entry history pages, and checks that
// the user's budget answers the excess rate_limited while what it serves is
// right, that the storage lookups stay within the budget, and measures the
// ping round trip of another user meanwhile.
func TestCostBudgetHoldsOffAFloodOfOneUser(t *testing.T) {
	opts := server.Options{
		LookupRate: 1000, LookupBurst: 10000,
		ReplyByteRate: 256 << 10, ReplyByteBurst: 1 << 20,
		MessageRate: 1e6, MessageBurst: 1e6,
	}
	st := chattest.Durable(t, t.TempDir())
	lg := &countingLog{Log: st.Log}
	dir := &countingDirectory{Directory: st.Directory}
	st.Log, st.Directory = lg, dir
	ctx := context.Background()
	for i := range floodEntries {
		text := fmt.Sprintf("%04d %s", i, strings.Repeat("x", floodText))
		if _, err := st.Log.Append(ctx, chat.Entry{Conv: hub.LobbyID, Kind: chat.EntryMessage, From: "seed", HTML: text}); err != nil {
			t.Fatal(err)
		}
	}
	opts.Storage = st
	s := chattest.New(t, opts)

	ann := s.User(t, "ann")
	conns := []*chattest.Client{ann}
	for len(conns) < floodConns {
		c := s.DialLazy(t, ann.Jar)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == "ann" })
		conns = append(conns, c)
	}
	bob := s.User(t, "bob")

	unknown := make(map[string]uint64, chat.MaxCursors)
	for i := range chat.MaxCursors {
		unknown[fmt.Sprintf("p:nobody%d|noone%d", i, i)] = 0
	}
	pagesBefore, convsBefore := lg.pages.Load(), dir.convs.Load()
	start := time.Now()

	stopPings := make(chan struct{})
	rtts := make(chan []time.Duration, 1)
	go func() { rtts <- pingUntil(bob, stopPings) }()

	// First the pages, then the resumes, so that each kind finds a budget
	// to spend and then exhausts it.
	flood(t, conns, 1_000_000, func(c *chattest.Client) {
		c.Send(&chat.History{Conv: hub.LobbyID, Limit: chat.MaxHistoryLimit})
	})
	// Encoded once: the attacker's clients run elsewhere, and encoding a
	// map of 1000 cursors for each of 96 sends would cost this machine
	// more than the server's answers.
	resume, err := chat.Encode(&chat.Resume{Cursors: unknown})
	if err != nil {
		t.Fatal(err)
	}
	flood(t, conns, 2_000_000, func(c *chattest.Client) { c.SendRaw(resume) })

	elapsed := time.Since(start)
	close(stopPings)
	pings := <-rtts

	var served, limited, pages int
	for _, c := range conns {
		served, limited, pages = checkFloodAnswers(t, c, unknown, served, limited, pages)
	}
	lookups := int(lg.pages.Load()-pagesBefore) + int(dir.convs.Load()-convsBefore)
	allowed := float64(opts.LookupBurst) + opts.LookupRate*elapsed.Seconds() + chat.MaxCursors + 1
	t.Logf("flood of %d requests from %d connections in %v: %d served, %d rate_limited, %d history pages; %d storage lookups (budget allows %.0f)",
		2*floodRounds*floodConns, floodConns, elapsed.Round(time.Millisecond), served, limited, pages, lookups, allowed)
	logRTTs(t, "bob's ping round trip during the flood", pings)

	if limited == 0 {
		t.Errorf("no request of the flood was rate_limited")
	}
	if served == 0 || pages == 0 {
		t.Errorf("the budget served nothing: %d requests, %d pages", served, pages)
	}
	if float64(lookups) > allowed {
		t.Errorf("%d storage lookups in %v, more than the budget's %.0f", lookups, elapsed, allowed)
	}
	if len(pings) == 0 {
		t.Errorf("no ping of bob's was answered during the flood")
	}

	if n := dir.convs.Load() - convsBefore; n > chat.MaxCursors {
		t.Errorf("the directory was asked %d times about %d unknown conversations: negative lookups are not cached", n, chat.MaxCursors)
	}

	// The connection carries on: once the budget is paid back, a request
	// is served again.
	deadline := time.Now().Add(time.Minute)
	for marker := uint64(3_000_000); !servedAgain(t, ann, marker); marker++ {
		if time.Now().After(deadline) {
			t.Fatal("the budget never served ann again")
		}
	}
}

// servedAgain asks for the newest entry of the lobby and reports whether it
// came, rather than rate_limited.
func servedAgain(t *testing.T, c *chattest.Client, marker uint64) bool {
	t.Helper()
	n := len(c.Frames())
	c.Send(&chat.History{Conv: hub.LobbyID, Limit: 1})
	c.Send(&chat.Ping{N: marker})
	chattest.Eventually(t, chattest.Wait, func() bool { return hasPong(c, marker) }, "no pong")
	return slices.ContainsFunc(c.Frames()[n:], func(f chat.Frame) bool {
		p, ok := f.(*chat.Page)
		return ok && len(p.Entries) == 1 && p.Entries[0].Seq == floodEntries
	})
}

// flood has every connection send floodRounds requests at once, and waits
// until all are answered: a ping after them, numbered from marker, comes
// back after their answers.
func flood(t *testing.T, conns []*chattest.Client, marker uint64, send func(*chattest.Client)) {
	t.Helper()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range floodRounds {
				send(c)
			}
			c.Send(&chat.Ping{N: marker + uint64(i)})
		}()
	}
	wg.Wait()
	for i, c := range conns {
		chattest.Eventually(t, time.Minute, func() bool { return c.ReceivedFrame(&chat.Pong{N: marker + uint64(i)}) }, "the flood is not answered")
	}
}

// checkFloodAnswers checks what one connection of the flood got: every
// request answered either in full (a Gone for each unknown conversation; a
// page of the lobby's newest entries in order) or rate_limited with a time
// to wait. It adds to the counts of served and refused requests and of
// pages.
func checkFloodAnswers(t *testing.T, c *chattest.Client, unknown map[string]uint64, served, limited, pages int) (int, int, int) {
	t.Helper()
	gone := 0
	for _, f := range c.Frames() {
		switch f := f.(type) {
		case *chat.Gone:
			if _, ok := unknown[f.Conv]; !ok {
				t.Errorf("Gone for a conversation not asked about: %q", f.Conv)
			}
			gone++
		case *chat.Page:
			if f.Conv != hub.LobbyID || len(f.Entries) == 0 || f.Entries[len(f.Entries)-1].Seq != floodEntries {
				t.Errorf("a history page does not end at the newest entry: conv %q, %d entries", f.Conv, len(f.Entries))
				continue
			}
			for i, e := range f.Entries {
				if want := f.Entries[0].Seq + uint64(i); e.Seq != want || !strings.HasPrefix(e.HTML, fmt.Sprintf("%04d ", want-1)) {
					t.Errorf("page entry %d is seq %d %.10q, want seq %d", i, e.Seq, e.HTML, want)
					break
				}
			}
			pages++
			served++
		case *chat.Error:
			if f.Code != chat.CodeRateLimited || (f.Ref != chat.TypeResume && f.Ref != chat.TypeHistory) || !strings.Contains(f.Message, "try again in") {
				t.Errorf("unexpected error during the flood: %+v", f)
				continue
			}
			limited++
		}
	}
	if gone%chat.MaxCursors != 0 {
		t.Errorf("%d Gone frames: a resume was answered in part", gone)
	}
	served += gone / chat.MaxCursors
	return served, limited, pages
}

// hasPong reports whether c got the pong of ping n.
func hasPong(c *chattest.Client, n uint64) bool {
	return slices.ContainsFunc(c.Frames(), func(f chat.Frame) bool {
		p, ok := f.(*chat.Pong)
		return ok && p.N == n
	})
}

// pingUntil pings over c one at a time until stop closes, and returns the
// round trips.
func pingUntil(c *chattest.Client, stop <-chan struct{}) []time.Duration {
	var rtts []time.Duration
	for n := uint64(1); ; n++ {
		select {
		case <-stop:
			return rtts
		default:
		}
		sent := time.Now()
		c.Send(&chat.Ping{N: n})
		for !hasPong(c, n) {
			select {
			case <-stop:
				return rtts
			case <-time.After(time.Millisecond):
			}
		}
		rtts = append(rtts, time.Since(sent))
	}
}

// logRTTs logs the median, 99th percentile and worst of round trips.
func logRTTs(t *testing.T, what string, rtts []time.Duration) {
	t.Helper()
	if len(rtts) == 0 {
		t.Logf("%s: none measured", what)
		return
	}
	s := slices.Clone(rtts)
	slices.Sort(s)
	t.Logf("%s: %d pings, median %v, p99 %v, max %v", what, len(s),
		s[len(s)/2].Round(time.Microsecond), s[len(s)*99/100].Round(time.Microsecond), s[len(s)-1].Round(time.Microsecond))
}
