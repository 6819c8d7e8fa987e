//go:build !unix

package dirlock

import "os"

// lock does nothing where flock is missing: the claim is not enforced
// there, and bleve's own lock (with a timeout) remains the guard.
func lock(*os.File) error { return nil }
