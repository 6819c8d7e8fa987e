package chattest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// Balancer is a TCP proxy in front of several chat nodes, as a load
// balancer in front of a fleet: each of its fronts prefers one node and,
// while that node is down, goes to the next live one. Kill takes a node
// down as a crash does: every connection to it is cut mid-stream.
type Balancer struct {
	t        testing.TB
	backends []string // host:port of each node
	fronts   []string // http://host:port of each front

	mu       sync.Mutex
	down     []bool
	isolated []bool              // cut off: front and node both unreachable
	conns    []map[net.Conn]bool // open connections to each node, both ends
}

// NewBalancer starts one front per node at nodeURLs (http://host:port, or
// any scheme://host:port: it proxies TCP); it stops when the test ends.
func NewBalancer(t testing.TB, nodeURLs []string) *Balancer {
	t.Helper()
	b := &Balancer{t: t, down: make([]bool, len(nodeURLs)), isolated: make([]bool, len(nodeURLs)), conns: make([]map[net.Conn]bool, len(nodeURLs))}
	for i, u := range nodeURLs {
		_, hostPort, _ := strings.Cut(u, "://")
		b.backends = append(b.backends, hostPort)
		b.conns[i] = make(map[net.Conn]bool)
	}
	var wg sync.WaitGroup
	var listeners []net.Listener
	for i := range nodeURLs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, ln)
		b.fronts = append(b.fronts, "http://"+ln.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.serve(ln, i, &wg)
		}()
	}
	t.Cleanup(func() {
		for _, ln := range listeners {
			ln.Close()
		}
		b.mu.Lock()
		for _, m := range b.conns {
			for c := range m {
				c.Close()
			}
		}
		b.mu.Unlock()
		wg.Wait()
	})
	return b
}

// Front returns the URL whose connections go to node i while it is up.
func (b *Balancer) Front(i int) string { return b.fronts[i] }

// Kill takes node i down: its open connections are cut, mid-stream, and
// new ones go to the next live node.
func (b *Balancer) Kill(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down[i] = true
	for c := range b.conns[i] {
		c.Close()
	}
}

// Cut cuts the line to node i: its open connections are cut and new ones
// through its front are refused, with no failover, as a network partition
// does. Restore mends it.
func (b *Balancer) Cut(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.isolated[i] = true
	for c := range b.conns[i] {
		c.Close()
	}
}

// Restore mends the line Cut cut.
func (b *Balancer) Restore(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.isolated[i] = false
}

// serve proxies the connections of front i until ln closes.
func (b *Balancer) serve(ln net.Listener, i int, wg *sync.WaitGroup) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.proxy(in, i)
		}()
	}
}

// proxy joins in to the first live node from i on, until either end
// closes.
func (b *Balancer) proxy(in net.Conn, i int) {
	defer in.Close()
	b.mu.Lock()
	if b.isolated[i] {
		b.mu.Unlock()
		return
	}
	j := i
	for k := range len(b.backends) {
		if j = (i + k) % len(b.backends); !b.down[j] {
			break
		}
	}
	b.mu.Unlock()
	out, err := net.Dial("tcp", b.backends[j])
	if err != nil {
		return
	}
	defer out.Close()
	b.mu.Lock()
	if b.down[j] || b.isolated[j] {
		b.mu.Unlock()
		return
	}
	b.conns[j][in], b.conns[j][out] = true, true
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.conns[j], in)
		delete(b.conns[j], out)
		b.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	go func() { io.Copy(out, in); out.Close(); done <- struct{}{} }()
	go func() { io.Copy(in, out); in.Close(); done <- struct{}{} }()
	<-done
	<-done
}
