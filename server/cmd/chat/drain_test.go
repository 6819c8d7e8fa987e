package main

// The real binary drained by SIGTERM: it reports not ready, refuses new
// websockets, closes its tabs with 1012 one after another, and exits 0;
// started again, the tabs come back on their own and every message sent
// before the signal is in the lobby once.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// probe answers GET path on the process: its status and body, or 0 when
// nothing answers.
func (p *chatProcess) probe(path string) (int, string) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(p.base + path)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// restarted reports whether one of mc's connections ended with 1012.
func restarted(mc *chattest.ModelClient) bool {
	for _, e := range mc.Ends {
		if e.Close.Code == chat.CloseRestart.Code {
			return true
		}
	}
	return false
}

func TestSIGTERMDrainsAndExits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server as a child process twice")
	}
	const lobby = "r:lobby"
	const tabs, each = 3, 10
	dir := t.TempDir()
	// 3 tabs over 15 s: one closes at once and the next after 5 s, time
	// enough to see the node draining.
	first := startChat(t, dir, "0", "-drain", "15s")
	if status, body := first.probe("/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz before the signal: %d %q", status, body)
	}
	clients := make([]*chattest.ModelClient, tabs)
	for i := range clients {
		clients[i] = first.tab(t, fmt.Sprintf("tab%d", i), nil)
	}
	var texts []string
	for i, mc := range clients {
		mc.Until("a ready lobby", func() bool { return mc.Ready(lobby) })
		for j := range each {
			text := fmt.Sprintf("term %d-%d", i, j)
			texts = append(texts, text)
			mc.Say(lobby, "", text)
		}
	}
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	chattest.Eventually(t, killPatience, func() bool {
		status, body := first.probe("/readyz")
		return status == http.StatusServiceUnavailable && body == "draining"
	}, "/readyz to answer 503 \"draining\"")
	ctx, cancel := context.WithTimeout(context.Background(), killPatience)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws://127.0.0.1:"+first.port+"/ws", &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol}, HTTPHeader: http.Header{"Origin": {first.base}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a websocket while draining: %v, want 503", err)
	}
	closed := 0
	chattest.Eventually(t, killPatience, func() bool {
		closed = 0
		for _, mc := range clients {
			mc.Poll()
			if restarted(mc) {
				closed++
			}
		}
		return closed > 0
	}, "a tab closed with 1012")
	if closed != 1 {
		t.Errorf("%d of %d tabs closed at the first close of a 15 s drain, want 1", closed, tabs)
	}
	for _, mc := range clients {
		mc.Until("its close, 1012", func() bool { return restarted(mc) })
	}
	lastClose := time.Now()
	select {
	case <-first.exited:
	case <-time.After(killPatience):
		t.Fatalf("the server did not exit after its drain\n%s", first.log())
	}
	t.Logf("exited %v after SIGTERM (-drain 15s), %v after the last tab saw its close",
		time.Since(signalled).Round(10*time.Millisecond), time.Since(lastClose).Round(10*time.Millisecond))
	if !first.cmd.ProcessState.Success() {
		t.Errorf("the drained server exited with %v", first.cmd.ProcessState)
	}

	startChat(t, dir, first.port)
	// Each tab first settles on its own (a tab resends what was not acked
	// only as its events are applied), then every tab holds every message.
	for _, mc := range clients {
		mc.Until("back, every message acknowledged", func() bool { return mc.Settled() && mc.Ready(lobby) })
	}
	for _, mc := range clients {
		missing := func() (m []string) {
			for _, text := range texts {
				if mc.Count(lobby, text) == 0 {
					m = append(m, text)
				}
			}
			return m
		}
		if !mc.UntilWithin(killPatience, func() bool { return len(missing()) == 0 }) {
			t.Fatalf("%s misses %q", mc.Name, missing())
		}
	}
	for _, mc := range clients {
		mc.Drain(200 * time.Millisecond)
		for _, text := range texts {
			if n := mc.Count(lobby, text); n != 1 {
				t.Errorf("%s holds %q %d times, want once", mc.Name, text, n)
			}
		}
		for _, e := range mc.Errors {
			t.Errorf("%s got an error: %s: %s", mc.Name, e.Code, e.Message)
		}
	}
}
