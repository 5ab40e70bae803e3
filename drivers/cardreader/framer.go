package cardreader

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/registry"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/scan"
)

// Profiles this package knows.
const (
	ProfileEM4100  = "em4100"
	ProfileUHFM100 = "uhf-m100"
	ProfileASCII   = "ascii"
)

// framers is the registry of profiles: each name and how to frame it.
// Adding a profile is adding it here; everything that lists, accepts or
// documents profiles (the configuration, the simulator, the commands,
// docs/config.md) reads Profiles, and tests hold them to it.
var framers = registry.Of[FramerOptions, Framer]{
	{Name: ProfileEM4100, Strictness: 40, New: func(o FramerOptions) Framer {
		return &scanFramer{s: scan.Scanner[tag]{Start: STX, Max: 14, Timeout: o.InterByteTimeout, Parse: parseEM4100(o)}}
	}},
	{Name: ProfileUHFM100, Strictness: 30, New: func(o FramerOptions) Framer {
		return &scanFramer{s: scan.Scanner[tag]{Start: UHFHeader, Max: maxUHF, Timeout: o.InterByteTimeout, Parse: parseUHF(o)}}
	}},
	{Name: ProfileASCII, Strictness: 10, New: func(o FramerOptions) Framer { return newASCIIFramer(o) }},
}

// Profiles lists the profile names, from the registry of framers.
var Profiles = framers.Names()

// ProfileStrictness ranks a profile's framing for auto-detection's
// tie-break (capture.Best): higher is stricter. False for an unknown profile.
func ProfileStrictness(profile string) (int, bool) { return framers.Strictness(profile) }

// Formats are the ascii profile's tag formats.
var Formats = []string{"hex", "decimal", "any"}

// Delimiters on the wire.
const (
	STX       = 0x02
	ETX       = 0x03
	UHFHeader = 0xBB
	UHFEnd    = 0x7E
	// UHFNotice is the frame type of unsolicited notices; UHFInventory is
	// the command code of an inventory result.
	UHFNotice    = 0x02
	UHFInventory = 0x22
)

// FramerOptions are the framing settings of a card reader; zero values take
// the defaults documented on each field.
type FramerOptions struct {
	// Profile is one of Profiles.
	Profile string `toml:"profile" json:"profile"`
	// InterByteTimeout is the longest silence inside a frame before it is
	// dropped; 200 ms by default.
	InterByteTimeout time.Duration `toml:"frameTimeout" json:"frameTimeout,omitempty"`
	// IgnoreChecksum accepts frames whose checksum does not match.
	// (Configuration key: bcc = false.)
	IgnoreChecksum bool `toml:"-" json:"-"`
	// Delimiter ends a tag of the ascii profile; empty means CR, LF or CRLF.
	Delimiter string `toml:"delimiter" json:"delimiter,omitempty"`
	// Format of ascii tags: "hex", "decimal" or "any" (default: hex digits,
	// which include decimal ones).
	Format string `toml:"format" json:"format,omitempty"`
	// Length, when set, is the number of characters of an ascii tag (9
	// for a PASSID): shorter or longer tags are refused, and noise glued in
	// front of a tag is cut off at that length.
	Length int `toml:"length" json:"length,omitempty"`
}

// Defaults fills zero fields.
func (o *FramerOptions) Defaults() {
	if o.InterByteTimeout == 0 {
		o.InterByteTimeout = 200 * time.Millisecond
	}
	if o.Format == "" {
		o.Format = DefaultFormat
	}
}

// DefaultFormat is Format when it is left out (the configuration's format
// default too).
const DefaultFormat = "any"

// Frame is one tag read, or bytes refused (Reject set).
type Frame struct {
	Tag    string
	RSSI   int
	Raw    []byte
	At     time.Time
	Reject *drivers.Reject
}

// Framer turns a card reader's byte stream into frames.
type Framer interface {
	Feed(p []byte, now time.Time) []Frame
	Deadline() time.Time
	Expire(now time.Time) []Frame
	Reset()
	Stats() drivers.Stats
}

type tag struct {
	id   string
	rssi int
}

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
		fe.Add(prefix, "profile", "unknown card reader profile %q (want one of %s)", o.Profile, strings.Join(Profiles, ", "))
	}
	if !slices.Contains(Formats, o.Format) {
		fe.Add(prefix, "format", "unknown ascii tag format %q (want hex, decimal or any)", o.Format)
	}
	if o.Length < 0 {
		fe.Add(prefix, "length", "%d must be positive", o.Length)
	}
	if o.InterByteTimeout < 0 {
		fe.Add(prefix, "frameTimeout", "%s must be positive", o.InterByteTimeout)
	}
	return fe
}

type scanFramer struct{ s scan.Scanner[tag] }

func (f *scanFramer) Feed(p []byte, now time.Time) []Frame { return frames(f.s.Feed(p, now)) }
func (f *scanFramer) Deadline() time.Time                  { return f.s.Deadline() }
func (f *scanFramer) Expire(now time.Time) []Frame         { return frames(f.s.Expire(now)) }
func (f *scanFramer) Reset()                               { f.s.Reset() }
func (f *scanFramer) Stats() drivers.Stats                 { return f.s.Stats }

func frames(rs []scan.Result[tag]) []Frame {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Frame, len(rs))
	for i, r := range rs {
		out[i] = Frame{Tag: r.Value.id, RSSI: r.Value.rssi, Raw: r.Raw, At: r.At, Reject: r.Reject}
	}
	return out
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' }

// parseEM4100: STX, 10 hex digits (the tag), 2 hex digits (XOR of the tag's
// 5 bytes), ETX.
func parseEM4100(o FramerOptions) scan.Parse[tag] {
	return func(buf []byte) (int, tag, *drivers.Reject) {
		for i := 1; i < len(buf) && i < 14; i++ {
			c := buf[i]
			if i == 13 {
				if c != ETX {
					return 0, tag{}, drivers.Rejectf(drivers.RejectMalformed, "byte 13 is 0x%02X, want ETX", c)
				}
				break
			}
			if !isHex(c) {
				kind := drivers.RejectMalformed
				if c == STX {
					kind = drivers.RejectPartial
				}
				return 0, tag{}, drivers.Rejectf(kind, "byte %d is 0x%02X, want a hex digit", i, c)
			}
		}
		if len(buf) < 14 {
			return 0, tag{}, nil
		}
		var b [6]byte
		if _, err := hex.Decode(b[:], buf[1:13]); err != nil {
			return 14, tag{}, drivers.Rejectf(drivers.RejectMalformed, "%v", err)
		}
		x := b[0] ^ b[1] ^ b[2] ^ b[3] ^ b[4]
		if x != b[5] && !o.IgnoreChecksum {
			return 14, tag{}, drivers.Rejectf(drivers.RejectBadCheck, "checksum %02X, computed %02X", b[5], x)
		}
		return 14, tag{id: strings.ToUpper(string(buf[1:11]))}, nil
	}
}

// maxUHF bounds a uhf-m100 frame: header, type, command, 2 length bytes, up
// to 255 parameter bytes, checksum, end.
const maxUHF = 7 + 255

// parseUHF: 0xBB type cmd PL(2, big-endian) params[PL] checksum 0x7E, the
// checksum the low byte of the sum of type..last param. Inventory notices
// (type 0x02, cmd 0x22) carry RSSI(1) PC(2) EPC(..) CRC(2).
func parseUHF(o FramerOptions) scan.Parse[tag] {
	return func(buf []byte) (int, tag, *drivers.Reject) {
		if len(buf) < 5 {
			return 0, tag{}, nil
		}
		pl := int(buf[3])<<8 | int(buf[4])
		if pl > maxUHF-7 {
			return 0, tag{}, drivers.Rejectf(drivers.RejectMalformed, "parameter length %d is more than %d", pl, maxUHF-7)
		}
		n := pl + 7
		if len(buf) < n {
			return 0, tag{}, nil
		}
		if buf[n-1] != UHFEnd {
			return 0, tag{}, drivers.Rejectf(drivers.RejectMalformed, "byte %d is 0x%02X, want the end byte 0x7E", n-1, buf[n-1])
		}
		var sum byte
		for _, c := range buf[1 : 5+pl] {
			sum += c
		}
		if sum != buf[5+pl] && !o.IgnoreChecksum {
			return n, tag{}, drivers.Rejectf(drivers.RejectBadCheck, "checksum %02X, computed %02X", buf[5+pl], sum)
		}
		if buf[1] != UHFNotice || buf[2] != UHFInventory {
			return n, tag{}, drivers.Rejectf(drivers.RejectIgnored, "frame type 0x%02X command 0x%02X is not an inventory notice", buf[1], buf[2])
		}
		p := buf[5 : 5+pl]
		if len(p) < 1+2+2+2 {
			return n, tag{}, drivers.Rejectf(drivers.RejectMalformed, "inventory notice with %d parameter bytes, too short for RSSI PC EPC CRC", len(p))
		}
		epc := p[3 : len(p)-2]
		if words := int(p[1] >> 3); words > 0 && words*2 <= len(epc) {
			epc = epc[:words*2]
		}
		return n, tag{id: strings.ToUpper(hex.EncodeToString(epc)), rssi: int(int8(p[0]))}, nil
	}
}

// asciiFramer: one tag per line, hex or decimal digits.
type asciiFramer struct {
	o        FramerOptions
	stats    drivers.Stats
	cur      []byte
	over     bool
	lastCR   bool
	deadline time.Time
	out      []Frame
}

const maxASCIITag = 64

func newASCIIFramer(o FramerOptions) *asciiFramer { return &asciiFramer{o: o} }

func (f *asciiFramer) Stats() drivers.Stats { return f.stats }
func (f *asciiFramer) Deadline() time.Time  { return f.deadline }
func (f *asciiFramer) Reset() {
	if len(f.cur) > 0 {
		f.stats.Partial++
	}
	f.cur, f.over, f.lastCR, f.deadline = f.cur[:0], false, false, time.Time{}
}

func (f *asciiFramer) Expire(now time.Time) []Frame {
	f.out = nil
	if len(f.cur) > 0 || f.over {
		f.reject(drivers.Rejectf(drivers.RejectPartial, "no delimiter within %v", f.o.InterByteTimeout), now)
	}
	f.cur, f.over, f.deadline = f.cur[:0], false, time.Time{}
	return f.out
}

func (f *asciiFramer) reject(r *drivers.Reject, now time.Time) {
	f.stats.Count(r.Kind)
	f.out = append(f.out, Frame{Raw: bytes.Clone(f.cur), At: now, Reject: r})
}

func (f *asciiFramer) Feed(p []byte, now time.Time) []Frame {
	f.out = nil
	f.stats.Bytes += uint64(len(p))
	for _, c := range p {
		if f.o.Delimiter == "" {
			if c == '\n' && f.lastCR {
				f.lastCR = false
				continue
			}
			f.lastCR = c == '\r'
			if c == '\r' || c == '\n' {
				f.endLine(now)
				continue
			}
		}
		if f.over {
			f.stats.Skipped++
			continue
		}
		f.cur = append(f.cur, c)
		if f.o.Delimiter != "" && bytes.HasSuffix(f.cur, []byte(f.o.Delimiter)) {
			f.cur = f.cur[:len(f.cur)-len(f.o.Delimiter)]
			f.endLine(now)
			continue
		}
		if len(f.cur) > maxASCIITag+len(f.o.Delimiter) {
			f.reject(drivers.Rejectf(drivers.RejectOversize, "no delimiter within %d bytes", maxASCIITag), now)
			f.cur, f.over = f.cur[:0], true
		}
	}
	if len(f.cur) > 0 || f.over {
		f.deadline = now.Add(f.o.InterByteTimeout)
	} else {
		f.deadline = time.Time{}
	}
	return f.out
}

func (f *asciiFramer) endLine(now time.Time) {
	defer func() { f.cur = f.cur[:0] }()
	if f.over {
		f.over = false
		return
	}
	t := strings.TrimSpace(string(f.cur))
	if t == "" {
		f.stats.Skipped += uint64(len(f.cur))
		return
	}
	valid := func(c byte) bool {
		if f.o.Format == "decimal" {
			return c >= '0' && c <= '9'
		}
		return isHex(c)
	}
	// k: the run of tag characters at the end of the line.
	k := 0
	for k < len(t) && valid(t[len(t)-1-k]) {
		k++
	}
	switch {
	case f.o.Length > 0 && k >= f.o.Length:
		f.stats.Skipped += uint64(len(t) - f.o.Length)
		t = t[len(t)-f.o.Length:]
	case f.o.Length > 0:
		f.reject(drivers.Rejectf(drivers.RejectMalformed, "%d %s characters, want %d", k, f.o.Format, f.o.Length), now)
		return
	case k < len(t):
		// noise glued in front: cut at the last byte that is not printable
		// text; a printable wrong character is a damaged tag.
		cut := strings.LastIndexFunc(t, func(r rune) bool { return r < 0x20 || r > 0x7e })
		if cut < 0 || cut+1 < len(t)-k || k == 0 {
			f.reject(drivers.Rejectf(drivers.RejectMalformed, "character 0x%02X in a tag (format %s)", t[len(t)-1-k], f.o.Format), now)
			return
		}
		f.stats.Skipped += uint64(len(t) - k)
		t = t[len(t)-k:]
	}
	f.stats.Frames++
	f.out = append(f.out, Frame{Tag: strings.ToUpper(t), Raw: bytes.Clone(f.cur), At: now})
}
