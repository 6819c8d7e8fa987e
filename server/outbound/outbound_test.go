package outbound_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/founding/chat/server/outbound"
)

// TestPrivateAddressesAreRefused: a request to loopback never reaches the
// server unless an admin allowed its network; names that resolve there
// (localhost) are refused the same, as the resolved address is checked.
func TestPrivateAddressesAreRefused(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	c := outbound.New(outbound.Options{Timeout: 5 * time.Second})
	defer c.CloseIdleConnections()
	for _, u := range []string{ts.URL, "http://localhost:" + ts.URL[len("http://127.0.0.1:"):]} {
		if _, _, err := c.Post(context.Background(), u, "s", []byte(`{}`), nil); !errors.Is(err, outbound.ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the private server was reached %d times", hits.Load())
	}
	allowed := outbound.New(outbound.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	defer allowed.CloseIdleConnections()
	if status, _, err := allowed.Post(context.Background(), ts.URL, "s", []byte(`{}`), nil); err != nil || status != 200 || hits.Load() != 1 {
		t.Fatalf("allowed: %d %v, %d hits", status, err, hits.Load())
	}
	for _, a := range []string{"10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"} {
		if outbound.Public(netip.MustParseAddr(a)) {
			t.Errorf("%s counts as public", a)
		}
	}
	if !outbound.Public(netip.MustParseAddr("93.184.215.14")) {
		t.Error("a public address counts as private")
	}
	if err := c.CheckURL("ftp://example.com/x"); err == nil {
		t.Error("an ftp URL was taken")
	}
	if err := c.CheckURL("http://169.254.169.254/latest"); !errors.Is(err, outbound.ErrForbiddenAddress) {
		t.Errorf("a link-local literal: %v", err)
	}
}

// TestSignatureAndReplay: Verify takes what Sign made within the
// tolerance, and refuses a changed body, another secret and a request
// replayed after the tolerance.
func TestSignatureAndReplay(t *testing.T) {
	t.Parallel()
	body := []byte(`{"text":"/deploy"}`)
	now := time.Now()
	ts := now.Unix()
	sig := outbound.Sign("s3cret", ts, body)
	if err := outbound.Verify("s3cret", strconv.FormatInt(ts, 10), sig, body, now, 5*time.Minute); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	if err := outbound.Verify("s3cret", strconv.FormatInt(ts, 10), sig, []byte(`{"text":"/rm -rf"}`), now, 5*time.Minute); !errors.Is(err, outbound.ErrBadSignature) {
		t.Errorf("a changed body: %v", err)
	}
	if err := outbound.Verify("other", strconv.FormatInt(ts, 10), sig, body, now, 5*time.Minute); !errors.Is(err, outbound.ErrBadSignature) {
		t.Errorf("another secret: %v", err)
	}
	if err := outbound.Verify("s3cret", strconv.FormatInt(ts+1, 10), sig, body, now, 5*time.Minute); !errors.Is(err, outbound.ErrBadSignature) {
		t.Errorf("another timestamp: %v", err)
	}
	if err := outbound.Verify("s3cret", strconv.FormatInt(ts, 10), sig, body, now.Add(6*time.Minute), 5*time.Minute); !errors.Is(err, outbound.ErrStale) {
		t.Errorf("a replay after the tolerance: %v", err)
	}
}
