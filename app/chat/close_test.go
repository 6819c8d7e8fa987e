package chat_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestClosePolicy(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name  string
		close chat.Close
		want  chat.Policy
	}{
		{"normal", chat.CloseNormal, chat.Stop},
		{"goingAway", chat.CloseGoingAway, chat.RetryBackoff},
		{"abnormal", chat.CloseAbnormal, chat.RetryBackoff},
		{"policy", chat.ClosePolicy, chat.Stop},
		{"tooBig", chat.CloseTooBig, chat.RetryBackoff},
		{"internal", chat.CloseInternal, chat.RetryBackoff},
		{"restart", chat.CloseRestart, chat.RetryNow},
		{"tryAgain", chat.CloseTryAgain, chat.RetryBackoff},
		{"signedOut", chat.CloseSignedOut, chat.RetryNow},
		{"unsupported", chat.CloseUnsupported, chat.Stop},
		{"slowConsumer", chat.CloseSlowConsumer, chat.RetryNow},
		{"heartbeat", chat.CloseHeartbeat, chat.RetryNow},
		{"tooMany", chat.CloseTooMany, chat.RetryBackoff},
		{"noStatus", chat.CloseOf(0, ""), chat.RetryBackoff},
		{"unknownStatus", chat.CloseOf(-1, ""), chat.RetryBackoff},
		{"protocolError", chat.CloseOf(1002, "protocol"), chat.RetryBackoff},
		{"unknownApplicationCode", chat.CloseOf(4999, "?"), chat.RetryBackoff},
		{"knownCodeFromTheWire", chat.CloseOf(4008, "other words"), chat.RetryNow},
		{"specificReason", chat.CloseInternal.WithReason("could not load the user"), chat.RetryBackoff},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.close.Policy(); got != tc.want {
				t.Errorf("%v.Policy() = %v, want %v", tc.close, got, tc.want)
			}
		})
	}
}

func TestCloseOfKeepsTheCodeAndFillsTheReason(t *testing.T) {
	t.Parallel()
	if c := chat.CloseOf(4008, ""); c != chat.CloseSlowConsumer {
		t.Errorf("CloseOf(4008, \"\") = %#v, want %#v", c, chat.CloseSlowConsumer)
	}
	if c := chat.CloseOf(4009, "from the wire"); c.Code != 4009 || c.Reason != "from the wire" {
		t.Errorf("CloseOf(4009, reason) = %#v", c)
	}
	if c := chat.CloseOf(4999, ""); c.Code != 4999 || c.Reason != "" {
		t.Errorf("CloseOf(4999) = %#v", c)
	}
}

func TestCloseIsAnErrorComparedByCode(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("session: %w", chat.CloseHeartbeat.WithReason("no pong in 15s"))
	if !errors.Is(err, chat.CloseHeartbeat) {
		t.Errorf("errors.Is(%v, CloseHeartbeat) = false", err)
	}
	if errors.Is(err, chat.CloseSlowConsumer) {
		t.Errorf("errors.Is(%v, CloseSlowConsumer) = true", err)
	}
	var c chat.Close
	if !errors.As(err, &c) || c.Code != 4009 || c.Reason != "no pong in 15s" {
		t.Errorf("errors.As gave %#v", c)
	}
	if got, want := chat.CloseSlowConsumer.Error(), "closed 4008: slow consumer: you were not reading fast enough"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestCloseCodesAreDistinct guards against two reasons sharing a code, which
// would make the client's policy ambiguous.
func TestCloseCodesAreDistinct(t *testing.T) {
	t.Parallel()
	closes := []chat.Close{
		chat.CloseNormal, chat.CloseGoingAway, chat.CloseAbnormal, chat.ClosePolicy, chat.CloseTooBig,
		chat.CloseInternal, chat.CloseRestart, chat.CloseTryAgain, chat.CloseSignedOut,
		chat.CloseUnsupported, chat.CloseSlowConsumer, chat.CloseHeartbeat, chat.CloseTooMany,
	}
	seen := map[int]bool{}
	for _, c := range closes {
		if seen[c.Code] {
			t.Errorf("close code %d is used twice", c.Code)
		}
		seen[c.Code] = true
		if c.Code < 1000 || c.Code > 4999 {
			t.Errorf("close code %d is outside 1000-4999", c.Code)
		}
		if c.Reason == "" || len(c.Reason) > 123 {
			t.Errorf("close %d has a reason of %d bytes; a close frame holds 1-123", c.Code, len(c.Reason))
		}
		if chat.CloseOf(c.Code, "") != c {
			t.Errorf("CloseOf(%d) does not give the predeclared value", c.Code)
		}
	}
}
