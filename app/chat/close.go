package chat

import (
	"errors"
	"strconv"
)

// Close is why a connection ended: a websocket close code and its reason.
// It is an error, so a connection's end can be returned and compared with
// errors.Is, which matches on the code alone: a Close with another reason
// text is still the same kind of close. Each code has a reconnect policy
// (Policy), the same on the server and in the client; docs/protocol.md has
// the table.
type Close struct {
	Code   int
	Reason string
}

// The closes the server and the client know, beyond those of RFC 6455.
var (
	CloseNormal       = Close{1000, "closed"}                                          // the client asked to close
	CloseGoingAway    = Close{1001, "the server is shutting down"}                     // the server stops
	CloseAbnormal     = Close{1006, "the connection dropped"}                          // no close frame came
	ClosePolicy       = Close{1008, "too many bad frames"}                             // the client is broken
	CloseTooBig       = Close{1009, "a frame above the read limit"}                    // a frame above the hard read limit
	CloseInternal     = Close{1011, "the server failed"}                               // the server failed
	CloseRestart      = Close{1012, "the server restarts"}                             // the node is drained or restarts
	CloseTryAgain     = Close{1013, "the server is overloaded"}                        // try again later
	CloseSignedOut    = Close{4001, "signed out"}                                      // the session ended (signed out, or in as someone else); reconnect to learn who you are
	CloseUnsupported  = Close{4002, "another version of the wire"}                     // the client speaks another version of the wire
	CloseSlowConsumer = Close{4008, "slow consumer: you were not reading fast enough"} // the client did not read fast enough
	CloseHeartbeat    = Close{4009, "no answer to ping"}                               // the client stopped answering pings
	CloseTooMany      = Close{4029, "too many connections"}                            // too many connections from this user or address
)

// knownCloses lists every predeclared Close, for CloseOf.
var knownCloses = []Close{
	CloseNormal, CloseGoingAway, CloseAbnormal, ClosePolicy, CloseTooBig, CloseInternal,
	CloseRestart, CloseTryAgain, CloseSignedOut, CloseUnsupported, CloseSlowConsumer,
	CloseHeartbeat, CloseTooMany,
}

// CloseOf returns the Close of a code received on the wire, with the reason
// that came with it, or the code's own reason when none did. A code nobody
// predeclared keeps its number and is treated like a dropped connection.
func CloseOf(code int, reason string) Close {
	c := Close{Code: code, Reason: reason}
	for _, k := range knownCloses {
		if k.Code == code {
			if c.Reason == "" {
				c.Reason = k.Reason
			}
			return c
		}
	}
	return c
}

// WithReason returns c with another reason text, for a close whose cause is
// more specific than the code's: the code, and so the policy, stay.
func (c Close) WithReason(reason string) Close { c.Reason = reason; return c }

// Error returns "closed 4008: slow consumer: …".
func (c Close) Error() string { return "closed " + strconv.Itoa(c.Code) + ": " + c.Reason }

// Is reports whether target is a Close of the same code.
func (c Close) Is(target error) bool {
	var t Close
	return errors.As(target, &t) && t.Code == c.Code
}

// Policy is what a client does after its connection closes.
type Policy int

// Reconnect policies.
const (
	// RetryBackoff reconnects after an exponential backoff with jitter.
	RetryBackoff Policy = iota
	// RetryNow reconnects at once (after a small jitter) and resumes.
	RetryNow
	// Stop does not reconnect on its own; the user decides.
	Stop
)

// Policy returns what a client does after c. Codes it does not know are
// treated like a dropped connection.
func (c Close) Policy() Policy {
	switch c.Code {
	case CloseSlowConsumer.Code, CloseHeartbeat.Code, CloseSignedOut.Code, CloseRestart.Code:
		// A restart is a node drained: it closes its connections a few
		// at a time, and the others take them at once.
		return RetryNow
	case CloseNormal.Code, ClosePolicy.Code, CloseUnsupported.Code:
		return Stop
	default:
		return RetryBackoff
	}
}
