//go:build !linux

package mrz

import "time"

func threadCPU() time.Duration { return 0 }
