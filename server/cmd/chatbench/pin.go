package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Pinning keeps the load tool off the server's cores. On a small machine
// the tool and the server share the CPUs, and the tool's cost is not the
// same for every server: one that sends a frame per message (the gorilla
// example) makes the tool read more often than one that batches, so the
// tool takes more of that server's time. With -server-cpus the servers run
// on those CPUs (taskset) and the tool on the others, so each server has
// the same cores whatever the tool spends, and a run whose tool is short
// of CPU shows it in its tool CPU figure.

// pinnedEnv marks a tool that already runs on its own CPUs; its value is
// how many CPUs the machine has (the pinned tool sees only its own).
const pinnedEnv = "CHATBENCH_PINNED"

// machineCPUs is how many CPUs the machine has, pinned or not.
func machineCPUs() int {
	if n, err := strconv.Atoi(os.Getenv(pinnedEnv)); err == nil && n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// pinTool runs the tool again under taskset on every CPU not in
// serverCPUs, unless it already runs so. It returns only on failure, or
// when the tool already is pinned.
func pinTool(serverCPUs string) error {
	if os.Getenv(pinnedEnv) != "" {
		return nil
	}
	server, err := parseCPUList(serverCPUs)
	if err != nil {
		return err
	}
	var tool []string
	for cpu := range runtime.NumCPU() {
		if !server[cpu] {
			tool = append(tool, strconv.Itoa(cpu))
		}
	}
	if len(tool) == 0 {
		return fmt.Errorf("-server-cpus %s leaves no CPU for the tool (%d in all)", serverCPUs, runtime.NumCPU())
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return fmt.Errorf("-server-cpus needs taskset (Debian: util-linux): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := append([]string{"taskset", "-c", strings.Join(tool, ","), self}, os.Args[1:]...)
	return syscall.Exec(taskset, args, append(os.Environ(), pinnedEnv+"="+strconv.Itoa(runtime.NumCPU())))
}

// parseCPUList reads a CPU list such as "0" or "0,2-3".
func parseCPUList(list string) (map[int]bool, error) {
	cpus := make(map[int]bool)
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= runtime.NumCPU() {
			return nil, fmt.Errorf("bad CPU list %q (this machine has CPUs 0-%d)", list, runtime.NumCPU()-1)
		}
		for c := a; c <= b; c++ {
			cpus[c] = true
		}
	}
	return cpus, nil
}
