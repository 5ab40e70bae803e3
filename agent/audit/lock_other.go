//go:build !unix

package audit

import "os"

// lockFile is a no-op where flock is not available: there, only one
// process may append to a file.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
