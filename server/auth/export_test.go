package auth

// PasswordChecks returns how many password hashes CheckPassword computed.
func PasswordChecks() int64 { return passwordChecks.Load() }
