//go:build linux

package mrz

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time of the calling OS thread. Benchmarks lock
// their goroutine to a thread and report it beside the wall time, which on
// a shared machine measures the queue as much as the code.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
