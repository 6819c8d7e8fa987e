package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// TestClusterNodeKilledBySIGKILL: two real chat processes on one NATS
// server, a balancer in front. Ann writes on the first and Bob on the
// second, 200 messages each; midway the second process is killed with
// SIGKILL. Bob's client reconnects through the balancer to the first node
// and resumes; both end with all 400 messages exactly once, in order; Gus,
// who was on the killed node and does not come back, is offline for Ann
// within the TTL.
func TestClusterNodeKilledBySIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server as a child process twice")
	}
	const lobby, each, killAt, window = "r:lobby", 200, 80, 20
	_, url := chattest.NATS(t, t.TempDir())
	flags := []string{"-nats", url, "-replicas", "1", "-presence-heartbeat", "200ms", "-presence-ttl", "1s"}
	nodes := []*chatProcess{startChat(t, t.TempDir(), "0", flags...), startChat(t, t.TempDir(), "0", flags...)}
	bal := chattest.NewBalancer(t, []string{nodes[0].base, nodes[1].base})

	tab := func(front int, name string) *chattest.ModelClient {
		mc := chattest.NewModelClient(t, bal.Front(front), chattest.ModelOptions{Name: name})
		mc.Patience = killPatience
		mc.Until(name+" online", func() bool { return mc.Ready(lobby) && mc.Model.Me == name })
		return mc
	}
	ann, bob := tab(0, "ann"), tab(1, "bob")
	gus := chattest.DialURL(t, bal.Front(1), nil)
	chattest.Expect(gus, func(w *chat.Welcome) bool { return w.NeedName })
	gus.Send(&chat.Nick{Name: "gus"})
	chattest.Expect(gus, func(w *chat.Welcome) bool { return w.Me == "gus" })
	ann.Until("gus online for ann", func() bool { return slices.Contains(ann.Model.Convs[lobby].Online, "gus") })

	text := func(who string, i int) string { return fmt.Sprintf("%s-%04d said while a node is killed", who, i) }
	for i := 1; i <= each; i++ {
		for _, mc := range []*chattest.ModelClient{ann, bob} {
			mc.Model.Compose(lobby, "", text(mc.Name, i))
			mc.Flush()
			if i%window == 0 {
				mc.Until("the window acknowledged", func() bool { return len(mc.Model.Outbox) == 0 })
			}
		}
		if i == killAt {
			nodes[1].kill()
			bal.Kill(1) // as the balancer's health check would
		}
	}
	ann.Until("gus offline for ann after his node died", func() bool { return !slices.Contains(ann.Model.Convs[lobby].Online, "gus") })
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		mc.Until("every message acknowledged", func() bool { return mc.Settled() })
	}
	ann.Model.Compose(lobby, "", text("end", 1))
	ann.Flush()
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		mc.Until("the last word", func() bool {
			es := mc.Entries(lobby)
			return len(es) > 0 && strings.Contains(es[len(es)-1].HTML, "end-0001")
		})
		mc.LoadOlder(lobby)
		mc.Until("the whole lobby", func() bool { return mc.Complete(lobby) })
		for _, who := range []string{"ann", "bob"} {
			var got []string
			for _, e := range mc.Entries(lobby) {
				if strings.Contains(e.HTML, who+"-") {
					got = append(got, e.HTML[strings.Index(e.HTML, who+"-"):][:len(who)+5])
				}
			}
			var want []string
			for i := 1; i <= each; i++ {
				want = append(want, fmt.Sprintf("%s-%04d", who, i))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s holds %d of %s's messages, not 1..%d once each in order: %v", mc.Name, len(got), who, each, got)
			}
		}
	}
	if bob.Onlines < 2 {
		t.Errorf("bob's client came online %d times: it never moved to the live node", bob.Onlines)
	}
}
