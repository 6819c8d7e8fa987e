package dirlock_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/founding/chat/server/dirlock"
)

// TestSecondClaimFailsAtOnce: while one claim holds a directory, another
// claim on it fails with ErrInUse and a message naming the directory;
// after Release it can be claimed again.
func TestSecondClaimFailsAtOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dirlock.Acquire(dir)
	if !errors.Is(err, dirlock.ErrInUse) {
		t.Fatalf("second claim: err = %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "data") {
		t.Errorf("the error %q does not name the directory", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	again, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	again.Release()
}

// TestClaimOfAnotherProcess: a claim held by another process (this test
// binary run again as a helper) is refused here, and is gone once that
// process is killed.
func TestClaimOfAnotherProcess(t *testing.T) {
	if dir := os.Getenv("DIRLOCK_HOLD"); dir != "" {
		if _, err := dirlock.Acquire(dir); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		select {} // until killed
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestClaimOfAnotherProcess$")
	cmd.Env = append(os.Environ(), "DIRLOCK_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		cmd.Process.Kill()
		t.Fatalf("the helper did not claim the directory: %q %v", buf, err)
	}
	if _, err := dirlock.Acquire(dir); !errors.Is(err, dirlock.ErrInUse) {
		cmd.Process.Kill()
		t.Fatalf("claim held by another process: err = %v, want ErrInUse", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := dirlock.Acquire(dir)
	if err != nil {
		t.Fatalf("claim after the holder was killed: %v", err)
	}
	l.Release()
}
