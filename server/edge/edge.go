// Package edge decides what the server may believe of a request at its
// edge: whether it was meant for this server (the Host header, against DNS
// rebinding), which address it came from and whether it came over HTTPS,
// trusting X-Forwarded-For and X-Forwarded-Proto only from the proxies an
// operator named.
//
// A Guard is built once from the configuration and is safe for concurrent
// use. Handler wraps the server's handler: a request for a host the server
// does not serve gets 421 Misdirected Request before anything else runs.
package edge

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Options configure a Guard.
type Options struct {
	// Hosts are the host names the server answers to, without ports
	// ("chat.example.com"); a leading "*." allows every subdomain. IP
	// literals and "localhost" (with its subdomains) are always allowed:
	// a rebinding attack needs a name of the attacker's, and loopback
	// names never leave the machine. The host of ListenAddr is added.
	Hosts []string
	// ListenAddr is the address the server listens on ("chat.lan:8080");
	// its host is allowed.
	ListenAddr string
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server. Only a request from one of them may tell the client's
	// address (X-Forwarded-For) and scheme (X-Forwarded-Proto). Empty
	// trusts nobody: the connection's own address and TLS state count.
	TrustedProxies []netip.Prefix
}

// Guard answers what the server may believe of a request.
type Guard struct {
	exact    map[string]bool
	suffixes []string // ".example.com" for "*.example.com"
	proxies  []netip.Prefix
}

// New returns the Guard of o.
func New(o Options) *Guard {
	g := &Guard{exact: map[string]bool{"localhost": true}, suffixes: []string{".localhost"}, proxies: o.TrustedProxies}
	hosts := o.Hosts
	if h, _, err := net.SplitHostPort(o.ListenAddr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		switch {
		case h == "":
		case strings.HasPrefix(h, "*."):
			g.suffixes = append(g.suffixes, h[1:])
		default:
			g.exact[h] = true
		}
	}
	return g
}

// ParsePrefixes parses a comma-separated list of CIDRs or addresses (an
// address alone is a network of one), as the -trusted-proxies flag holds.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("edge: %q is neither a CIDR nor an address", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// AllowsHost reports whether host (a Host header, with or without a port)
// names this server.
func (g *Guard) AllowsHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	if g.exact[host] {
		return true
	}
	for _, s := range g.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// Handler answers 421 Misdirected Request to a request whose Host the
// server does not serve, and passes the others to next.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.AllowsHost(r.Host) {
			http.Error(w, "this server does not answer to the host "+fmt.Sprintf("%q", r.Host)+
				"; its operator can allow it with -hosts", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// trusted reports whether the request's peer is a trusted proxy.
func (g *Guard) trusted(peer netip.Addr) bool {
	for _, p := range g.proxies {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// peer returns the address of the connection the request came on.
func peer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// ClientAddr returns the address the request came from: the connection's
// peer, or, when the peer is a trusted proxy, the rightmost address of
// X-Forwarded-For that is not itself a trusted proxy (the ones to its left
// were written by the client and prove nothing).
func (g *Guard) ClientAddr(r *http.Request) string {
	p := peer(r)
	if !p.IsValid() {
		return r.RemoteAddr
	}
	if !g.trusted(p) {
		return p.String()
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // a hop we cannot read: stop at the last one we trust
		}
		a = a.Unmap()
		if !g.trusted(a) {
			return a.String()
		}
		p = a
	}
	return p.String()
}

// forwardedFor splits X-Forwarded-For headers into their hops, in order.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// Secure reports whether the request reached the server over HTTPS: its
// own TLS, or a trusted proxy's X-Forwarded-Proto of "https".
func (g *Guard) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !g.trusted(peer(r)) {
		return false
	}
	protos := r.Header.Values("X-Forwarded-Proto")
	if len(protos) == 0 {
		return false
	}
	// The proxy nearest to us wrote the last value.
	last := protos[len(protos)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}
