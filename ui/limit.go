package ui

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// The limits on token guesses, per console and per source address.
const (
	// limitFree failures in a row cost nothing (typing mistakes); each one
	// after that doubles the wait before the next attempt is even looked at.
	limitFree = 3
	limitBase = time.Second
	limitMax  = 15 * time.Minute
	// limitForget is how long a source with no attempt keeps its count.
	limitForget = time.Hour
	// limitSources bounds the memory; when every slot holds a recent
	// failure, new sources are held back (fail closed) until some expire.
	limitSources = 4096
)

// limiter holds back token guesses per source address with an exponential
// back-off. An attempt takes its slot (acquire) before the token is
// compared and gives it back with the result (release), so concurrent
// guesses cannot slip through together: once limitFree attempts are
// failed or under way, a source has at most one attempt at a time, and
// none before its back-off has passed.
type limiter struct {
	mu   sync.Mutex
	now  func() time.Time
	base time.Duration
	m    map[string]*attempts
}

type attempts struct {
	failures int       // in a row, since the last success
	pending  int       // attempts holding a slot
	next     time.Time // no attempt before
	seen     time.Time // last attempt
	noted    bool      // a held-back attempt was logged since the last one looked at
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, base: limitBase, m: map[string]*attempts{}}
}

// wait is the back-off after n failures in a row.
func (l *limiter) wait(n int) time.Duration {
	if n < limitFree {
		return 0
	}
	shift := n - limitFree
	if shift > 20 {
		return limitMax
	}
	return min(l.base<<shift, limitMax)
}

// acquire takes an attempt slot for src. When it cannot, it says how long
// to wait and whether this is the first attempt held back since the last
// one that was looked at (the one worth a log line).
func (l *limiter) acquire(src string) (ok bool, retry time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.m[src]
	if e == nil {
		if len(l.m) >= limitSources {
			l.prune(now)
		}
		if len(l.m) >= limitSources {
			return false, l.base, false
		}
		e = &attempts{}
		l.m[src] = e
	}
	e.seen = now
	switch {
	case now.Before(e.next):
		retry = e.next.Sub(now)
	case e.failures+e.pending < limitFree, e.pending == 0:
		e.pending++
		return true, 0, false
	default: // another attempt of this source is being looked at
		retry = max(l.wait(e.failures+e.pending), l.base)
	}
	first = !e.noted
	e.noted = true
	return false, retry, first
}

// release gives back the slot acquire took, with the attempt's result,
// and returns the failures in a row and the wait before the next attempt.
func (l *limiter) release(src string, success bool) (failures int, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[src]
	if e == nil { // cannot happen: acquire made it and prune keeps it
		return 0, 0
	}
	e.pending--
	e.noted = false
	if success {
		e.failures, e.next = 0, time.Time{}
		if e.pending == 0 {
			delete(l.m, src)
		}
		return 0, 0
	}
	e.failures++
	wait = l.wait(e.failures)
	if next := l.now().Add(wait); next.After(e.next) {
		e.next = next
	}
	return e.failures, wait
}

// prune forgets the sources whose last attempt is old and whose back-off
// has passed.
func (l *limiter) prune(now time.Time) {
	for src, e := range l.m {
		if e.pending == 0 && now.After(e.next) && now.Sub(e.seen) > limitForget {
			delete(l.m, src)
		}
	}
}

// source is the address a request comes from, as the limiter counts it:
// the peer's IP (a proxy's headers are not trusted), an IPv6 address by
// its /64, which one machine usually holds whole.
func source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// cancel gives back a slot acquire took for an attempt that was not looked
// at (another limiter held it back): it counts neither way.
func (l *limiter) cancel(src string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.m[src]; e != nil {
		e.pending--
	}
}
