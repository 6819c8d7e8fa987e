package server_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// apiCluster starts n chat nodes on a 3-server NATS cluster (streams and
// buckets of 3 replicas, node i on NATS server i first), each with what
// tune sets.
func apiCluster(t *testing.T, n int, tune func(*server.Options)) []*chattest.Server {
	t.Helper()
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var srvs []*chattest.Server
	for i := range n {
		mine := append(slices.Clone(urls[i%3:]), urls[:i%3]...)
		s, _ := startNode(t, mine, 3, tune)
		srvs = append(srvs, s)
	}
	return srvs
}

// TestAPIRateIsOneAcrossTheCluster: three chat nodes on a 3-server NATS
// cluster, a token's rate of 3 requests (and a webhook's of 2) per long
// window. Requests spread over the nodes get the rate once, not once per
// node: the fourth is refused with Retry-After whichever node it reaches,
// and so is every later one on every node; another token has its own.
func TestAPIRateIsOneAcrossTheCluster(t *testing.T) {
	t.Parallel()
	const burst, hookBurst = 3, 2
	nodes := apiCluster(t, 3, func(o *server.Options) {
		o.APIRate, o.APIBurst = 0.01, burst // a window of 300 s
		o.HookRate, o.HookBurst = 0.01, hookBurst
	})
	ann := nodes[0].User(t, "ann")
	token := newToken(t, nodes[0], ann, "read", "write")
	var ok, refused int
	for i := range 3 * len(nodes) {
		n := nodes[i%len(nodes)]
		var e apiErr
		code, h := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, &e)
		switch {
		case code == 200:
			ok++
			if refused > 0 {
				t.Errorf("request %d (node %d) passed after a refusal", i, i%len(nodes))
			}
		case code == 429 && e.Code == chat.CodeRateLimited:
			refused++
			if retry, _ := strconv.Atoi(h.Get("Retry-After")); retry < 250 || retry > 300 {
				t.Errorf("request %d (node %d): Retry-After %q, want about the window's 300 s", i, i%len(nodes), h.Get("Retry-After"))
			}
		default:
			t.Fatalf("request %d (node %d): %d %+v", i, i%len(nodes), code, e)
		}
	}
	if ok != burst {
		t.Errorf("%d requests passed over %d nodes, want the token's burst of %d once", ok, len(nodes), burst)
	}
	// Another token of the same person has its own window.
	other := newToken(t, nodes[1], ann, "read")
	if code, _ := apiCall(t, nodes[2].URL, other, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
		t.Errorf("another token: %d", code)
	}

	// A webhook's rate, the same way: its burst once over the nodes.
	ann.Send(&chat.Join{Room: "ci"})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == "r:ci" })
	writer := newToken(t, nodes[0], ann, "read", "write")
	var hook struct{ ID, URL string }
	if code, _ := apiCall(t, nodes[0].URL, writer, "POST", "/api/v1/conversations/r:ci/webhooks", map[string]any{"name": "cibot"}, nil, &hook); code != 201 {
		t.Fatalf("make the webhook: %d", code)
	}
	path := hook.URL[len(nodes[0].URL):]
	posted := 0
	for i := range 2 * len(nodes) {
		resp, err := apiHTTP(nil).Post(nodes[i%len(nodes)].URL+path, "application/json", strings.NewReader(`{"text":"build `+strconv.Itoa(i)+` passed"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			posted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("webhook post %d: %d", i, resp.StatusCode)
		}
	}
	if posted != hookBurst {
		t.Errorf("the webhook posted %d times over %d nodes, want its burst of %d once", posted, len(nodes), hookBurst)
	}
}
