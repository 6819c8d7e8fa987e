package jetstream_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/founding/chat/server/bus"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
