package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// The figures of docs/export.md and docs/retention.md come from these two
// benchmarks, each run once (-benchtime 1x): they report wall time, the
// process's CPU time and the peak of the Go heap (sampled every 10 ms)
// while the import or the sweep ran. The server runs in this process with
// its embedded NATS, so the heap is the server's and NATS's together.
//
//	go test -run '^$' -bench 'BenchmarkSlackImport' -benchtime 1x ./server/
//	CHAT_SWEEP_N=1000000 go test -run '^$' -bench 'BenchmarkRetentionSweep' -benchtime 1x -timeout 10m ./server/
//	CHAT_SWEEP_N=100000 CHAT_SWEEP_SYNC=1 go test -run '^$' -bench 'BenchmarkRetentionSweep' -benchtime 1x ./server/

// heapNow is the bytes of the heap's live and not yet swept objects.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap samples the heap until stop is called, and returns the
// highest it saw, in bytes.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchExport builds a Slack export of n messages: 10 channels, 20
// users, 1,000 messages a day, one in ten a reply in a thread.
func benchExport(b *testing.B, n int) []byte {
	b.Helper()
	members := map[string][]byte{}
	var users, chans []map[string]any
	for u := range 20 {
		users = append(users, map[string]any{"id": fmt.Sprintf("U%d", u), "name": fmt.Sprintf("user%d", u)})
	}
	for c := range 10 {
		chans = append(chans, map[string]any{"id": fmt.Sprintf("C%d", c), "name": fmt.Sprintf("channel%d", c)})
	}
	members["users.json"], _ = json.Marshal(users)
	members["channels.json"], _ = json.Marshal(chans)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	perChan := n / 10
	for c := range 10 {
		for d := 0; d*1000 < perChan; d++ {
			var day []map[string]any
			for i := d * 1000; i < min(perChan, (d+1)*1000); i++ {
				at := start.Add(time.Duration(d)*24*time.Hour + time.Duration(i%1000)*time.Minute)
				ts := strconv.FormatInt(at.Unix(), 10) + ".000100"
				m := map[string]any{"type": "message", "user": fmt.Sprintf("U%d", i%20), "text": fmt.Sprintf("message %d of channel %d, with *some* words in it", i, c), "ts": ts}
				if i%10 == 0 {
					m["thread_ts"] = ts
				} else if i%10 == 5 {
					root := start.Add(time.Duration(d)*24*time.Hour + time.Duration(i%1000-5)*time.Minute)
					m["thread_ts"] = strconv.FormatInt(root.Unix(), 10) + ".000100"
				}
				day = append(day, m)
			}
			members[fmt.Sprintf("channel%d/%s.json", c, start.AddDate(0, 0, d).Format("2006-01-02"))], _ = json.Marshal(day)
		}
	}
	return slackZip(b, members)
}

// BenchmarkSlackImport imports 100,000 messages (CHAT_IMPORT_N) on
// JetStream storage, then again (every message a duplicate).
func BenchmarkSlackImport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CHAT_IMPORT_N")); err == nil && v > 0 {
		n = v
	}
	zip := benchExport(b, n)
	b.Logf("the export: %d messages, %d bytes zipped", n, len(zip))
	for b.Loop() {
		o := withAdmins("root")
		dir := b.TempDir()
		o.Storage = chattest.Durable(b, dir)
		o.SearchIndex = dir + "/search" // on disk, as a node keeps it
		s := chattest.New(b, o)
		root := withPassword(b, s, s.User(b, "root"))
		runtime.GC()
		base := heapNow()
		b.Logf("heap before the import: %.1f MiB", float64(base)/(1<<20))
		for _, run := range []string{"first", "again"} {
			stop, cpu, start := peakHeap(), cpuTime(), time.Now()
			code, out := postImport(b, s, root.Jar, zip)
			took, used, peak := time.Since(start), cpuTime()-cpu, stop()
			if code != http.StatusOK || out.Messages+out.Duplicates != n {
				b.Fatalf("the import: %d %+v", code, out)
			}
			b.Logf("%s run: %d stored, %d duplicates in %v (%.0f messages/s), CPU %v, peak heap %.1f MiB",
				run, out.Messages, out.Duplicates, took.Round(time.Millisecond), float64(n)/took.Seconds(), used.Round(time.Millisecond), float64(peak)/(1<<20))
			b.ReportMetric(took.Seconds(), run+"-s")
			b.ReportMetric(float64(peak)/(1<<20), run+"-peak-heap-MiB")
			indexed := time.Now()
			if err := s.SyncSearch(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s run: the search index took them in %v more", run, time.Since(indexed).Round(time.Millisecond))
		}
	}
}

// BenchmarkRetentionSweep stores CHAT_SWEEP_N entries (default 100,000)
// in 100 rooms on JetStream storage, then sweeps them all away under a
// retention of one day, and sweeps once more (nothing left to do).
func BenchmarkRetentionSweep(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CHAT_SWEEP_N")); err == nil && v > 0 {
		n = v
	}
	const convs = 100
	for b.Loop() {
		o := fast()
		dir := b.TempDir()
		o.Storage = chattest.Durable(b, dir)
		o.SearchIndex = dir + "/search"
		o.Retention = 24 * time.Hour
		o.RetentionEvery = 24 * time.Hour
		s := chattest.New(b, o)
		log := o.Storage.Log
		ctx := context.Background()
		fill := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for c := w; c < convs; c += 8 {
					conv := fmt.Sprintf("r:sweep%d", c)
					for i := range n / convs {
						e := chat.Entry{Conv: conv, Kind: chat.EntryMessage, From: "ann", HTML: fmt.Sprintf(`<div class="body">entry %d</div>`, i)}
						if _, err := log.Append(ctx, e); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d entries in %d rooms in %v", n, convs, time.Since(fill).Round(time.Millisecond))
		// With CHAT_SWEEP_SYNC=1 the search index takes in every entry
		// before the sweep, and drops the expired ones after it, timed
		// apart; without, it is still indexing the fill while the sweep
		// runs (at a million entries on a busy 2-core machine, catching up
		// takes longer than the 10 minutes a command may run).
		sync := os.Getenv("CHAT_SWEEP_SYNC") == "1"
		if sync {
			indexed := time.Now()
			if err := s.SyncSearch(ctx); err != nil {
				b.Fatal(err)
			}
			b.Logf("the search index took them in %v more", time.Since(indexed).Round(time.Millisecond))
		}
		runtime.GC()
		b.Logf("heap before the sweep: %.1f MiB", float64(heapNow())/(1<<20))
		for _, run := range []string{"sweep", "again"} {
			stop, cpu, start := peakHeap(), cpuTime(), time.Now()
			st, err := s.SweepRetention(ctx, time.Now().Add(48*time.Hour))
			took, used, peak := time.Since(start), cpuTime()-cpu, stop()
			if err != nil || (run == "sweep" && st.Entries < n) {
				b.Fatalf("%s: %+v, %v", run, st, err)
			}
			b.Logf("%s: %d entries of %d conversations removed in %v (%.0f entries/s), CPU %v, peak heap %.1f MiB",
				run, st.Entries, st.Expired, took.Round(time.Millisecond), float64(max(st.Entries, 1))/took.Seconds(), used.Round(time.Millisecond), float64(peak)/(1<<20))
			b.ReportMetric(took.Seconds(), run+"-s")
			b.ReportMetric(used.Seconds(), run+"-cpu-s")
			if !sync {
				continue
			}
			stop, cpu, start = peakHeap(), cpuTime(), time.Now()
			if err := s.SyncSearch(ctx); err != nil {
				b.Fatal(err)
			}
			took, used, peak = time.Since(start), cpuTime()-cpu, stop()
			b.Logf("%s: the search index dropped their documents in %v more, CPU %v, peak heap %.1f MiB", run, took.Round(time.Millisecond), used.Round(time.Millisecond), float64(peak)/(1<<20))
		}
	}
}
