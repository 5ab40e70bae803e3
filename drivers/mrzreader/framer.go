package mrzreader

import (
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/registry"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/scan"
)

// Profiles this package knows.
const (
	ProfileDesko = "desko"
	Profile3M    = "3m"
	ProfileLines = "lines"
)

// framers is the registry of profiles: each name and how to frame it.
// Adding a profile is adding it here; everything that lists, accepts or
// documents profiles (the configuration, the simulator, the commands,
// docs/config.md) reads Profiles, and tests hold them to it.
var framers = registry.Of[FramerOptions, Framer]{
	{Name: ProfileDesko, Strictness: 50, New: func(o FramerOptions) Framer {
		return &scanFramer{s: scan.Scanner[[]string]{Start: STX, Max: o.MaxFrame, Timeout: o.InterByteTimeout, Parse: parseDesko}}
	}},
	{Name: Profile3M, Strictness: 60, New: func(o FramerOptions) Framer {
		return &scanFramer{s: scan.Scanner[[]string]{Start: SOH, Max: o.MaxFrame, Timeout: o.InterByteTimeout, Parse: parse3M(o)}}
	}},
	{Name: ProfileLines, Strictness: 20, New: func(o FramerOptions) Framer { return newLinesFramer(o) }},
}

// Profiles lists the profile names, from the registry of framers.
var Profiles = framers.Names()

// ProfileStrictness ranks a profile's framing for auto-detection's
// tie-break (capture.Best): higher is stricter. False for an unknown profile.
func ProfileStrictness(profile string) (int, bool) { return framers.Strictness(profile) }

// Delimiters on the wire.
const (
	SOH = 0x01
	STX = 0x02
	ETX = 0x03
	LF  = 0x0A
	CR  = 0x0D
)

// DefaultMaxFrame is MaxFrame when it is left out (the configuration's
// maxFrame default too).
const DefaultMaxFrame = 512

// FramerOptions are the framing settings of a reader; zero values take the
// defaults documented on each field.
type FramerOptions struct {
	// Profile is one of Profiles.
	Profile string `toml:"profile" json:"profile"`
	// InterByteTimeout is the longest silence inside a frame before the
	// partial frame is dropped (desko, 3m); 500 ms by default.
	InterByteTimeout time.Duration `toml:"frameTimeout" json:"frameTimeout,omitempty"`
	// LineSilence ends a document of the lines profile when nothing arrives
	// for this long after a line; 150 ms by default.
	LineSilence time.Duration `toml:"silence" json:"silence,omitempty"`
	// IgnoreBCC accepts 3m frames whose BCC does not match.
	// (Configuration key: bcc = false.)
	IgnoreBCC bool `toml:"-" json:"-"`
	// IgnoreLength accepts 3m frames whose LEN byte is wrong, framing on ETX.
	// (Configuration key: lengthCheck = false.)
	IgnoreLength bool `toml:"-" json:"-"`
	// AnyLineLength makes the lines profile keep lines of any length instead
	// of only 30, 36 and 44 characters, and end documents only on a blank
	// line or silence.
	AnyLineLength bool `toml:"anyLineLength" json:"anyLineLength,omitempty"`
	// MaxFrame bounds a frame in bytes; 512 by default.
	MaxFrame int `toml:"maxFrame" json:"maxFrame,omitempty"`
}

// Defaults fills zero fields.
func (o *FramerOptions) Defaults() {
	if o.InterByteTimeout == 0 {
		o.InterByteTimeout = 500 * time.Millisecond
	}
	if o.LineSilence == 0 {
		o.LineSilence = 150 * time.Millisecond
	}
	if o.MaxFrame == 0 {
		o.MaxFrame = DefaultMaxFrame
	}
}

// Frame is a document read, or bytes refused (Reject set).
type Frame struct {
	Lines  []string
	Raw    []byte
	At     time.Time
	Reject *drivers.Reject
}

// Framer turns the byte stream of one profile into frames.
type Framer interface {
	// Feed consumes bytes read at now and returns the frames they completed.
	Feed(p []byte, now time.Time) []Frame
	// Deadline is when Expire is due if nothing more arrives; zero for never.
	Deadline() time.Time
	// Expire handles a silence: it drops partial frames or, for the lines
	// profile, ends the document.
	Expire(now time.Time) []Frame
	// Reset drops partial state (the port was lost).
	Reset()
	// Stats counts bytes, frames and refusals so far.
	Stats() drivers.Stats
}

// MaxMaxFrame is the largest MaxFrame accepted.
const MaxMaxFrame = 65536

// NewFramer returns the framer for o.Profile.
func NewFramer(o FramerOptions) (Framer, error) {
	o.Defaults()
	return framers.Make(o.Profile, o, o.problems(""))
}

// problems lists what no framer can use in o (defaults applied), with
// keys prefixed by prefix.
func (o FramerOptions) problems(prefix string) drivers.FieldErrors {
	var fe drivers.FieldErrors
	if _, ok := framers.Lookup(o.Profile); !ok {
		fe.Add(prefix, "profile", "unknown MRZ reader profile %q (want one of %s)", o.Profile, strings.Join(Profiles, ", "))
	}
	if o.MaxFrame < 0 || o.MaxFrame > MaxMaxFrame {
		fe.Add(prefix, "maxFrame", "%d: want 1 to %d bytes", o.MaxFrame, MaxMaxFrame)
	}
	if o.InterByteTimeout < 0 {
		fe.Add(prefix, "frameTimeout", "%s must be positive", o.InterByteTimeout)
	}
	if o.LineSilence < 0 {
		fe.Add(prefix, "silence", "%s must be positive", o.LineSilence)
	}
	return fe
}

type scanFramer struct{ s scan.Scanner[[]string] }

func (f *scanFramer) Feed(p []byte, now time.Time) []Frame { return frames(f.s.Feed(p, now)) }
func (f *scanFramer) Deadline() time.Time                  { return f.s.Deadline() }
func (f *scanFramer) Expire(now time.Time) []Frame         { return frames(f.s.Expire(now)) }
func (f *scanFramer) Reset()                               { f.s.Reset() }
func (f *scanFramer) Stats() drivers.Stats                 { return f.s.Stats }

func frames(rs []scan.Result[[]string]) []Frame {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Frame, len(rs))
	for i, r := range rs {
		out[i] = Frame{Lines: r.Value, Raw: r.Raw, At: r.At, Reject: r.Reject}
	}
	return out
}

// parseDesko: STX line CR line CR [line CR] ETX. Bytes before STX (the SOD
// device byte) and after ETX (EOD) are skipped by the scanner.
func parseDesko(buf []byte) (int, []string, *drivers.Reject) {
	for i := 1; i < len(buf); i++ {
		switch c := buf[i]; {
		case c == ETX:
			lines, rej := splitLines(buf[1:i], true)
			if rej != nil {
				return i + 1, nil, rej
			}
			return i + 1, lines, nil
		case c == STX:
			return 0, nil, drivers.Rejectf(drivers.RejectPartial, "a new STX after %d bytes, before the ETX", i)
		}
		// Other control bytes and bytes above 0x7E are line noise: they
		// are dropped from the lines (splitLines), and the agent's check
		// digits judge what is left.
	}
	return 0, nil, nil
}

// parse3M: SOH LEN 'O' 'U' STX FLAG data ETX BCC, LEN counting 'O'..ETX,
// BCC the XOR of LEN..ETX.
func parse3M(o FramerOptions) scan.Parse[[]string] {
	return func(buf []byte) (int, []string, *drivers.Reject) {
		hdr := []byte{SOH, 0, 'O', 'U', STX}
		for i := 2; i < len(hdr) && i < len(buf); i++ {
			if buf[i] != hdr[i] {
				kind := drivers.RejectMalformed
				if buf[i] == SOH {
					kind = drivers.RejectPartial
				}
				return 0, nil, drivers.Rejectf(kind, "header byte %d is 0x%02X, want 0x%02X (SOH LEN 'O' 'U' STX)", i, buf[i], hdr[i])
			}
		}
		if len(buf) < 6 {
			return 0, nil, nil
		}
		length := int(buf[1])
		if !o.IgnoreLength && length < 5 {
			return 0, nil, drivers.Rejectf(drivers.RejectMalformed, "LEN %d is too short for 'O' 'U' STX FLAG ETX", length)
		}
		// The data: MRZ text and line ends up to ETX (or up to where LEN
		// says ETX is). A control byte means this is no frame.
		etx := -1
		end := len(buf)
		if !o.IgnoreLength {
			end = min(end, 2+length-1)
		}
		for i := 6; i < end; i++ {
			c := buf[i]
			if c == ETX && o.IgnoreLength {
				etx = i
				break
			}
			if c != CR && c != LF && (c < 0x20 || c > 0x7e) {
				return 0, nil, drivers.Rejectf(drivers.RejectMalformed, "byte 0x%02X inside a document", c)
			}
		}
		if !o.IgnoreLength {
			if len(buf) < 2+length+1 {
				return 0, nil, nil
			}
			etx = 2 + length - 1
			if buf[etx] != ETX {
				return 0, nil, drivers.Rejectf(drivers.RejectMalformed, "LEN %d points at 0x%02X, not ETX", length, buf[etx])
			}
		} else if etx < 0 || len(buf) < etx+2 {
			return 0, nil, nil
		}
		n := etx + 2
		var bcc byte
		for _, c := range buf[1 : etx+1] {
			bcc ^= c
		}
		if !o.IgnoreBCC && bcc != buf[etx+1] {
			return n, nil, drivers.Rejectf(drivers.RejectBadCheck, "BCC 0x%02X, computed 0x%02X", buf[etx+1], bcc)
		}
		lines, rej := splitLines(buf[6:etx], false)
		if rej != nil {
			return n, nil, rej
		}
		return n, lines, nil
	}
}

// splitLines splits a frame's data on CR, LF or CRLF, strips the `_` padding
// and surrounding blanks, drops empty lines (a bottom-aligned two-line
// document arrives as an empty line and two lines) and wants 2 or 3 lines.
// With dropNoise, bytes that are not printable ASCII are removed first.
func splitLines(data []byte, dropNoise bool) ([]string, *drivers.Reject) {
	if dropNoise {
		clean := make([]byte, 0, len(data))
		for _, c := range data {
			if c == CR || c == LF || (c >= 0x20 && c <= 0x7e) {
				clean = append(clean, c)
			}
		}
		data = clean
	}
	var lines []string
	for _, l := range strings.FieldsFunc(string(data), func(r rune) bool { return r == CR || r == LF }) {
		if l = cleanLine(l); l != "" {
			lines = append(lines, l)
		}
	}
	for _, l := range lines {
		for i := 0; i < len(l); i++ {
			if c := l[i]; c < 0x20 || c > 0x7e {
				return nil, drivers.Rejectf(drivers.RejectMalformed, "byte 0x%02X in a line", c)
			}
		}
	}
	if len(lines) < 2 || len(lines) > 3 {
		return nil, drivers.Rejectf(drivers.RejectMalformed, "%d lines, an MRZ has 2 or 3", len(lines))
	}
	return lines, nil
}

// cleanLine removes the reader's `_` padding and blanks around a line.
func cleanLine(l string) string {
	return strings.TrimRight(strings.TrimSpace(l), "_ ")
}
