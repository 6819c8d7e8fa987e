package push

import "github.com/prometheus/client_golang/prometheus"

// Metrics count what push does: chat_push_sent_total,
// chat_push_failed_total{reason}, chat_push_held_total{reason},
// chat_push_subscriptions_removed_total, chat_push_queue_length and
// chat_push_send_seconds. A nil *Metrics counts nothing.
type Metrics struct {
	sent    prometheus.Counter
	failed  *prometheus.CounterVec
	held    *prometheus.CounterVec
	removed prometheus.Counter
	latency prometheus.Histogram
}

// NewMetrics returns push's metrics; register Collectors with a registry.
func NewMetrics() *Metrics {
	return &Metrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_push_sent_total",
			Help: "Pushes a push service accepted (2xx), one per device.",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_push_failed_total",
			Help: "Pushes given up, by reason: gone (404/410), refused (other 4xx), expired (retries ran past the TTL), queue_full, too_many_services, shutdown, bad_subscription, forbidden_address (an endpoint on a private address: removed).",
		}, []string{"reason"}),
		held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_push_held_total",
			Help: "Pushes not sent to a person by a rule, by reason: active (on a device now), quiet (do-not-disturb), level, muted, lookup (a read failed), decide_queue_full.",
		}, []string{"reason"}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_push_subscriptions_removed_total",
			Help: "Subscriptions removed because the push service said they are gone (404 or 410).",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_push_send_seconds",
			Help:    "Time of one request to a push service, whatever its answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
	}
}

// Collectors returns the metrics to register; queue reports the pushes
// waiting now.
func (m *Metrics) Collectors(queue func() float64) []prometheus.Collector {
	return []prometheus.Collector{m.sent, m.failed, m.held, m.removed, m.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chat_push_queue_length", Help: "Pushes waiting to be decided or sent on this node."}, queue)}
}

func (m *Metrics) fail(reason string) {
	if m != nil {
		m.failed.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) hold(reason string) {
	if m != nil {
		m.held.WithLabelValues(reason).Inc()
	}
}
