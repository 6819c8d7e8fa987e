package chattest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
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

// Node opens the storage of one chat node on the NATS at urls (the
// servers of one cluster), with a NATS connection of its own, and streams
// and buckets of replicas copies (1 for a single NATS server). The bus
// closes when the test ends, or earlier when the test closes it to cut the
// node off as a killed process would be.
func Node(t testing.TB, urls []string, replicas int) (*server.Storage, *bus.Bus) {
	t.Helper()
	// Only urls: a test that puts a proxy in the way can cut the line.
	b, err := bus.Open(bus.Options{URLs: urls, Replicas: replicas, OnlyURLs: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	// A loaded machine may take longer than JetStream's default timeouts
	// to place streams of several replicas: tried again for a minute.
	var st *server.Storage
	Within(time.Minute, func() bool {
		st, err = server.OpenStorage(context.Background(), b, server.StorageOptions{
			MaxBytes: 64 << 20, PrivateMaxBytes: 64 << 20, // JetStream reserves each stream's bound on disk
		})
		return err == nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStorage(t, st) })
	return st, b
}

// NATSCluster starts n NATS servers with JetStream in one cluster on
// loopback ports, their files under dir, and waits until JetStream has a
// leader and every server is current. It returns the servers and their
// client URLs; they stop when the test ends (a test may shut one down
// earlier, as a crash would).
func NATSCluster(t testing.TB, dir string, n int) ([]*natsserver.Server, []string) {
	t.Helper()
	// Every server routes to every other, so each needs its cluster port
	// before any starts: free ones are picked first.
	var routes []*url.URL
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, &url.URL{Scheme: "nats", Host: ln.Addr().String()})
		ln.Close()
	}
	var servers []*natsserver.Server
	for i := range n {
		o := &natsserver.Options{
			ServerName: fmt.Sprintf("nats-%d", i),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("nats-%d", i)),
			Cluster:    natsserver.ClusterOpts{Name: "chat-test", Host: "127.0.0.1"},
			Routes:     routes,
			NoSigs:     true,
			NoLog:      true,
		}
		o.Cluster.Port, _ = strconv.Atoi(routes[i].Port())
		ns, err := natsserver.NewServer(o)
		if err != nil {
			t.Fatal(err)
		}
		go ns.Start()
		t.Cleanup(func() {
			ns.Shutdown()
			ns.WaitForShutdown()
		})
		servers = append(servers, ns)
	}
	var urls []string
	for i, ns := range servers {
		if !ns.ReadyForConnections(30 * time.Second) {
			t.Fatalf("NATS server %d did not start within 30s", i)
		}
		urls = append(urls, ns.ClientURL())
	}
	// Formed: a JetStream leader that sees every other server as a
	// current, online peer, so that streams of n replicas can be placed.
	if !Within(time.Minute, func() bool {
		for _, ns := range servers {
			if ns.NumRoutes() < n-1 || !ns.JetStreamIsLeader() {
				continue
			}
			info, err := ns.Jsz(&natsserver.JSzOptions{})
			if err != nil || info.Meta == nil || len(info.Meta.Replicas) != n-1 {
				return false
			}
			for _, p := range info.Meta.Replicas {
				if !p.Current || p.Offline {
					return false
				}
			}
			return true
		}
		return false
	}) {
		t.Fatal("the NATS cluster did not form within a minute")
	}
	return servers, urls
}
