package chattest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS servers in processes of their own, so that a test can kill one as
// an operator's SIGKILL or a crash would: no goodbye, no leader stepping
// down, no pull request told it is over. The child is the test binary
// itself, started again with natsChildEnv set; the init below turns it
// into a NATS server before any test runs.

// natsChildEnv carries a child's natsChild, as JSON.
const natsChildEnv = "CHATTEST_NATS_CHILD"

// natsChild is what a child NATS server is told.
type natsChild struct {
	Name        string   `json:"name"`
	Port        int      `json:"port"`
	ClusterPort int      `json:"cluster_port"`
	HTTPPort    int      `json:"http_port"`
	Routes      []string `json:"routes"`
	StoreDir    string   `json:"store_dir"`
}

func init() {
	if spec := os.Getenv(natsChildEnv); spec != "" {
		os.Exit(runNATSChild(spec))
	}
}

// runNATSChild serves NATS as spec says until its standard input ends
// (the test closed it, or died), and returns the exit code.
func runNATSChild(spec string) int {
	var c natsChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		fmt.Fprintln(os.Stderr, "chattest: NATS child:", err)
		return 2
	}
	o := &natsserver.Options{
		ServerName: c.Name,
		Host:       "127.0.0.1",
		Port:       c.Port,
		JetStream:  true,
		StoreDir:   c.StoreDir,
		HTTPHost:   "127.0.0.1",
		HTTPPort:   c.HTTPPort,
		Cluster:    natsserver.ClusterOpts{Name: "chat-test", Host: "127.0.0.1", Port: c.ClusterPort},
		Routes:     natsserver.RoutesFromStr(strings.Join(c.Routes, ",")),
		NoSigs:     true,
		NoLog:      true,
	}
	ns, err := natsserver.NewServer(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chattest: NATS child:", err)
		return 2
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		fmt.Fprintln(os.Stderr, "chattest: NATS child did not start")
		return 2
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	ns.Shutdown()
	ns.WaitForShutdown()
	return 0
}

// NATSProc is a NATS server running in a child process.
type NATSProc struct {
	Name string // its server name, as stream infos give their leader
	URL  string // its client URL
	// Monitor is its monitoring endpoint, http://host:port (/jsz, /varz).
	Monitor string
	cmd     *exec.Cmd
}

// Kill ends the process with SIGKILL and waits for it to be gone.
func (p *NATSProc) Kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// MetaLeader returns the name of the JetStream meta leader as p sees it,
// "" when it does not know.
func (p *NATSProc) MetaLeader() string {
	resp, err := http.Get(p.Monitor + "/jsz")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var jsz struct {
		Meta *struct {
			Leader string `json:"leader"`
		} `json:"meta_cluster"`
	}
	if json.NewDecoder(resp.Body).Decode(&jsz) != nil || jsz.Meta == nil {
		return ""
	}
	return jsz.Meta.Leader
}

// startNATSChildren starts n NATS servers in one cluster, each in a
// child process, on ports free a moment before, and returns them once
// each said it listens; an error when one did not (killing those started).
func startNATSChildren(t testing.TB, dir string, n int) ([]*NATSProc, error) {
	var routes []string
	var specs []natsChild
	for i := range n {
		c := natsChild{Name: fmt.Sprintf("nats-%d", i), Port: freePort(t), ClusterPort: freePort(t), HTTPPort: freePort(t),
			StoreDir: filepath.Join(dir, fmt.Sprintf("nats-%d", i))}
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", c.ClusterPort))
		specs = append(specs, c)
	}
	var procs []*NATSProc
	for _, c := range specs {
		c.Routes = routes
		spec, _ := json.Marshal(c)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), natsChildEnv+"="+string(spec))
		cmd.Stderr = os.Stderr
		// The child ends when its input does: when this process dies.
		if _, err := cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &NATSProc{Name: c.Name, URL: fmt.Sprintf("nats://127.0.0.1:%d", c.Port), Monitor: fmt.Sprintf("http://127.0.0.1:%d", c.HTTPPort), cmd: cmd}
		t.Cleanup(p.Kill)
		procs = append(procs, p)
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || strings.TrimSpace(line) != "ready" {
			for _, p := range procs {
				p.Kill()
			}
			return nil, fmt.Errorf("NATS child %s did not start: %q %v", c.Name, line, err)
		}
	}
	return procs, nil
}

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// NATSProcCluster starts n NATS servers with JetStream in one cluster, each
// in a child process, their files under dir, and waits until JetStream
// answers with every server current. The processes end when the test does;
// a test may kill one earlier (NATSProc.Kill).
func NATSProcCluster(t testing.TB, dir string, n int) []*NATSProc {
	t.Helper()
	var procs []*NATSProc
	// A port found free may be taken before the child listens on it (by
	// any connection of a test running beside this one): the cluster is
	// started again on other ports.
	for attempt := 1; ; attempt++ {
		var err error
		if procs, err = startNATSChildren(t, filepath.Join(dir, fmt.Sprintf("try-%d", attempt)), n); err == nil {
			break
		} else if attempt == 3 {
			t.Fatal(err)
		}
	}
	// Formed: JetStream places a stream of n replicas.
	nc, err := nats.Connect(procs[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if !Within(time.Minute, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "CHATTEST_FORMED", Subjects: []string{"chattest.formed"},
			Replicas: n, Storage: jetstream.MemoryStorage})
		return err == nil && js.DeleteStream(ctx, "CHATTEST_FORMED") == nil
	}) {
		t.Fatal("the NATS cluster did not form within a minute")
	}
	return procs
}
