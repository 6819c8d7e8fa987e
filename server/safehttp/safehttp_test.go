package safehttp_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/server/safehttp"
)

func TestPublic(t *testing.T) {
	for _, tt := range []struct {
		ip     string
		public bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"8.8.8.8", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // the cloud metadata service
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"100.64.0.1", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:169.254.169.254", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:7f00:1::", false},   // 6to4 of 127.0.0.1
		{"2002:a00:1::", false},    // 6to4 of 10.0.0.1
		{"2001:db8::1", false},
		{"2001::1", false}, // Teredo
	} {
		if got := safehttp.Public(netip.MustParseAddr(tt.ip)); got != tt.public {
			t.Errorf("Public(%s) = %v, want %v", tt.ip, got, tt.public)
		}
	}
}

// serve starts a loopback server answering with h.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func ok(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }

func TestLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	s := serve(t, ok)
	port := s.URL[strings.LastIndex(s.URL, ":"):]
	for _, u := range []string{s.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port, "http://0.0.0.0" + port} {
		_, err := safehttp.New(safehttp.Options{}).Get(context.Background(), u)
		if !errors.Is(err, safehttp.ErrAddress) {
			t.Errorf("GET %s: %v, want ErrAddress", u, err)
		}
	}
	resp, err := safehttp.New(safehttp.Options{AllowLoopback: true}).Get(context.Background(), s.URL)
	if err != nil || resp.Status != 200 || string(resp.Body) != "hello" {
		t.Fatalf("with loopback allowed: %+v, %v", resp, err)
	}
}

func TestAnAllowedHostMayBePrivate(t *testing.T) {
	t.Parallel()
	s := serve(t, ok)
	host := strings.TrimPrefix(s.URL, "http://")
	resp, err := safehttp.New(safehttp.Options{AllowHosts: []string{host}}).Get(context.Background(), s.URL)
	if err != nil || string(resp.Body) != "hello" {
		t.Fatalf("an allowed host: %+v, %v", resp, err)
	}
}

// TestEveryRedirectIsChecked: an allowed host that redirects to a private
// address gets nothing from it.
func TestEveryRedirectIsChecked(t *testing.T) {
	t.Parallel()
	inner := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) })
	outer := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, inner.URL, http.StatusFound) })
	c := safehttp.New(safehttp.Options{AllowHosts: []string{strings.TrimPrefix(outer.URL, "http://")}})
	resp, err := c.Get(context.Background(), outer.URL)
	if !errors.Is(err, safehttp.ErrAddress) {
		t.Fatalf("a redirect to a private address: %+v, %v, want ErrAddress", resp, err)
	}
	// And a redirect to another scheme.
	odd := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	_, err = safehttp.New(safehttp.Options{AllowLoopback: true}).Get(context.Background(), odd.URL)
	if !errors.Is(err, safehttp.ErrScheme) {
		t.Errorf("a redirect to file: %v, want ErrScheme", err)
	}
}

func TestRedirectsAreBounded(t *testing.T) {
	t.Parallel()
	var s *httptest.Server
	s = serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, s.URL+"/again", http.StatusFound) })
	_, err := safehttp.New(safehttp.Options{AllowLoopback: true, MaxRedirects: 2}).Get(context.Background(), s.URL)
	if !errors.Is(err, safehttp.ErrRedirects) {
		t.Errorf("an endless redirect: %v, want ErrRedirects", err)
	}
}

func TestSchemesOtherThanHTTPAreRefused(t *testing.T) {
	t.Parallel()
	c := safehttp.New(safehttp.Options{AllowLoopback: true})
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:25/", "javascript:alert(1)", "http:///nohost"} {
		if _, err := c.Get(context.Background(), u); !errors.Is(err, safehttp.ErrScheme) {
			t.Errorf("GET %s: %v, want ErrScheme", u, err)
		}
	}
}

func TestBodyAndTimeAreBounded(t *testing.T) {
	t.Parallel()
	big := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("x", 5000))) })
	c := safehttp.New(safehttp.Options{AllowLoopback: true, MaxBody: 1000})
	if _, err := c.Get(context.Background(), big.URL); !errors.Is(err, safehttp.ErrTooLarge) {
		t.Errorf("a 5000-byte body with a 1000-byte limit: %v, want ErrTooLarge", err)
	}
	hung := make(chan struct{})
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hung:
		case <-r.Context().Done():
		}
	})
	defer close(hung)
	c = safehttp.New(safehttp.Options{AllowLoopback: true, Timeout: 200 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), slow.URL)
		done <- err
	}()
	select {
	case err := <-done:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("a server that never answers: %v, want a timeout", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a server that never answers held the request past its timeout")
	}
}

// TestConcurrencyIsBounded: with one slot taken by a request that hangs,
// another waits, and gives up when its context ends.
func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	hung := make(chan struct{})
	entered := make(chan struct{}, 2)
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-hung:
		case <-r.Context().Done():
		}
	})
	defer close(hung)
	c := safehttp.New(safehttp.Options{AllowLoopback: true, Concurrency: 1, Timeout: time.Minute})
	go c.Get(context.Background(), s.URL)
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, s.URL)
		errs <- err
	}()
	cancel()
	if err := <-errs; !errors.Is(err, safehttp.ErrBusy) {
		t.Errorf("a second request with the one slot taken: %v, want ErrBusy", err)
	}
	if len(entered) != 0 {
		t.Error("the second request reached the server past the bound")
	}
}

func TestAllowedNetworksAndCheckURL(t *testing.T) {
	t.Parallel()
	s := serve(t, ok)
	c := safehttp.New(safehttp.Options{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if resp, err := c.Get(context.Background(), s.URL); err != nil || string(resp.Body) != "hello" {
		t.Fatalf("an allowed network: %+v, %v", resp, err)
	}
	if err := c.CheckURL(s.URL); err != nil {
		t.Errorf("CheckURL of an allowed network: %v", err)
	}
	plain := safehttp.New(safehttp.Options{})
	for u, want := range map[string]error{
		"http://169.254.169.254/latest": safehttp.ErrAddress,
		"http://[::1]:8080/":            safehttp.ErrAddress,
		"ftp://example.com/x":           safehttp.ErrScheme,
		"https://user:pw@example.com/":  safehttp.ErrScheme,
		"https:///path":                 safehttp.ErrScheme,
	} {
		if err := plain.CheckURL(u); !errors.Is(err, want) {
			t.Errorf("CheckURL(%s) = %v, want %v", u, err, want)
		}
	}
	if err := plain.CheckURL("https://example.com/hook"); err != nil {
		t.Errorf("CheckURL of a public name: %v", err)
	}
}
