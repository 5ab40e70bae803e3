//go:build !linux

package accounts

import "os"

func chownLike(*os.File, string) error { return nil }
