package chattest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CaddyPath returns the path of Caddy, the reverse proxy the cluster tests
// and `make cluster` put in front of the nodes, if it is installed.
func CaddyPath() (string, bool) {
	if p := os.Getenv("CADDY"); p != "" {
		return p, true
	}
	p, err := exec.LookPath("caddy")
	return p, err == nil
}

// CaddyConfig is the Caddyfile of a reverse proxy on listen (host:port) in
// front of the chat nodes at upstreams (host:port each): round robin, so
// that two browsers land on different nodes; websockets and streamed
// answers pass unbuffered; a node that refuses connections is left out
// for a while. health adds an active check of the path (/readyz) every
// two seconds.
func CaddyConfig(listen string, upstreams []string, health string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin off\n\tauto_https off\n}\n\nhttp://%s {\n", listen)
	fmt.Fprintf(&b, "\treverse_proxy %s {\n", strings.Join(upstreams, " "))
	b.WriteString("\t\tlb_policy round_robin\n\t\tflush_interval -1\n\t\tfail_duration 10s\n")
	if health != "" {
		fmt.Fprintf(&b, "\t\thealth_uri %s\n\t\thealth_interval 2s\n", health)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// Caddy runs Caddy with the Caddyfile config on listen (host:port) until
// the test ends. A missing Caddy fails the test: `make test` installs it.
func Caddy(t testing.TB, listen, config string) {
	t.Helper()
	path, ok := CaddyPath()
	if !ok {
		t.Fatal("Caddy is not installed: `make test` installs it (Debian: apt-get install caddy), or set CADDY")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "run", "--adapter", "caddyfile", "--config", file)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out, err := os.Create(filepath.Join(dir, "caddy.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		out.Close()
	})
	gone := func() bool {
		select {
		case <-exited:
			return true
		default:
			return false
		}
	}
	up := Within(30*time.Second, func() bool {
		if gone() {
			return true
		}
		c, err := net.Dial("tcp", listen)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if !up || gone() {
		log, _ := os.ReadFile(filepath.Join(dir, "caddy.log"))
		t.Fatalf("Caddy did not start on %s: %s", listen, log)
	}
}
