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
