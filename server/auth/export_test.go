package auth

import "time"

// PasswordChecks returns how many password hashes CheckPassword computed.
func PasswordChecks() int64 { return passwordChecks.Load() }

// SetClock makes a's clock now, for tests of time limits.
func SetClock(a *Accounts, now func() time.Time) { a.now = now }
