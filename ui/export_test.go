package ui

import "time"

// SetClock makes the handler New builds from o read the time from now.
func SetClock(o *Options, now func() time.Time) { o.now = now }

// SetCaptureWatch sets how often a kept capture checks its session and
// the lock (tests make it quick).
func SetCaptureWatch(o *Options, d time.Duration) { o.captureWatch = d }

// SetSelfTestLimit sets how long a self-test run may take (tests make it
// short).
func SetSelfTestLimit(o *Options, d time.Duration) { o.selfTestMax = d }
