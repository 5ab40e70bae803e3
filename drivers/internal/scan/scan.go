// Package scan is the resynchronising frame scanner shared by the serial
// framers: it hunts for the start byte, asks a profile's parse function whether
// a frame starts there, drops one byte and hunts again when it does not, and
// keeps its buffer bounded.
package scan

import (
	"bytes"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Parse looks at buf, which starts with a start byte. It returns:
//   - n > 0: a frame of n bytes, good (rej nil) or refused (rej set);
//   - n == 0, rej nil: not enough bytes yet;
//   - n == 0, rej set: no frame starts here; the scanner drops the start
//     byte and hunts for the next.
type Parse[T any] func(buf []byte) (n int, v T, rej *drivers.Reject)

// Result is one frame, good or refused.
type Result[T any] struct {
	Raw    []byte
	Value  T
	Reject *drivers.Reject
	At     time.Time
}

// Scanner frames a byte stream. It is not safe for concurrent use.
type Scanner[T any] struct {
	Start   byte          // the byte that starts a frame
	Max     int           // longest frame accepted
	Timeout time.Duration // longest silence inside a frame
	Parse   Parse[T]
	Stats   drivers.Stats

	buf      []byte
	deadline time.Time
}

// Feed consumes p, read at now, and returns the frames it completed.
func (s *Scanner[T]) Feed(p []byte, now time.Time) []Result[T] {
	s.Stats.Bytes += uint64(len(p))
	s.buf = append(s.buf, p...)
	return s.scan(now, nil)
}

// Deadline is when a pending partial frame times out; zero when none.
func (s *Scanner[T]) Deadline() time.Time { return s.deadline }

// Expire abandons the pending partial frame (counted as partial) and
// rescans what followed its start byte.
func (s *Scanner[T]) Expire(now time.Time) []Result[T] {
	if len(s.buf) == 0 {
		s.deadline = time.Time{}
		return nil
	}
	r := s.reject(drivers.Rejectf(drivers.RejectPartial, "no more bytes for %v after %d bytes of a frame", s.Timeout, len(s.buf)), len(s.buf), now)
	s.drop(1)
	return s.scan(now, []Result[T]{r})
}

// Reset drops any buffered bytes, counting a pending frame as partial.
func (s *Scanner[T]) Reset() {
	if len(s.buf) > 0 {
		s.Stats.Partial++
	}
	s.buf = s.buf[:0]
	s.deadline = time.Time{}
}

// Pending is the number of buffered bytes.
func (s *Scanner[T]) Pending() int { return len(s.buf) }

func (s *Scanner[T]) reject(rej *drivers.Reject, n int, now time.Time) Result[T] {
	s.Stats.Count(rej.Kind)
	return Result[T]{Raw: bytes.Clone(s.buf[:n]), Reject: rej, At: now}
}

func (s *Scanner[T]) drop(n int) {
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
}

func (s *Scanner[T]) scan(now time.Time, out []Result[T]) []Result[T] {
	for {
		i := bytes.IndexByte(s.buf, s.Start)
		if i < 0 {
			s.Stats.Skipped += uint64(len(s.buf))
			s.buf = s.buf[:0]
			s.deadline = time.Time{}
			return out
		}
		if i > 0 {
			s.Stats.Skipped += uint64(i)
			s.drop(i)
		}
		// Parse never sees more than Max+1 bytes, so a frame is judged the
		// same however its bytes were cut into reads.
		n, v, rej := s.Parse(s.buf[:min(len(s.buf), s.Max+1)])
		switch {
		case n > 0:
			n = min(n, len(s.buf))
			if n > s.Max {
				rej = drivers.Rejectf(drivers.RejectOversize, "a frame of %d bytes, more than %d", n, s.Max)
			}
			if rej != nil {
				out = append(out, s.reject(rej, n, now))
			} else {
				s.Stats.Frames++
				out = append(out, Result[T]{Raw: bytes.Clone(s.buf[:n]), Value: v, At: now})
			}
			s.drop(n)
		case rej != nil:
			out = append(out, s.reject(rej, 1, now))
			s.drop(1)
		case len(s.buf) > s.Max:
			out = append(out, s.reject(drivers.Rejectf(drivers.RejectOversize, "no frame end within %d bytes", s.Max), len(s.buf), now))
			s.drop(1)
		default:
			s.deadline = now.Add(s.Timeout)
			return out
		}
	}
}
