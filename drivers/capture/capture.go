// Package capture records what a serial reader sends, byte by byte, and
// what its framer makes of it: the documents and tags it decodes, the
// frames it refuses and why, the bytes outside any frame. It serves the
// technician's tools: `xpt-kiosk devices capture` on the command line, and
// the technician console's raw capture in the running agent (fed from the
// driver's tap, serialdev.Device.Tap, so that the agent keeps its port).
//
// A capture holds personal data (a passport's MRZ is on the wire): it is
// kept in memory only, bounded in bytes, and never written anywhere by this
// package.
package capture

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// Note is one thing a framer made of the bytes: a document, a card tag,
// or a refused frame.
type Note struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`              // document | card | refused
	Profile string    `json:"profile,omitempty"` // the profile whose framer made it
	Bytes   int       `json:"bytes"`             // the frame's bytes on the wire
	// A document: its lines and the mrz verdict (format, valid, why not).
	Lines   []string `json:"lines,omitempty"`
	Format  string   `json:"format,omitempty"`
	Valid   bool     `json:"valid,omitempty"`
	Problem string   `json:"problem,omitempty"`
	// A card: its tag and signal strength (UHF readers).
	Tag  string `json:"tag,omitempty"`
	RSSI int    `json:"rssi,omitempty"`
	// A refusal: the kind (partial, oversize, bad_check, malformed) and why.
	Reject string `json:"reject,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Decoder runs one profile's framer over captured bytes.
type Decoder interface {
	Feed(p []byte, now time.Time) []Note
	// Expire ends a frame cut short by silence, once Deadline has passed.
	Expire(now time.Time) []Note
	Deadline() time.Time
	Stats() drivers.Stats
}

// ErrUnknownProfile is NewDecoder's answer to a profile no framer knows.
var ErrUnknownProfile = errors.New("unknown profile")

// KindOf says whether profile is an MRZ reader's ("mrz") or a card
// reader's ("card"), "" when it is neither.
func KindOf(profile string) string {
	switch {
	case slices.Contains(mrzreader.Profiles, profile):
		return "mrz"
	case slices.Contains(cardreader.Profiles, profile):
		return "card"
	}
	return ""
}

// NewMRZDecoder decodes an MRZ reader's bytes with the reader's framing.
func NewMRZDecoder(o mrzreader.FramerOptions) (Decoder, error) {
	f, err := mrzreader.NewFramer(o)
	if err != nil {
		return nil, err
	}
	return &decoder[mrzreader.Frame]{f: f, note: func(f mrzreader.Frame) Note {
		n := Note{At: f.At, Profile: o.Profile, Bytes: len(f.Raw)}
		if f.Reject != nil {
			n.Kind, n.Reject, n.Reason = "refused", string(f.Reject.Kind), f.Reject.Reason
			return n
		}
		r := mrz.Parse(f.Lines, mrz.Options{})
		n.Kind, n.Lines, n.Valid = "document", f.Lines, r.Valid
		if r.Format != mrz.FormatUnknown {
			n.Format = r.Format.String()
		}
		if e := r.Err(); !r.Valid && e != nil {
			n.Problem = e.Error()
		}
		return n
	}}, nil
}

// NewCardDecoder decodes a card reader's bytes with the reader's framing.
func NewCardDecoder(o cardreader.FramerOptions) (Decoder, error) {
	f, err := cardreader.NewFramer(o)
	if err != nil {
		return nil, err
	}
	return &decoder[cardreader.Frame]{f: f, note: func(f cardreader.Frame) Note {
		n := Note{At: f.At, Profile: o.Profile, Bytes: len(f.Raw)}
		if f.Reject != nil {
			n.Kind, n.Reject, n.Reason = "refused", string(f.Reject.Kind), f.Reject.Reason
		} else {
			n.Kind, n.Tag, n.RSSI = "card", f.Tag, f.RSSI
		}
		return n
	}}, nil
}

// framer is what the MRZ and card readers' framers have in common.
type framer[F any] interface {
	Feed(p []byte, now time.Time) []F
	Expire(now time.Time) []F
	Deadline() time.Time
	Stats() drivers.Stats
}

// decoder is a framer whose frames are said as notes.
type decoder[F any] struct {
	f    framer[F]
	note func(F) Note
}

func (d *decoder[F]) Deadline() time.Time                 { return d.f.Deadline() }
func (d *decoder[F]) Stats() drivers.Stats                { return d.f.Stats() }
func (d *decoder[F]) Feed(p []byte, now time.Time) []Note { return d.notes(d.f.Feed(p, now)) }
func (d *decoder[F]) Expire(now time.Time) []Note         { return d.notes(d.f.Expire(now)) }

func (d *decoder[F]) notes(frames []F) []Note {
	var out []Note
	for _, f := range frames {
		out = append(out, d.note(f))
	}
	return out
}

// Block is what arrived in one read: its offset in the capture, when (in
// milliseconds from the start), and the bytes.
type Block struct {
	Offset int    `json:"offset"`
	AtMs   int64  `json:"atMs"`
	Data   []byte `json:"-"`
}

// Result is a capture so far.
type Result struct {
	Start     time.Time     `json:"start"`
	Elapsed   time.Duration `json:"elapsed"`
	Bytes     int           `json:"bytes"`     // bytes kept
	Dropped   int           `json:"dropped"`   // bytes that arrived past MaxBytes
	Truncated bool          `json:"truncated"` // MaxBytes was reached
	High      int           `json:"high"`      // bytes above 0x7F (a wrong baud rate shows many)
	Blocks    []Block       `json:"blocks"`
	Notes     []Note        `json:"notes"`
	Stats     drivers.Stats `json:"stats"`
}

// Recorder keeps the bytes of a capture, at most MaxBytes of them, with
// the notes of its decoder (nil: bytes only). It is safe for concurrent
// use: a driver's read goroutine feeds it while another reads Result.
type Recorder struct {
	mu    sync.Mutex
	dec   Decoder
	max   int
	start time.Time
	last  time.Time
	res   Result
}

// DefaultMaxBytes bounds a Recorder whose maxBytes is zero.
const DefaultMaxBytes = 64 << 10

// NewRecorder starts a capture at start.
func NewRecorder(dec Decoder, maxBytes int, start time.Time) *Recorder {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Recorder{dec: dec, max: maxBytes, start: start, last: start, res: Result{Start: start}}
}

// Feed records a chunk read at now. It does not keep p. Bytes past
// MaxBytes are counted, not kept, and not decoded.
func (r *Recorder) Feed(p []byte, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = now
	room := r.max - r.res.Bytes
	if room <= 0 {
		r.res.Dropped += len(p)
		r.res.Truncated = true
		return
	}
	if len(p) > room {
		r.res.Dropped += len(p) - room
		r.res.Truncated = true
		p = p[:room]
	}
	if len(p) == 0 {
		return
	}
	r.res.Blocks = append(r.res.Blocks, Block{Offset: r.res.Bytes, AtMs: now.Sub(r.start).Milliseconds(), Data: slices.Clone(p)})
	r.res.Bytes += len(p)
	for _, c := range p {
		if c >= 0x80 {
			r.res.High++
		}
	}
	if r.dec != nil {
		r.res.Notes = append(r.res.Notes, r.dec.Feed(p, now)...)
	}
}

// Tick lets the decoder end a frame cut short by silence.
func (r *Recorder) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = now
	if r.dec == nil {
		return
	}
	if dl := r.dec.Deadline(); !dl.IsZero() && !now.Before(dl) {
		r.res.Notes = append(r.res.Notes, r.dec.Expire(now)...)
	}
}

// Full says MaxBytes was reached.
func (r *Recorder) Full() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res.Bytes >= r.max
}

// Result is a copy of the capture so far.
func (r *Recorder) Result() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.res
	out.Elapsed = r.last.Sub(r.start)
	out.Blocks = slices.Clone(r.res.Blocks)
	out.Notes = slices.Clone(r.res.Notes)
	if r.dec != nil {
		out.Stats = r.dec.Stats()
	}
	return out
}

// controlNames are the ASCII names of the control characters 0x00-0x1F.
var controlNames = [32]string{"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
	"DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"}

// Glyph is how a byte reads on a technician's screen: a printable ASCII
// character as itself, a control character by its name (STX, CR, DEL),
// and a byte above 0x7F as "" (no character: its hex says it).
func Glyph(c byte) string {
	switch {
	case c < 0x20:
		return controlNames[c]
	case c == 0x7f:
		return "DEL"
	case c < 0x7f:
		return string(rune(c))
	}
	return ""
}
