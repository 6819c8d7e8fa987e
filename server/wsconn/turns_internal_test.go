package wsconn

import (
	"runtime"
	"testing"
)

// TestBigFramesTakeTurns: small frames never wait; big ones are decoded at
// most one fewer at a time than the process has cores (at least one), and
// a turn given back lets the next one go.
func TestBigFramesTakeTurns(t *testing.T) {
	turns := newDecodeTurns()
	if want := max(1, runtime.GOMAXPROCS(0)-1); cap(turns) != want {
		t.Fatalf("%d turns, want %d", cap(turns), want)
	}
	var gives []func()
	for range cap(turns) {
		gives = append(gives, turns.take(bigFrame))
	}
	// Every turn is out: small frames still go at once.
	for range 100 {
		turns.take(bigFrame - 1)()
	}
	next := make(chan func())
	go func() { next <- turns.take(64 << 10) }()
	select {
	case give := <-next:
		give()
		t.Fatal("a big frame got a turn while all were out")
	default:
	}
	// The goroutine waits for a turn, not for a time: the select above
	// may have run before it asked, so only the order below is asserted.
	gives[0]()
	(<-next)()
	for _, give := range gives[1:] {
		give()
	}
	if len(turns) != 0 {
		t.Errorf("%d turns still out", len(turns))
	}
}
