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

func TestScenariosAreSelectedByParts(t *testing.T) {
	for _, c := range []struct {
		name, only string
		want       bool
	}{
		{"light", "", true},
		{"light", "light", true},
		{"1000-rooms", "light, rooms", true},
		{"cost-100", "light,1000-rooms", false},
		{"cost-100", ",", false},
	} {
		if got := selected(c.name, c.only); got != c.want {
			t.Errorf("selected(%q, %q) = %v", c.name, c.only, got)
		}
	}
}
