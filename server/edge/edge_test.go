package edge

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAllowsHost(t *testing.T) {
	t.Parallel()
	g := New(Options{Hosts: []string{"chat.example.com", "*.chat.test", " Big.Example. "}, ListenAddr: "mybox.lan:8080"})
	tests := []struct {
		host string
		want bool
	}{
		{"localhost:8080", true},
		{"LOCALHOST", true},
		{"app.localhost:8080", true},
		{"127.0.0.1:8080", true},
		{"127.0.0.2", true},
		{"[::1]:8080", true},
		{"192.0.2.7", true},
		{"chat.example.com", true},
		{"chat.example.com:443", true},
		{"Chat.Example.Com.", true},
		{"a.chat.test", true},
		{"chat.test", false},
		{"big.example", true},
		{"mybox.lan:8080", true},
		{"evil.example", false},
		{"chat.example.com.evil.example", false},
		{"localhost.evil.example", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := g.AllowsHost(tt.host); got != tt.want {
			t.Errorf("AllowsHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestHandlerAnswers421ToAnotherHost(t *testing.T) {
	t.Parallel()
	h := New(Options{ListenAddr: "localhost:8080"}).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	for host, want := range map[string]int{"rebound.evil.example": http.StatusMisdirectedRequest, "localhost:8080": http.StatusTeapot, "127.0.0.1:8080": http.StatusTeapot} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: status %d, want %d (%s)", host, w.Code, want, w.Body)
		}
	}
}

func TestClientAddrTrustsOnlyNamedProxies(t *testing.T) {
	t.Parallel()
	proxies, err := ParsePrefixes("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{TrustedProxies: proxies})
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy", "198.51.100.9:5000", nil, "198.51.100.9"},
		{"untrusted peer's header ignored", "198.51.100.9:5000", []string{"203.0.113.5"}, "198.51.100.9"},
		{"trusted proxy", "10.1.2.3:5000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"spoofed left hop ignored", "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"chain of trusted proxies", "10.1.2.3:5000", []string{"203.0.113.5, 10.9.9.9", "192.0.2.1"}, "203.0.113.5"},
		{"trusted proxy without header", "192.0.2.1:80", nil, "192.0.2.1"},
		{"garbage hop stops the walk", "10.1.2.3:5000", []string{"203.0.113.5, nonsense"}, "10.1.2.3"},
		{"mapped address", "[::ffff:198.51.100.9]:5000", nil, "198.51.100.9"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := g.ClientAddr(r); got != tt.want {
			t.Errorf("%s: ClientAddr = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSecureBelievesOnlyTrustedProxies(t *testing.T) {
	t.Parallel()
	g := New(Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	tests := []struct {
		name, remote, proto string
		tls                 bool
		want                bool
	}{
		{"plain", "198.51.100.9:1", "", false, false},
		{"own TLS", "198.51.100.9:1", "", true, true},
		{"untrusted says https", "198.51.100.9:1", "https", false, false},
		{"trusted says https", "127.0.0.1:1", "https", false, true},
		{"trusted says http", "127.0.0.1:1", "http", false, false},
		{"nearest proxy decides", "127.0.0.1:1", "http, HTTPS", false, true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if got := g.Secure(r); got != tt.want {
			t.Errorf("%s: Secure = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParsePrefixesRefusesGarbage(t *testing.T) {
	t.Parallel()
	if _, err := ParsePrefixes("10.0.0.0/8,not-an-address"); err == nil {
		t.Fatal("ParsePrefixes accepted garbage")
	}
	ps, err := ParsePrefixes(" ,::1, 172.16.0.0/12 ")
	if err != nil || len(ps) != 2 {
		t.Fatalf("ParsePrefixes = %v, %v", ps, err)
	}
}
