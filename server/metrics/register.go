package metrics

import "github.com/prometheus/client_golang/prometheus"

// Register adds collectors a part of the server keeps itself (package
// push's chat_push_*) to the registry. A nil Metrics registers nothing.
func (m *Metrics) Register(cs ...prometheus.Collector) {
	if m != nil {
		m.reg.MustRegister(cs...)
	}
}
