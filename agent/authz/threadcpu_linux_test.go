//go:build linux

package authz

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPU is the CPU time of the calling OS thread, in nanoseconds
// (CLOCK_THREAD_CPUTIME_ID). A benchmark that locks its goroutine to its
// thread times a look-up by it as well as by the clock: on a shared
// machine the clock also measures the time the thread waited to run.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
