package main

import (
	"runtime"
	"testing"
)

func TestCPUListsAreRead(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	got, err := parseCPUList("0")
	if err != nil || !got[0] || len(got) != 1 {
		t.Fatalf(`"0" read as %v, %v`, got, err)
	}
	got, err = parseCPUList("0-1")
	if err != nil || !got[0] || !got[1] || len(got) != 2 {
		t.Fatalf(`"0-1" read as %v, %v`, got, err)
	}
	for _, bad := range []string{"", "x", "1-0", "-1", "99999"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
