// Package dirlock claims a directory for one process, so that a second
// process started on the same files fails at once with a clear error
// instead of waiting for ever on a lock deep inside a library (bleve's
// bolt file) or writing beside the first (JetStream's store).
//
// The claim is an advisory lock (flock) on a file named .lock inside the
// directory, held until Release or the process's end: a process killed
// with SIGKILL leaves no stale claim behind.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrInUse is the error of Acquire when another process holds the
// directory.
var ErrInUse = errors.New("in use by another process")

// Name is the lock file's name inside a claimed directory.
const Name = ".lock"

// Lock is a held claim on a directory.
type Lock struct {
	f *os.File
}

// Acquire makes dir when it is missing and claims it without waiting. It
// fails with an error wrapping ErrInUse when another process holds it.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dirlock: making %s: %w", dir, err)
	}
	path := filepath.Join(dir, Name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dirlock: opening %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrInUse) {
			abs, _ := filepath.Abs(dir)
			return nil, fmt.Errorf("the directory %s is %w (another chat server started on the same files?)", abs, ErrInUse)
		}
		return nil, fmt.Errorf("dirlock: locking %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release gives the directory up. It is safe to call on a nil Lock and
// more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor drops the flock
	l.f = nil
	return err
}
