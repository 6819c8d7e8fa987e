package server_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server/chattest"
)

// usable is a JavaScript expression: the chat can be used (the
// WebAssembly client runs, it is connected, and the first thing a new
// person needs, the name form, is there), as the time since navigation
// started, or false.
const usable = `(!document.getElementById('app-wasm-loader') &&
	document.querySelector('#status')?.dataset.state === 'online' &&
	!!document.getElementById('name-input')) ? performance.now() : false`

// BenchmarkWebLoad loads the chat in headless Chromium, as a person would:
// a first visit with a new browser profile (cold), the same page again,
// served by the service worker (warm), and a third time (by then the
// browser reuses the machine code it compiled from the wasm). Each
// iteration is one of each, with a new profile. It reports, averaged:
//
//	cold-ms        navigation start to usable, first visit
//	warm-ms        the same, second visit
//	warm3-ms       the same, third visit
//	shell-ms       navigation start to the first paint of the prerendered page (cold)
//	usable-B       bytes the server sent until the first visit was usable
//	first-visit-B  bytes the server sent for the whole first visit, the
//	               service worker's precache included
//	warm-B         bytes the server sent for the second visit
//	wasm-B         bytes of the wasm on the wire (its raw size is wasm-raw-B)
//
// Bytes are response bodies as sent (compressed), websockets aside. The
// sub-benchmarks load over loopback as it is and over a link that Chromium
// slows to 20 Mbit/s with 40 ms of latency, each with the wasm
// precompressed and as a browser accepting no compression would get it.
//
//	make bench-web
func BenchmarkWebLoad(b *testing.B) {
	if !build.HasClient() {
		b.Fatal("the WebAssembly client is not built: run `make wasm`")
	}
	raw, err := fs.ReadFile(build.FS, "web/app.wasm")
	if err != nil {
		b.Fatal(err)
	}
	s := newSite(b, build.Version())
	for _, link := range []struct {
		name    string
		latency float64 // ms
		rate    float64 // bytes/s, 0 for no limit
	}{
		{name: "loopback"},
		{name: "20Mbps-40ms", latency: 40, rate: 20e6 / 8},
	} {
		for _, plain := range []bool{false, true} {
			name := link.name + map[bool]string{false: "/precompressed", true: "/uncompressed"}[plain]
			b.Run(name, func(b *testing.B) {
				s.plain.Store(plain)
				defer s.plain.Store(false)
				loadPage(b, s, link.latency, link.rate, len(raw))
			})
		}
	}
}

func loadPage(b *testing.B, s *site, latency, rate float64, rawSize int) {
	var cold, warm, warm3, shell, usableB, firstB, warmB, wasmB float64
	poll := func(tab context.Context) float64 {
		b.Helper()
		ctx, cancel := context.WithTimeout(tab, time.Minute)
		defer cancel()
		ms, err := chromedp.Run(ctx, chromedp.Poll[float64](usable, chromedp.WithPollingInterval(2*time.Millisecond)))
		if err != nil {
			b.Fatalf("waiting for the chat to be usable: %v", err)
		}
		return ms
	}
	for range b.N {
		browser := chattest.NewBrowserProfile(b, b.TempDir())
		tab := browser.ProfileTab(b)
		if rate > 0 {
			if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Call(tab, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{Latency: latency, DownloadThroughput: rate, UploadThroughput: rate}},
			}); err != nil {
				b.Fatal(err)
			}
		}

		s.served.Store(0)
		chattest.Do(b, tab, chromedp.Navigate(s.URL))
		cold += poll(tab)
		usableB += float64(s.served.Load())
		shell += chattest.Eval[float64](b, tab, `performance.getEntriesByName('first-contentful-paint')[0]?.startTime || 0`)
		wasmB += chattest.Eval[float64](b, tab, `performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm'))?.transferSize || 0`)
		chattest.Poll[bool](b, tab, swReady, time.Minute)
		firstB += float64(s.served.Load())

		s.served.Store(0)
		chattest.Do(b, tab, chromedp.Navigate(s.URL))
		warm += poll(tab)
		warmB += float64(s.served.Load())
		chattest.Do(b, tab, chromedp.Navigate(s.URL))
		warm3 += poll(tab)
		browser.Close()
	}
	n := float64(b.N)
	b.ReportMetric(cold/n, "cold-ms")
	b.ReportMetric(warm/n, "warm-ms")
	b.ReportMetric(warm3/n, "warm3-ms")
	b.ReportMetric(shell/n, "shell-ms")
	b.ReportMetric(usableB/n, "usable-B")
	b.ReportMetric(firstB/n, "first-visit-B")
	b.ReportMetric(warmB/n, "warm-B")
	b.ReportMetric(wasmB/n, "wasm-B")
	b.ReportMetric(float64(rawSize), "wasm-raw-B")
}
