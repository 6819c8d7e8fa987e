package chat

// Close codes the server uses, beyond those of RFC 6455, each with the
// reconnect policy a client follows (docs/protocol.md has the table).
const (
	CloseNormal       = 1000 // the client asked to close
	CloseGoingAway    = 1001 // the server is shutting down
	CloseAbnormal     = 1006 // the connection dropped without a close frame
	ClosePolicy       = 1008 // repeated bad frames; the client is broken
	CloseTooBig       = 1009 // a frame above the hard read limit
	CloseInternal     = 1011 // the server failed
	CloseRestart      = 1012 // the server restarts
	CloseTryAgain     = 1013 // the server is overloaded
	CloseSignedOut    = 4001 // the session ended (signed out, or in as someone else); reconnect to learn who you are
	CloseUnsupported  = 4002 // the client speaks another version of the wire
	CloseSlowConsumer = 4008 // the client did not read fast enough
	CloseHeartbeat    = 4009 // the client stopped answering pings
	CloseTooMany      = 4029 // too many connections from this user or address
)

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

// ReconnectPolicy returns what a client does after a close with code. Codes
// it does not know are treated like a dropped connection.
func ReconnectPolicy(code int) Policy {
	switch code {
	case CloseSlowConsumer, CloseHeartbeat, CloseSignedOut:
		return RetryNow
	case CloseNormal, ClosePolicy, CloseUnsupported:
		return Stop
	default:
		return RetryBackoff
	}
}
