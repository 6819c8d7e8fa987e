package jetstream_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/founding/chat/server/bus"
)

// nats.go v1.55.0 can start the watcher of an async publisher's connection
// before its status channel exists (the object store publishes
// asynchronously); it then waits on a nil channel forever.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}

// openBus starts an embedded NATS server with JetStream on dir; Close shuts
// it down.
func openBus(t *testing.T, dir string) *bus.Bus {
	t.Helper()
	b, err := bus.Open(bus.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
