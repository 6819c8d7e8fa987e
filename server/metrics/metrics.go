// Package metrics defines what a chat node reports to Prometheus: one
// Metrics per Server, on a registry of its own (not the global default),
// so that servers in one process, as in tests, count apart. Every metric's
// name starts with chat_; docs/deploy.md lists them with what each means.
//
// The packages that count hold a *Metrics and call its methods on their
// paths: server/wsconn (connections, queues, evictions, frame rates,
// error frames), server/hub (fan-out, presence) and package server
// (messages, resumes, appends). Every method is a counter or histogram
// update, lock-free, and does nothing on a nil *Metrics, so a package
// used without metrics (its own tests) needs none. Gauges that are a
// snapshot of state (connections open, bytes queued, users online) are
// read when scraped, from functions the owner registers (GaugeFunc), and
// cost nothing in between.
//
// All methods may be called concurrently.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds one node's counters and histograms and the registry they
// are on. Create it with New.
type Metrics struct {
	reg *prometheus.Registry

	// chat_messages_received_total: send frames the node read from its
	// clients (retries included), before limits and validation.
	received prometheus.Counter
	// chat_messages_delivered_total: entries queued to local connections
	// by fan-out, one per recipient connection.
	delivered prometheus.Counter
	// chat_fanout_recipients: local connections one entry was queued to.
	recipients prometheus.Histogram
	// chat_fanout_seconds: time to queue one entry to every local
	// recipient (encode once, one queue push each).
	fanout prometheus.Histogram
	// chat_log_append_seconds: time to store one entry in the log and get
	// its acknowledgement (a JetStream publish and ack on NATS storage).
	appends prometheus.Histogram
	// chat_log_append_errors_total: appends that failed.
	appendErrors prometheus.Counter
	// chat_slow_consumer_evictions_total: connections cut because their
	// queue overflowed.
	evictions prometheus.Counter
	// chat_rate_limited_frames_total{limit}: frames refused by a rate:
	// "frames" (one connection's frame rate), "messages" (a user's or an
	// address's message rate), "reads" (history and resume budget),
	// "names" (new names per address).
	rateLimited *prometheus.CounterVec
	// chat_error_frames_total{code}: error frames sent to clients, by
	// their chat.Code.
	errorFrames *prometheus.CounterVec
	// chat_presence_events_total{event}: users of this node coming
	// "online" (first connection) and going "offline" (grace over).
	presence *prometheus.CounterVec
	// chat_resumes_total: resume requests served: a client that
	// reconnected catching up on what it missed.
	resumes prometheus.Counter
	// chat_connections_closed_total{code}: connections the node closed,
	// by close code (1012 for a drain, 4008 slow consumer, ...).
	closes *prometheus.CounterVec
	// chat_upgrades_refused_total{reason}: websocket upgrades answered
	// with an HTTP error: "draining", "addr_limit", "subprotocol".
	refused *prometheus.CounterVec
	// chat_websocket_writes_total: websocket messages written to clients,
	// one write each; a batch carries several frames.
	writes prometheus.Counter
	// chat_websocket_frames_written_total: frames those writes carried.
	// Divided by chat_websocket_writes_total, the frames per write: how
	// much a busy node coalesces.
	framesWritten prometheus.Counter
}

// Buckets of the latency histograms, in seconds: from 100µs (an in-memory
// append, a small fan-out) to 10s (a stream leader moving).
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// recipientBuckets are the buckets of chat_fanout_recipients: from a
// private pair to a room of ten thousand on one node.
var recipientBuckets = []float64{0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// New returns a Metrics on a registry of its own, which also holds the
// Go runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_received_total",
			Help: "Send frames read from clients, retries included.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_delivered_total",
			Help: "Entries queued to local connections by fan-out, one per recipient connection.",
		}),
		recipients: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_fanout_recipients",
			Help:    "Local connections one entry was queued to.",
			Buckets: recipientBuckets,
		}),
		fanout: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_fanout_seconds",
			Help:    "Time to queue one entry to every local recipient.",
			Buckets: latencyBuckets,
		}),
		appends: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_log_append_seconds",
			Help:    "Time to store one entry in the log and get its acknowledgement (JetStream publish and ack).",
			Buckets: latencyBuckets,
		}),
		appendErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_log_append_errors_total",
			Help: "Appends to the log that failed.",
		}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_slow_consumer_evictions_total",
			Help: "Connections cut because their queue overflowed.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_rate_limited_frames_total",
			Help: "Frames refused by a rate limit, by limit: frames, messages, reads, names.",
		}, []string{"limit"}),
		errorFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_error_frames_total",
			Help: "Error frames sent to clients, by code.",
		}, []string{"code"}),
		presence: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_presence_events_total",
			Help: "Users of this node coming online and going offline.",
		}, []string{"event"}),
		resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_resumes_total",
			Help: "Resume requests served: reconnected clients catching up.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_connections_closed_total",
			Help: "Connections the node closed, by close code.",
		}, []string{"code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_upgrades_refused_total",
			Help: "Websocket upgrades answered with an HTTP error, by reason.",
		}, []string{"reason"}),
		writes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_websocket_writes_total",
			Help: "Websocket messages written to clients; a batch carries several frames.",
		}),
		framesWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_websocket_frames_written_total",
			Help: "Frames carried by the websocket messages written to clients.",
		}),
	}
	m.reg.MustRegister(
		m.received, m.delivered, m.recipients, m.fanout, m.appends, m.appendErrors,
		m.evictions, m.rateLimited, m.errorFrames, m.presence, m.resumes, m.closes, m.refused,
		m.writes, m.framesWritten,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in Prometheus's formats (text, or
// OpenMetrics when asked). A nil Metrics serves 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Gauge registers a gauge whose value read is called for at each scrape:
// a snapshot of state its owner already keeps (connections open, users
// online). read must be cheap and safe to call at any time.
func (m *Metrics) Gauge(name, help string, read func() float64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read))
}

// watchRecoveriesDesc describes chat_watch_recoveries_total.
var watchRecoveriesDesc = prometheus.NewDesc("chat_watch_recoveries_total",
	"Watches of the storage (log, memberships, cursors, invitations, mutes) made again after they stopped making progress.",
	[]string{"watch"}, nil)

// watchRecoveries collects chat_watch_recoveries_total{watch} from counts
// its owner keeps.
type watchRecoveries func() map[string]uint64

func (watchRecoveries) Describe(ch chan<- *prometheus.Desc) { ch <- watchRecoveriesDesc }

func (read watchRecoveries) Collect(ch chan<- prometheus.Metric) {
	for watch, n := range read() {
		ch <- prometheus.MustNewConstMetric(watchRecoveriesDesc, prometheus.CounterValue, float64(n), watch)
	}
}

// WatchRecoveries registers chat_watch_recoveries_total{watch}: how many
// times each kind of the storage's watches was made again after it
// stopped making progress, as read returns at each scrape. read must be
// cheap and safe to call at any time.
func (m *Metrics) WatchRecoveries(read func() map[string]uint64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(watchRecoveries(read))
}

// MessageReceived counts one send frame read from a client.
func (m *Metrics) MessageReceived() {
	if m != nil {
		m.received.Inc()
	}
}

// FannedOut records one entry queued to n local connections in d.
func (m *Metrics) FannedOut(n int, d time.Duration) {
	if m == nil {
		return
	}
	m.delivered.Add(float64(n))
	m.recipients.Observe(float64(n))
	m.fanout.Observe(d.Seconds())
}

// Appended records one append to the log that took d, and whether it
// failed.
func (m *Metrics) Appended(d time.Duration, err error) {
	if m == nil {
		return
	}
	m.appends.Observe(d.Seconds())
	if err != nil {
		m.appendErrors.Inc()
	}
}

// Wrote counts one websocket message written to a client, carrying frames
// frames (more than one: a batch).
func (m *Metrics) Wrote(frames int) {
	if m != nil {
		m.writes.Inc()
		m.framesWritten.Add(float64(frames))
	}
}

// Evicted counts a connection cut as a slow consumer.
func (m *Metrics) Evicted() {
	if m != nil {
		m.evictions.Inc()
	}
}

// The limits of RateLimited.
const (
	LimitFrames   = "frames"   // one connection's frame rate
	LimitMessages = "messages" // a user's or an address's message rate
	LimitReads    = "reads"    // the history and resume budget
	LimitNames    = "names"    // new names from one address
	LimitTyping   = "typing"   // a user's typing signals
)

// RateLimited counts a frame refused by limit (LimitFrames, ...).
func (m *Metrics) RateLimited(limit string) {
	if m != nil {
		m.rateLimited.WithLabelValues(limit).Inc()
	}
}

// ErrorFrame counts an error frame of code sent to a client.
func (m *Metrics) ErrorFrame(code string) {
	if m != nil {
		m.errorFrames.WithLabelValues(code).Inc()
	}
}

// The events of Presence.
const (
	PresenceOnline  = "online"
	PresenceOffline = "offline"
)

// Presence counts a user of this node coming online or going offline
// (PresenceOnline, PresenceOffline).
func (m *Metrics) Presence(event string) {
	if m != nil {
		m.presence.WithLabelValues(event).Inc()
	}
}

// Resumed counts a resume request served.
func (m *Metrics) Resumed() {
	if m != nil {
		m.resumes.Inc()
	}
}

// Closed counts a connection the node closed with a close code.
func (m *Metrics) Closed(code int) {
	if m != nil {
		m.closes.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

// The reasons of Refused.
const (
	RefusedDraining    = "draining"
	RefusedAddrLimit   = "addr_limit"
	RefusedSubprotocol = "subprotocol"
)

// Refused counts a websocket upgrade answered with an HTTP error for
// reason (RefusedDraining, ...).
func (m *Metrics) Refused(reason string) {
	if m != nil {
		m.refused.WithLabelValues(reason).Inc()
	}
}
