// Package outbound makes the server's requests to addresses its users
// name (outgoing webhooks and slash commands, later link previews) safely:
// every connection's address is checked as it is dialled, so a name that
// resolves (or rebinds) to a private, loopback or link-local address is
// refused, and redirects are not followed; each request is bounded in time
// and in the size of its answer. It also signs what it sends: HMAC-SHA256
// over a timestamp and the body, which the receiver checks with Verify.
package outbound

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// ErrForbiddenAddress is the error of a request to an address the client
// may not reach (private, loopback, link-local, ... and not allowed).
var ErrForbiddenAddress = errors.New("outbound: the address is not a public one")

// Options configure a Client. Zero values mean the documented defaults.
type Options struct {
	// Allow lists networks that may be reached although they are not
	// public (an admin's own services; tests on loopback). Defaults to
	// none.
	Allow []netip.Prefix
	// Timeout bounds one request, from the dial to the end of the answer.
	// Defaults to 10s.
	Timeout time.Duration
	// MaxBytes bounds the answer's body. Defaults to 64 KiB.
	MaxBytes int64
}

// Client makes checked requests. It is safe for concurrent use.
type Client struct {
	opts Options
	http *http.Client
}

// New returns a client with opts.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 10
	}
	c := &Client{opts: opts}
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: c.control}
	c.http = &http.Client{
		Timeout: opts.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // never through a proxy the environment names
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// control checks the address a connection is about to be made to: the
// resolved one, so no DNS answer can point the server at itself.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if !c.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// Allowed reports whether the client may connect to a.
func (c *Client) Allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.opts.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return Public(a)
}

// Public reports whether a is an address of the public internet: not
// loopback, private, link-local, multicast, unspecified, shared (CGNAT),
// documentation or otherwise reserved.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// reserved are the ranges beyond the standard library's tests that no
// public service uses.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64: could reach a private IPv4
	netip.MustParsePrefix("2001:db8::/32"),
}

// CheckURL refuses a URL that is not http or https with a host, that
// carries credentials, or whose host is an address the client may not
// reach; the addresses a name resolves to are checked when it is used.
func (c *Client) CheckURL(raw string) error {
	host, err := parseURL(raw)
	if err != nil {
		return err
	}
	if a, err := netip.ParseAddr(host); err == nil && !c.Allowed(a) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, a)
	}
	return nil
}

// Header names of a signed request.
const (
	TimestampHeader = "X-Chat-Timestamp" // Unix seconds
	SignatureHeader = "X-Chat-Signature" // "v1=" and the hex HMAC-SHA256
)

// Sign returns the signature of body sent at ts with secret: "v1=" and
// the hex HMAC-SHA256 of "<ts>.<body>".
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("outbound: the signature does not match")
	ErrStale        = errors.New("outbound: the timestamp is too old or too new (a replay?)")
)

// Verify checks a signed request as its receiver should: the signature
// over the timestamp and the body, and a timestamp within tolerance of
// now, so that a request recorded and sent again later is refused. A
// receiver that must refuse a replay within the tolerance too remembers
// the signatures it accepted for that long.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// Post sends body as JSON to target, signed with secret, and returns the
// status and the answer's body (at most MaxBytes).
func (c *Client) Post(ctx context.Context, target, secret string, body []byte, header http.Header) (int, []byte, error) {
	if _, err := parseURL(target); err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chat-outgoing-webhook/1")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(secret, ts, body))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBytes+1))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if int64(len(data)) > c.opts.MaxBytes {
		return resp.StatusCode, nil, fmt.Errorf("outbound: an answer above %d bytes", c.opts.MaxBytes)
	}
	return resp.StatusCode, data, nil
}

// CloseIdleConnections closes the connections kept for later requests.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// parseURL checks raw and returns its host.
func parseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return "", fmt.Errorf("outbound: %.100q is no http or https URL with a host (and without a user name)", raw)
	}
	return u.Hostname(), nil
}
