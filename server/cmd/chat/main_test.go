package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CHAT_ADDR", "127.0.0.1:9999")
	t.Setenv("CHAT_MESSAGE_RATE", "3")
	c, err := parse([]string{"-message-rate", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:9999" {
		t.Errorf("addr = %q, want it from CHAT_ADDR", c.addr)
	}
	if c.opts.MessageRate != 7 {
		t.Errorf("message rate = %v, want the flag to win over the environment", c.opts.MessageRate)
	}
	t.Setenv("CHAT_PING_INTERVAL", "soon")
	if _, err := parse(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "CHAT_PING_INTERVAL") {
		t.Errorf("a bad environment value: err = %v", err)
	}
}

// TestOIDCFlags: single sign-on is configured by flags or CHAT_OIDC_*;
// it needs a client id, and passwords can be turned off only with it.
func TestOIDCFlags(t *testing.T) {
	t.Setenv("CHAT_OIDC_CLIENT_SECRET", "s3cret")
	c, err := parse([]string{"-oidc-issuer", "https://id.example/realms/acme", "-oidc-client-id", "chat",
		"-oidc-allowed-domains", "acme.example,acme.test", "-oidc-allowed-groups", "staff", "-oidc-local-passwords=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts.OIDC
	if o.Issuer != "https://id.example/realms/acme" || o.ClientID != "chat" || o.ClientSecret != "s3cret" ||
		len(o.AllowedDomains) != 2 || o.AllowedGroups[0] != "staff" || !o.NoLocalPasswords || o.NameClaim != "preferred_username" {
		t.Errorf("the OIDC options are %+v", o)
	}
	if c, err := parse(nil, io.Discard); err != nil || c.opts.OIDC.On() || c.opts.OIDC.NoLocalPasswords {
		t.Errorf("without -oidc-issuer: %+v, %v", c.opts.OIDC, err)
	}
	if _, err := parse([]string{"-oidc-issuer", "https://id.example"}, io.Discard); err == nil {
		t.Error("an issuer without a client id was taken")
	}
	if _, err := parse([]string{"-oidc-local-passwords=false"}, io.Discard); err == nil {
		t.Error("passwords were turned off without single sign-on")
	}
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	args := []string{"-addr", "127.0.0.1:0", "-log-level", "warn", "-data", t.TempDir()}
	go func() { done <- run(ctx, args, io.Discard, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	for _, path := range []string{"/manifest.webmanifest", "/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
	}
}

func TestDrainAndMetricsFlags(t *testing.T) {
	c, err := parse([]string{"-drain", "2s", "-metrics-addr", "127.0.0.1:9090"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.drain != 2*time.Second || !c.opts.SeparateMetrics {
		t.Errorf("drain %v, separate metrics %v; want 2s and true", c.drain, c.opts.SeparateMetrics)
	}
	if c, _ := parse(nil, io.Discard); c.drain != 5*time.Second || c.opts.SeparateMetrics {
		t.Errorf("by default: drain %v, separate metrics %v; want 5s and false", c.drain, c.opts.SeparateMetrics)
	}
	if _, err := parse([]string{"-drain", "-1s"}, io.Discard); err == nil {
		t.Error("a negative -drain was taken")
	}
}

// TestPaceFlags: -pace-interval 0 turns pacing off (a negative option),
// and the defaults reach the options as they are.
func TestPaceFlags(t *testing.T) {
	c, err := parse([]string{"-pace-interval", "0", "-pace-above", "5000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.PaceInterval >= 0 || c.opts.PaceAbove != 5000 {
		t.Errorf("-pace-interval 0 -pace-above 5000: interval %v, above %v; want negative and 5000", c.opts.PaceInterval, c.opts.PaceAbove)
	}
	if c, _ := parse(nil, io.Discard); c.opts.PaceInterval != 50*time.Millisecond || c.opts.PaceAbove != 20000 {
		t.Errorf("by default: interval %v, above %v; want 50ms and 20000", c.opts.PaceInterval, c.opts.PaceAbove)
	}
	for _, bad := range [][]string{
		{"-pace-interval", "-1s"},
		{"-pace-interval", "5s"},
		{"-pace-above", "0"},
		{"-pace-above", "-3"},
	} {
		if _, err := parse(bad, io.Discard); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: error %v, want one naming the flag", bad, err)
		}
	}
}

// TestSecondServerOnTheSameDataFailsAtOnce: a second server started on the
// data directory of a running one ends at once with an error that says the
// directory is in use, and the first one keeps serving.
func TestSecondServerOnTheSameDataFailsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-log-level", "warn", "-data", dir}, io.Discard, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	}
	second := make(chan error, 1)
	go func() {
		second <- run(ctx, []string{"-addr", "127.0.0.1:0", "-log-level", "warn", "-data", dir}, io.Discard, nil)
	}()
	err := <-second // a hang here is the bug: the test's own timeout catches it
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same data: err = %v, want one saying the directory is in use", err)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the first server after the refused second: /readyz %s", resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("the first server's run: %v", err)
	}
}

// TestLinkPreviewFlags: previews are on by default, turned off by flag or
// CHAT_LINK_PREVIEWS, and the host lists are split.
func TestLinkPreviewFlags(t *testing.T) {
	c, err := parse([]string{"-link-preview-allow", "a.example,b.example", "-link-preview-deny", "b.example"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := c.opts.LinkPreviews; o.Off || len(o.Allow) != 2 || len(o.Deny) != 1 || o.Deny[0] != "b.example" {
		t.Errorf("the link preview options are %+v", o)
	}
	t.Setenv("CHAT_LINK_PREVIEWS", "false")
	if c, err := parse(nil, io.Discard); err != nil || !c.opts.LinkPreviews.Off {
		t.Errorf("CHAT_LINK_PREVIEWS=false: %+v, %v", c.opts.LinkPreviews, err)
	}
}
