package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The search index's bleve starts its analysis workers when imported.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"),
		// nats.go v1.55.0 can start this watcher of an async publisher's
		// connection before its status channel exists (the object store
		// publishes asynchronously); it then waits on a nil channel forever.
		goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}
