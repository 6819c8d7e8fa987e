package main

// The real binary, killed with SIGKILL during traffic and started again on
// the same data directory (issue 3): every acknowledged message is in the
// history once, the offline private message is delivered, and identities
// and passwords hold. The test binary is the server: run as a child with
// CHAT_TEST_RUN_MAIN=1, its TestMain calls main instead of the tests.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/markup"
)

// runMainEnv makes the test binary run main instead of the tests.
const runMainEnv = "CHAT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker")) // the search index's bleve
}

// killPatience bounds every wait of the kill test: a race-enabled server
// starting on a loaded machine is slow.
const killPatience = 90 * time.Second

// chatProcess is the chat server running as a child process.
type chatProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	port   string
	exited chan struct{}

	mu    sync.Mutex
	logs  []string // the newest lines of its standard error
	part  []byte   // a line not finished yet
	ready chan string
}

// Write takes the process's standard error: it keeps the newest lines and
// reports the port once the server says it serves.
func (p *chatProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.part = append(p.part, b...)
	for {
		i := bytes.IndexByte(p.part, '\n')
		if i < 0 {
			break
		}
		line := string(p.part[:i])
		p.part = p.part[i+1:]
		p.logs = append(p.logs, line)
		if len(p.logs) > 400 {
			p.logs = append([]string(nil), p.logs[len(p.logs)-200:]...)
		}
		if m := servingURL.FindStringSubmatch(line); m != nil {
			select {
			case p.ready <- m[1]:
			default:
			}
		}
	}
	return len(b), nil
}

var servingURL = regexp.MustCompile(`msg="chat is serving" url=http://[^:\s]+:(\d+)`)

// startChat starts the server on the data directory dir, listening on
// 127.0.0.1:port (port "0" picks a free one), with more flags if given,
// and returns once it serves. It is killed when the test ends, if it
// still runs.
func startChat(t *testing.T, dir, port string, flags ...string) *chatProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{
		"-addr", "127.0.0.1:" + port, "-data", dir, "-log-level", "info",
		"-presence-grace", "200ms",
		"-message-rate", "10000", "-message-burst", "10000",
		"-frame-rate", "10000", "-frame-burst", "10000"}, flags...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p := &chatProcess{t: t, cmd: cmd, exited: make(chan struct{}), ready: make(chan string, 1)}
	cmd.Stderr = p
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("the server's last log lines:\n%s", p.log())
		}
	})
	select {
	case p.port = <-p.ready:
	case <-p.exited:
		t.Fatalf("the server exited before serving: %v\n%s", cmd.ProcessState, p.log())
	case <-time.After(killPatience):
		t.Fatalf("the server did not serve within %v\n%s", killPatience, p.log())
	}
	p.base = "http://127.0.0.1:" + p.port
	return p
}

// kill ends the process with SIGKILL, at once, and waits for it.
func (p *chatProcess) kill() {
	p.t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Logf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(killPatience):
		p.t.Errorf("the server did not die after SIGKILL")
	}
}

func (p *chatProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

// tab opens a browser tab on the server: name is picked if the server asks
// for one; jar nil is a new browser.
func (p *chatProcess) tab(t *testing.T, name string, jar http.CookieJar) *chattest.ModelClient {
	mc := chattest.NewModelClient(t, p.base, chattest.ModelOptions{Name: name, Jar: jar})
	mc.Patience = killPatience
	return mc
}

// signIn posts a name and password to /api/signin as the page would.
func signIn(t *testing.T, base, name, password string) (int, []*http.Cookie, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	req, err := http.NewRequest(http.MethodPost, base+"/api/signin", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", base)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: killPatience}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, resp.Cookies(), string(reply)
}

func hasSessionCookie(cookies []*http.Cookie) bool {
	for _, c := range cookies {
		if c.Name == "chat_session" && c.Value != "" {
			return true
		}
	}
	return false
}

func TestKilledDuringTrafficLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server as a child process twice")
	}
	const lobby = "r:lobby"
	const password = "correct horse battery staple"
	dir := t.TempDir()
	first := startChat(t, dir, "0")

	// carol picks her name and goes away; ann protects hers with a
	// password and writes carol while she is away.
	carol := first.tab(t, "carol", nil)
	carol.Until("carol's name", func() bool { return carol.Ready(lobby) && carol.Model.Me == "carol" })
	carol.Disconnect()
	carol.Until("carol offline", func() bool { return carol.State == client.Offline })

	ann, bob := first.tab(t, "ann", nil), first.tab(t, "bob", nil)
	protected := false
	ann.OnFrame = func(f chat.Frame) {
		if a, ok := f.(*chat.Account); ok && a.Password {
			protected = true
		}
	}
	ann.Until("ann's name", func() bool { return ann.Ready(lobby) && ann.Model.Me == "ann" })
	bob.Until("bob's name", func() bool { return bob.Ready(lobby) && bob.Model.Me == "bob" })
	ann.Send(&chat.SetPassword{New: password})
	ann.Until("the password set", func() bool { return protected })
	const note = "a note for carol, written before the crash"
	ann.Say("", "carol", note)
	ann.Until("the note acknowledged", func() bool { return ann.Settled() })

	// Traffic: both write to the lobby without waiting; once a good part
	// is acknowledged, the process is killed with more in flight.
	texts := make(map[chat.MsgID]string)
	say := func(mc *chattest.ModelClient, i int) {
		text := fmt.Sprintf("%s says %04d before or during the crash", mc.Name, i)
		texts[mc.Say(lobby, "", text)] = text
	}
	// At most 30 messages of a device wait for their ack: the server keeps
	// only the last 64 acks of a device, and a retry of an older one is
	// refused (server.TestFaultRetryAfterManyMessagesGetsItsAck).
	i := 0
	for ; i < 2000 && len(ann.Acks)+len(bob.Acks) < 60; i++ {
		for _, mc := range []*chattest.ModelClient{ann, bob} {
			mc.UntilWithin(killPatience, func() bool { return len(mc.Model.Outbox) < 30 })
			say(mc, i)
			mc.Poll()
		}
	}
	for range 20 { // in flight at the kill
		say(ann, i)
		say(bob, i)
		i++
	}
	first.kill()
	ann.Drain(100 * time.Millisecond) // acks that arrived before the kill
	bob.Poll()
	acked := append(append([]chat.Ack(nil), ann.Acks...), bob.Acks...)
	var acks []chat.Ack
	for _, a := range acked {
		if _, ours := texts[a.ID]; ours {
			acks = append(acks, a)
		}
	}
	if len(acks) == 0 {
		t.Fatal("no lobby message was acknowledged before the kill")
	}
	t.Logf("killed with %d of %d messages acknowledged", len(acks), len(texts))

	// The same data directory, the same port: the tabs come back on their
	// own and resend what was not acknowledged.
	second := startChat(t, dir, first.port)
	ann.Until("ann back, every message acknowledged", func() bool { return ann.Settled() && ann.Welcome() != nil && len(ann.Welcomes) >= 3 })
	bob.Until("bob back, every message acknowledged", func() bool { return bob.Settled() && len(bob.Welcomes) >= 3 })
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		for _, e := range mc.Errors {
			t.Errorf("%s got an error: %s: %s", mc.Name, e.Code, e.Message)
		}
	}

	// Every acknowledged message is in the history exactly once, at the
	// sequence its ack gave; so is every message resent after the restart.
	vera := second.tab(t, "vera", nil)
	vera.Until("vera's lobby", func() bool { return vera.Ready(lobby) })
	vera.LoadOlder(lobby)
	vera.Until("the whole lobby", func() bool { return vera.Complete(lobby) })
	if err := vera.CheckWindow(lobby); err != nil {
		t.Error(err)
	}
	entries := vera.Entries(lobby)
	bySeq := make(map[uint64]chat.Entry, len(entries))
	count := make(map[string]int)
	for _, e := range entries {
		bySeq[e.Seq] = e
		count[html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(e.HTML, markup.BodyStart), "</div>"))]++
	}
	for _, a := range acks {
		text := texts[a.ID]
		if e, ok := bySeq[a.Seq]; !ok || !strings.Contains(e.HTML, text) {
			t.Errorf("acked message %q (seq %d) is not in the history at that seq", text, a.Seq)
		}
	}
	for _, text := range texts {
		if count[text] != 1 {
			t.Errorf("%q is in the history %d times, want once", text, count[text])
		}
	}

	// carol, back in the same browser, is carol without picking a name, and
	// gets the note written while she was away.
	back := second.tab(t, "", carol.Jar)
	back.Until("carol's Welcome", func() bool { return back.Welcome() != nil })
	if w := back.Welcome(); w.Me != "carol" {
		t.Fatalf("carol's browser is %q after the restart", w.Me)
	}
	for _, w := range back.Welcomes {
		if w.NeedName {
			t.Error("carol's browser was asked for a name after the restart")
		}
	}
	var dm string
	for _, info := range back.Welcome().Convs {
		if info.Kind == chat.KindPrivate && info.Name == "ann" {
			dm = info.ID
		}
	}
	if dm == "" {
		t.Fatalf("carol's Welcome lists no conversation with ann: %+v", back.Welcome().Convs)
	}
	back.Until("the note", func() bool { return back.Ready(dm) && back.Count(dm, note) > 0 })
	back.Drain(100 * time.Millisecond)
	if n := back.Count(dm, note); n != 1 {
		t.Errorf("carol has the note %d times", n)
	}

	// Another browser cannot take carol's name.
	intruder := second.tab(t, "carol", nil)
	intruder.Until("an answer to the nick", func() bool { return len(intruder.Errors) > 0 || intruder.Model.Me != "" })
	if intruder.Model.Me != "" || intruder.Errors[0].Code != chat.CodeNameTaken {
		t.Errorf("another browser claiming carol: me %q, errors %v", intruder.Model.Me, intruder.Errors)
	}

	// ann's password still signs her in; a wrong one does not.
	if status, cookies, body := signIn(t, second.base, "ann", password); status != http.StatusOK || !hasSessionCookie(cookies) {
		t.Errorf("sign-in with the password: %d %s, session cookie %v", status, body, hasSessionCookie(cookies))
	}
	if status, cookies, body := signIn(t, second.base, "ann", "not the password at all"); status != http.StatusUnauthorized || hasSessionCookie(cookies) {
		t.Errorf("sign-in with a wrong password: %d %s, session cookie %v", status, body, hasSessionCookie(cookies))
	}
}
