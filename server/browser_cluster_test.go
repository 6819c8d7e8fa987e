package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/founding/chat/server/chattest"
)

// freeAddr returns a loopback address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestBrowserChatThroughTheProxy: two people in two browsers reach three
// chat nodes on a 3-server NATS cluster through Caddy, a real reverse
// proxy, as `make cluster` sets it up; their websockets land on different
// nodes, and they chat and see each other online as on one node.
func TestBrowserChatThroughTheProxy(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	srvs, _, _ := clusterNodes(t, 3)
	var upstreams []string
	for _, s := range srvs {
		upstreams = append(upstreams, strings.TrimPrefix(s.URL, "http://"))
	}
	listen := freeAddr(t)
	chattest.Caddy(t, listen, chattest.CaddyConfig(listen, upstreams, "/readyz"))
	url := "http://" + listen
	b := chattest.NewBrowser(t)

	// nodeOf says which node holds name's connection, -1 for none yet.
	nodeOf := func(name string) int {
		for i, s := range srvs {
			if s.Hub().Online(name) {
				return i
			}
		}
		return -1
	}
	ann := b.Tab(t)
	openChat(t, ann, url)
	pickName(t, ann, "Ann")
	chattest.Eventually(t, wait, func() bool { return nodeOf("Ann") >= 0 }, "Ann is online on no node")
	// Round robin spreads browsers over the nodes: a new browser for Bob
	// until his websocket is on another node than Ann's (bounded). A page
	// load makes the same number of requests each time, so if that number
	// is a multiple of the nodes every browser's websocket would reach the
	// same node: try k first makes k requests through the proxy of its own,
	// so that the step from one browser's websocket to the next changes
	// from try to try and cannot stay a multiple of the nodes.
	var bob context.Context
	var bobName string
	for try := 1; ; try++ {
		if try > 6 {
			t.Fatalf("six browsers in a row reached Ann's node %d through the proxy", nodeOf("Ann"))
		}
		for range try {
			shiftRoundRobin(t, url)
		}
		bob, bobName = b.Tab(t), fmt.Sprintf("Bob%d", try)
		openChat(t, bob, url)
		pickName(t, bob, bobName)
		chattest.Eventually(t, wait, func() bool { return nodeOf(bobName) >= 0 }, bobName+" is online on no node")
		if nodeOf(bobName) != nodeOf("Ann") {
			break
		}
	}
	t.Logf("through Caddy, Ann is on node %d and %s on node %d", nodeOf("Ann"), bobName, nodeOf(bobName))

	say(t, ann, "hello across nodes")
	waitJS(t, bob, delivered("Ann", "hello across nodes"))
	say(t, bob, "heard you")
	waitJS(t, ann, delivered(bobName, "heard you"))
	// Each sees the other online.
	waitJS(t, ann, `document.getElementById('people')?.textContent.includes(`+jsString(bobName)+`)`)
	waitJS(t, bob, `document.getElementById('people')?.textContent.includes('Ann')`)
	chattest.Screenshot(t, ann, "ann-through-caddy")
}

// shiftRoundRobin makes one request through the proxy at url, so that its
// round robin sends the next request to the next node.
func shiftRoundRobin(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("a request through the proxy: %v", err)
	}
	resp.Body.Close()
}
