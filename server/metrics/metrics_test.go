package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/founding/chat/server/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNilMetricsCountNothing: a package used without metrics calls the
// same methods on a nil *Metrics.
func TestNilMetricsCountNothing(t *testing.T) {
	var m *metrics.Metrics
	m.MessageReceived()
	m.FannedOut(3, time.Millisecond)
	m.Appended(time.Millisecond, nil)
	m.Evicted()
	m.Wrote(3)
	m.RateLimited(metrics.LimitFrames)
	m.ErrorFrame("bad_request")
	m.Presence(metrics.PresenceOnline)
	m.Resumed()
	m.Closed(1012)
	m.Refused(metrics.RefusedDraining)
	m.Gauge("chat_nothing", "never registered", func() float64 { return 1 })
	m.WatchRecoveries(func() map[string]uint64 { return nil })
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("a nil Metrics' handler answers %d, want 404", rec.Code)
	}
}

// TestEachMetricsCountsApart: two Metrics in one process (two servers in
// a test) have registries of their own.
func TestEachMetricsCountsApart(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.MessageReceived()
	a.MessageReceived()
	b.MessageReceived()
	a.Gauge("chat_connections_open", "open", func() float64 { return 7 })
	b.Gauge("chat_connections_open", "open", func() float64 { return 1 })
	for _, c := range []struct {
		m    *metrics.Metrics
		want []string
	}{
		{a, []string{"chat_messages_received_total 2", "chat_connections_open 7"}},
		{b, []string{"chat_messages_received_total 1", "chat_connections_open 1"}},
	} {
		srv := httptest.NewServer(c.m.Handler())
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		for _, line := range c.want {
			if !strings.Contains(string(body), "\n"+line+"\n") {
				t.Errorf("the scrape lacks %q", line)
			}
		}
	}
}

// TestWatchRecoveriesAreReadAtEachScrape: chat_watch_recoveries_total has
// one series per kind of watch its owner counts, with the count read when
// scraped.
func TestWatchRecoveriesAreReadAtEachScrape(t *testing.T) {
	m := metrics.New()
	counts := map[string]uint64{"log": 0, "cursors": 0}
	m.WatchRecoveries(func() map[string]uint64 { return counts })
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Body.String()
	}
	if body := scrape(); !strings.Contains(body, "\nchat_watch_recoveries_total{watch=\"log\"} 0\n") {
		t.Errorf("no log watch series at 0 in:\n%s", body)
	}
	counts = map[string]uint64{"log": 2, "cursors": 1}
	body := scrape()
	for _, line := range []string{`chat_watch_recoveries_total{watch="log"} 2`, `chat_watch_recoveries_total{watch="cursors"} 1`} {
		if !strings.Contains(body, "\n"+line+"\n") {
			t.Errorf("the scrape lacks %q", line)
		}
	}
}
