package ui

import "time"

// SetClock makes the handler New builds from o read the time from now.
func SetClock(o *Options, now func() time.Time) { o.now = now }
