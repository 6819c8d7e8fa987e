// Package safehttp makes the requests the server sends to a URL a user
// gave it (a push endpoint, a link to preview, a webhook) without letting
// that user reach what only the server can: every connection, the first
// and each redirect's, goes to a public address, checked on the address
// actually dialled after resolution (so a name that resolves to a public
// address when checked and a private one when used, DNS rebinding, gains
// nothing), only over http or https, with a time limit, a size limit and
// a bound on requests at once.
//
// Refused: loopback, private (RFC 1918, fc00::/7), link-local, multicast,
// unspecified, carrier-grade NAT (100.64.0.0/10), the documentation,
// benchmarking and reserved ranges, and IPv6 forms that carry one of those
// IPv4 addresses (mapped, NAT64, 6to4). An operator may allow named hosts
// (an internal CI server for webhooks), and tests may allow loopback.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Errors the Client returns (wrapped, with the URL or the address).
var (
	// ErrAddress is a connection refused because of where it goes.
	ErrAddress = errors.New("the address is not a public one")
	// ErrScheme is a URL that is neither http nor https, or has no host.
	ErrScheme = errors.New("only http and https URLs are fetched")
	// ErrTooLarge is a body larger than Options.MaxBody.
	ErrTooLarge = errors.New("the response is larger than allowed")
	// ErrRedirects is a chain of more than Options.MaxRedirects.
	ErrRedirects = errors.New("too many redirects")
	// ErrBusy is a request that found no free slot (Options.Concurrency)
	// before its context ended.
	ErrBusy = errors.New("too many requests at once")
)

// Options shape a Client; the zero value is usable.
type Options struct {
	// Timeout bounds a whole request, redirects and body included
	// (default 10 s).
	Timeout time.Duration
	// MaxBody bounds the bytes of a response body read (default 1 MiB).
	MaxBody int64
	// MaxRedirects bounds the redirects followed (default 3; negative: none).
	MaxRedirects int
	// Concurrency bounds the requests at once (default 8).
	Concurrency int
	// AllowHosts are host names (or host:port) an operator allows
	// whatever they resolve to. Compared without case.
	AllowHosts []string
	// AllowNets are networks an operator allows although they are not
	// public (-outgoing-allow: an internal CI server).
	AllowNets []netip.Prefix
	// AllowLoopback lets requests reach loopback addresses: for tests,
	// whose servers listen on 127.0.0.1.
	AllowLoopback bool
	// UserAgent is sent with every request.
	UserAgent string
}

// Client sends requests under the Options' rules.
type Client struct {
	o     Options
	http  *http.Client
	slots chan struct{}
	allow map[string]bool
}

// New returns a Client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = 3
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	c := &Client{o: o, slots: make(chan struct{}, o.Concurrency), allow: make(map[string]bool)}
	for _, h := range o.AllowHosts {
		c.allow[strings.ToLower(h)] = true
	}
	checked := &net.Dialer{Timeout: o.Timeout, Control: c.control}
	plain := &net.Dialer{Timeout: o.Timeout}
	transport := &http.Transport{
		Proxy: nil, // never through a proxy from the environment: it would dial for us, unchecked
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if c.allowed(addr) {
				return plain.DialContext(ctx, network, addr)
			}
			return checked.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConns:          o.Concurrency,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c.http = &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > o.MaxRedirects {
				return fmt.Errorf("%w (%d)", ErrRedirects, len(via))
			}
			return checkScheme(req.URL)
		},
	}
	return c
}

// HTTP returns the http.Client under the Client's address and redirect
// rules, for a library that makes its own requests (webpush-go); the size
// and concurrency bounds are then the caller's.
func (c *Client) HTTP() *http.Client { return c.http }

// allowed reports whether addr (host:port, before resolution) names a
// host the operator allowed.
func (c *Client) allowed(addr string) bool {
	if len(c.allow) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return c.allow[strings.ToLower(addr)] || c.allow[strings.ToLower(host)]
}

// control refuses a connection to an address that is not public, just
// before it is made: address is the resolved IP and port being dialled.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrAddress, address)
	}
	if !c.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrAddress, ap.Addr())
	}
	return nil
}

// Allowed reports whether the Client may connect to ip: a public address,
// or one the Options allow.
func (c *Client) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if c.o.AllowLoopback && ip.IsLoopback() {
		return true
	}
	for _, p := range c.o.AllowNets {
		if p.Contains(ip) {
			return true
		}
	}
	return Public(ip)
}

// CheckURL refuses, before any request, a URL the Client would not fetch:
// not http or https, without a host, with a user name, or naming an
// address it may not reach. A name is checked on the addresses it
// resolves to when it is used.
func (c *Client) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %.100q", ErrScheme, raw)
	}
	if err := checkScheme(u); err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !c.allowed(u.Host) && !c.Allowed(ip) {
		return fmt.Errorf("%w: %s", ErrAddress, ip)
	}
	return nil
}

// Response is what a request got: its status, its headers and at most
// MaxBody bytes of its body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL // where the last redirect led
}

// Do sends req (its URL checked first) and reads the response's body, up
// to MaxBody; a larger one is ErrTooLarge. It waits for a free slot while
// req's context allows.
func (c *Client) Do(req *http.Request) (*Response, error) {
	if err := checkScheme(req.URL); err != nil {
		return nil, err
	}
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-req.Context().Done():
		return nil, fmt.Errorf("%w: %v", ErrBusy, req.Context().Err())
	}
	if c.o.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.o.UserAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.o.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes from %s", ErrTooLarge, c.o.MaxBody, resp.Request.URL.Redacted())
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL}, nil
}

// Get fetches rawURL.
func (c *Client) Get(ctx context.Context, rawURL string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// checkScheme refuses a URL that is not http or https, has no host, or
// carries a user name (credentials have no place in a URL a user gave).
func checkScheme(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return fmt.Errorf("%w: %q with a host and no user name", ErrScheme, u.Scheme)
	}
	return nil
}

// notPublic are the ranges no request goes to, beyond what netip's
// predicates say.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2001::/32"),       // Teredo: carries an IPv4 address
}

// Public reports whether ip is an address a request may go to: a global
// unicast address outside every special range, looking through the IPv6
// forms that carry an IPv4 address.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if v4, ok := embeddedIPv4(ip); ok {
		return Public(v4)
	}
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() ||
		ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// The IPv6 ranges that carry an IPv4 address.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address of NAT64
// (64:ff9b::/96) or 6to4 (2002::/16) carries.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}
