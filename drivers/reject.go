package drivers

import "fmt"

// RejectKind names why a framer refused some bytes; each kind has a counter
// in Stats.
type RejectKind string

const (
	RejectPartial   RejectKind = "partial"   // cut short by a new frame start, silence, or a lost port
	RejectOversize  RejectKind = "oversize"  // longer than the profile allows
	RejectBadCheck  RejectKind = "bad_check" // BCC or checksum mismatch
	RejectMalformed RejectKind = "malformed" // delimiters right, content wrong
	RejectIgnored   RejectKind = "ignored"   // a valid frame with nothing to deliver
)

// Reject is a framer's refusal of a frame, with a reason fit for a
// technician's capture screen.
type Reject struct {
	Kind   RejectKind
	Reason string
}

func (r *Reject) Error() string { return string(r.Kind) + ": " + r.Reason }

// Rejectf builds a *Reject.
func Rejectf(kind RejectKind, format string, args ...any) *Reject {
	return &Reject{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Count adds one to the counter for k.
func (s *Stats) Count(k RejectKind) {
	switch k {
	case RejectPartial:
		s.Partial++
	case RejectOversize:
		s.Oversize++
	case RejectBadCheck:
		s.BadCheck++
	case RejectMalformed:
		s.Malformed++
	case RejectIgnored:
		s.Ignored++
	}
}
