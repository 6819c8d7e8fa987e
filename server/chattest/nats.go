package chattest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/founding/chat/server"
	"github.com/founding/chat/server/bus"
)

// NATS starts a NATS server with JetStream listening on a loopback port,
// its files in dir, as an external NATS the chat's nodes connect to; it
// stops when the test ends. It returns the server and its URL.
func NATS(t testing.TB, dir string) (*natsserver.Server, string) {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{
		ServerName: "test-nats",
		Host:       "127.0.0.1",
		Port:       -1,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		t.Fatal("NATS did not start within 30s")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns, ns.ClientURL()
}

// Node opens the storage of one chat node on the NATS at url, with a NATS
// connection of its own (replicas as given, 1 for a single NATS server).
// The bus closes when the test ends, or earlier when the test closes it to
// cut the node off as a killed process would be.
func Node(t testing.TB, url string, replicas int) (*server.Storage, *bus.Bus) {
	t.Helper()
	b, err := bus.Open(bus.Options{URLs: []string{url}, Replicas: replicas, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	st, err := server.OpenStorage(context.Background(), b, server.StorageOptions{
		MaxBytes: 64 << 20, PrivateMaxBytes: 64 << 20, // JetStream reserves each stream's bound on disk
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, b
}
