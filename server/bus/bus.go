// Package bus is the chat's connection to NATS: either a NATS server with
// JetStream embedded in this process on a data directory (the default, so
// that one binary is the whole service), or an external cluster given by URL.
// It is the only package that knows which; the rest use Conn and JetStream.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/founding/chat/server/dirlock"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configure Open.
type Options struct {
	// URLs of an external NATS cluster. Empty means: embed a server.
	URLs []string
	// DataDir is where the embedded server keeps JetStream's files.
	// Defaults to "./data".
	DataDir string
	// Fsync makes the embedded server fsync every write before it acks:
	// nothing is lost even on power loss, at a large cost in throughput.
	// Without it a killed process loses nothing (writes reach the OS before
	// the ack), but a power cut can lose the last moments.
	Fsync bool
	// Replicas is how many copies each stream and bucket keeps. Defaults to
	// 1 embedded and 3 on an external cluster.
	Replicas int
	// Name identifies this node to NATS. Defaults to "chat".
	Name string
	// OnlyURLs keeps the connection to URLs, never to the other servers a
	// cluster advertises: for a node that reaches NATS through a proxy or
	// load balancer.
	OnlyURLs bool
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Bus is an open NATS connection with JetStream.
type Bus struct {
	Conn      *nats.Conn
	JetStream jetstream.JetStream
	// Replicas is the replication factor for streams and buckets.
	Replicas int

	embedded *server.Server
	claim    *dirlock.Lock // the embedded server's data directory
}

// Open connects to NATS, starting the embedded server first when no URL is
// given.
func Open(opts Options) (*Bus, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Name == "" {
		opts.Name = "chat"
	}
	b := &Bus{Replicas: opts.Replicas}
	var connOpts []nats.Option
	url := strings.Join(opts.URLs, ",")
	if url == "" {
		claim, err := dirlock.Acquire(dataDir(opts))
		if err != nil {
			return nil, fmt.Errorf("bus: %w", err)
		}
		ns, err := startEmbedded(opts)
		if err != nil {
			claim.Release()
			return nil, err
		}
		b.embedded, b.claim = ns, claim
		connOpts = append(connOpts, nats.InProcessServer(ns))
		if b.Replicas <= 0 {
			b.Replicas = 1
		}
	} else if b.Replicas <= 0 {
		b.Replicas = 3
	}
	log := opts.Logger
	if opts.OnlyURLs {
		connOpts = append(connOpts, nats.IgnoreDiscoveredServers())
	}
	connOpts = append(connOpts,
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	nc, err := nats.Connect(url, connOpts...)
	if err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("bus: connecting to NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		b.shutdownEmbedded()
		return nil, fmt.Errorf("bus: JetStream: %w", err)
	}
	b.Conn, b.JetStream = nc, js
	return b, nil
}

// dataDir is the embedded server's data directory of opts.
func dataDir(opts Options) string {
	if opts.DataDir == "" {
		return "data"
	}
	return opts.DataDir
}

func startEmbedded(opts Options) (*server.Server, error) {
	abs, err := filepath.Abs(dataDir(opts))
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: opts.Name,
		JetStream:  true,
		StoreDir:   filepath.Join(abs, "jetstream"),
		SyncAlways: opts.Fsync,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("bus: embedded NATS did not start within 30s")
	}
	return ns, nil
}

// Check reports whether the bus can serve: the connection to NATS is up
// and JetStream answers a request for the account's information (the
// cheapest request JetStream answers, and only with a leader). Its error
// says which is wrong. ctx bounds the request.
func (b *Bus) Check(ctx context.Context) error {
	if st := b.Conn.Status(); st != nats.CONNECTED {
		return fmt.Errorf("NATS is %s", strings.ToLower(st.String()))
	}
	if _, err := b.JetStream.AccountInfo(ctx); err != nil {
		return fmt.Errorf("JetStream does not answer: %w", err)
	}
	return nil
}

// Embedded reports whether the NATS server runs inside this process.
func (b *Bus) Embedded() bool { return b.embedded != nil }

// Close drains the connection and stops the embedded server, if any.
func (b *Bus) Close() {
	if b.Conn != nil {
		b.Conn.Drain()
		deadline := time.Now().Add(5 * time.Second)
		for !b.Conn.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		b.Conn.Close()
	}
	b.shutdownEmbedded()
}

func (b *Bus) shutdownEmbedded() {
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
	b.claim.Release() // the directory's files are closed: another process may take them
	b.claim = nil
}
