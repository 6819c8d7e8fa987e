package chat_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestReconnectPolicy(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		code int
		want chat.Policy
	}{
		{"normal", chat.CloseNormal, chat.Stop},
		{"goingAway", chat.CloseGoingAway, chat.RetryBackoff},
		{"abnormal", chat.CloseAbnormal, chat.RetryBackoff},
		{"policy", chat.ClosePolicy, chat.Stop},
		{"tooBig", chat.CloseTooBig, chat.RetryBackoff},
		{"internal", chat.CloseInternal, chat.RetryBackoff},
		{"restart", chat.CloseRestart, chat.RetryBackoff},
		{"tryAgain", chat.CloseTryAgain, chat.RetryBackoff},
		{"signedOut", chat.CloseSignedOut, chat.RetryNow},
		{"unsupported", chat.CloseUnsupported, chat.Stop},
		{"slowConsumer", chat.CloseSlowConsumer, chat.RetryNow},
		{"heartbeat", chat.CloseHeartbeat, chat.RetryNow},
		{"tooMany", chat.CloseTooMany, chat.RetryBackoff},
		{"noStatus", 0, chat.RetryBackoff},
		{"unknownStatus", -1, chat.RetryBackoff},
		{"protocolError", 1002, chat.RetryBackoff},
		{"unknownApplicationCode", 4999, chat.RetryBackoff},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := chat.ReconnectPolicy(tc.code); got != tc.want {
				t.Errorf("ReconnectPolicy(%d) = %v, want %v", tc.code, got, tc.want)
			}
		})
	}
}

// TestCloseCodesAreDistinct guards against two reasons sharing a code, which
// would make the client's policy ambiguous.
func TestCloseCodesAreDistinct(t *testing.T) {
	t.Parallel()
	codes := []int{
		chat.CloseNormal, chat.CloseGoingAway, chat.CloseAbnormal, chat.ClosePolicy, chat.CloseTooBig,
		chat.CloseInternal, chat.CloseRestart, chat.CloseTryAgain, chat.CloseSignedOut,
		chat.CloseUnsupported, chat.CloseSlowConsumer, chat.CloseHeartbeat, chat.CloseTooMany,
	}
	seen := map[int]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("close code %d is used twice", c)
		}
		seen[c] = true
		if c < 1000 || c > 4999 {
			t.Errorf("close code %d is outside 1000-4999", c)
		}
	}
}
