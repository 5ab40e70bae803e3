package drivers

import "time"

// Event is what a device delivers: Document, Card, Misread, Printed, Fault
// or Recovered.
type Event interface {
	// DeviceName is the configured name of the device that produced it.
	DeviceName() string
	isEvent()
}

// Document is one machine readable zone as a reader delivered it: two or
// three lines, top to bottom, with reader padding and line ends removed. The
// lines are not validated here; the agent parses them with package mrz.
type Document struct {
	Device  string
	Profile string
	Lines   []string
	Raw     []byte    // the frame's bytes on the wire, delimiters included
	At      time.Time // when the frame's last byte was read (lines ended by silence: when the silence was noticed)
}

// Card is one presentation of a trusted-traveler card: a card that stays in
// the field and is reported again and again is delivered once.
type Card struct {
	Device  string
	Profile string
	Tag     string // the tag as hex (upper case) or decimal digits, as the reader reports it
	RSSI    int    // signal strength in dBm for UHF readers, 0 when the reader gives none
	Raw     []byte // the first frame of the presentation
	At      time.Time
}

// Misread says a reader saw a presentation it could not read: a frame
// whose checksum failed, or one cut short (RejectBadCheck, RejectPartial).
// The agent asks the traveler to try again. Bytes that are no frame at all
// (noise, a wrong baud rate) are not misreads, and a reader delivers at
// most one Misread per MisreadInterval.
type Misread struct {
	Device string
	Kind   RejectKind
	At     time.Time
}

// MisreadInterval bounds how often a reader delivers Misread.
const MisreadInterval = 2 * time.Second

// Misreads limits Misread events to one per MisreadInterval; its zero
// value is ready.
type Misreads struct{ last time.Time }

// Take says whether a refusal of kind k at now is delivered as a Misread.
func (m *Misreads) Take(k RejectKind, now time.Time) bool {
	if k != RejectBadCheck && k != RejectPartial {
		return false
	}
	if !m.last.IsZero() && now.Sub(m.last) < MisreadInterval && !now.Before(m.last) {
		return false
	}
	m.last = now
	return true
}

// Fault says a device stopped working; Err.Code() says why. The device keeps
// retrying on its own and delivers Recovered when it works again.
type Fault struct {
	Device string
	Err    *Error
	At     time.Time
}

// Recovered says a faulty device works again.
type Recovered struct {
	Device string
	After  Code // the code of the fault it recovered from
	At     time.Time
}

func (e Document) DeviceName() string  { return e.Device }
func (e Card) DeviceName() string      { return e.Device }
func (e Fault) DeviceName() string     { return e.Device }
func (e Misread) DeviceName() string   { return e.Device }
func (e Recovered) DeviceName() string { return e.Device }
func (Document) isEvent()              {}
func (Card) isEvent()                  {}
func (Fault) isEvent()                 {}
func (Misread) isEvent()               {}
func (Recovered) isEvent()             {}

// Device is what every kiosk device offers the agent.
type Device interface {
	// Name is the configured name, as in events ("mrzReader", "cardReader").
	Name() string
	// Events delivers the device's events until Close; then it is closed.
	Events() <-chan Event
	// Health reports the current state: nil when the device works, else the
	// fault it is in.
	Health() *Error
	// Close stops the device and waits for its goroutines.
	Close() error
}

// MRZReader delivers Document events (and Fault/Recovered).
type MRZReader interface {
	Device
	Stats() Stats
}

// CardReader delivers Card events (and Fault/Recovered).
type CardReader interface {
	Device
	Stats() Stats
}

// Stats counts what a device read since it was built. Every byte or frame
// that was not delivered is counted in one of the rejection counters.
type Stats struct {
	Bytes      uint64 `json:"bytes"`      // bytes read
	Frames     uint64 `json:"frames"`     // well-formed frames
	Delivered  uint64 `json:"delivered"`  // events delivered (documents, or card presentations)
	Repeats    uint64 `json:"repeats"`    // card frames debounced as the same presentation
	Skipped    uint64 `json:"skipped"`    // bytes outside any frame (garbage, noise, inter-frame bytes)
	Partial    uint64 `json:"partial"`    // frames abandoned: a new start byte or silence cut them short
	Oversize   uint64 `json:"oversize"`   // frames longer than the profile allows
	BadCheck   uint64 `json:"badCheck"`   // frames whose BCC or checksum did not match
	Malformed  uint64 `json:"malformed"`  // frames with the right delimiters but the wrong content
	Ignored    uint64 `json:"ignored"`    // well-formed frames that carry nothing to deliver (e.g. UHF replies)
	Faults     uint64 `json:"faults"`     // faults reported
	Reconnects uint64 `json:"reconnects"` // successful re-opens after a fault
}

// Add adds o's counters to s.
func (s *Stats) Add(o Stats) {
	s.Bytes += o.Bytes
	s.Frames += o.Frames
	s.Delivered += o.Delivered
	s.Repeats += o.Repeats
	s.Skipped += o.Skipped
	s.Partial += o.Partial
	s.Oversize += o.Oversize
	s.BadCheck += o.BadCheck
	s.Malformed += o.Malformed
	s.Ignored += o.Ignored
	s.Faults += o.Faults
	s.Reconnects += o.Reconnects
}

// Rejected is the number of frames that were cut short or refused.
func (s Stats) Rejected() uint64 { return s.Partial + s.Oversize + s.BadCheck + s.Malformed }
