package main

import (
	"io"
	"slices"
	"testing"
)

func TestAdminFlag(t *testing.T) {
	c, err := parse([]string{"-admin", "Ann,bob"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.opts.Admins, []string{"Ann", "bob"}) {
		t.Errorf("admins = %q, want Ann and bob", c.opts.Admins)
	}
	t.Setenv("CHAT_ADMIN", "root")
	if c, _ := parse(nil, io.Discard); !slices.Equal(c.opts.Admins, []string{"root"}) {
		t.Errorf("admins from CHAT_ADMIN = %q", c.opts.Admins)
	}
	t.Setenv("CHAT_ADMIN", "")
	if c, _ := parse(nil, io.Discard); len(c.opts.Admins) != 0 {
		t.Errorf("no admins given: %q", c.opts.Admins)
	}
}
