package mrzreader

import (
	"bytes"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// maxLine bounds one line of the lines profile (an MRZ line has at most 44
// characters; readers may add blanks or padding).
const maxLine = 96

// linesFramer frames the lines profile: each line ends with CR, LF or CRLF; a
// document ends at a blank line, after LineSilence without a byte, or, unless
// AnyLineLength, as soon as its lines make a whole MRZ (3x30, 2x36, 2x44).
type linesFramer struct {
	o        FramerOptions
	stats    drivers.Stats
	cur      []byte   // the line being read
	over     bool     // cur overflowed; discard until the line ends
	lines    []string // the document being read
	raw      []byte   // bytes since the last document ended
	lastCR   bool
	deadline time.Time
	out      []Frame
}

func newLinesFramer(o FramerOptions) *linesFramer {
	return &linesFramer{o: o}
}

func (f *linesFramer) Stats() drivers.Stats { return f.stats }
func (f *linesFramer) Deadline() time.Time  { return f.deadline }

func (f *linesFramer) Reset() {
	if len(f.lines) > 0 || len(f.cur) > 0 {
		f.stats.Partial++
	}
	f.cur, f.lines, f.raw, f.over, f.lastCR = f.cur[:0], nil, f.raw[:0], false, false
	f.deadline = time.Time{}
}

func (f *linesFramer) Feed(p []byte, now time.Time) []Frame {
	f.out = nil
	f.stats.Bytes += uint64(len(p))
	for _, c := range p {
		if len(f.raw) >= f.o.MaxFrame {
			f.raw = f.raw[:copy(f.raw, f.raw[len(f.raw)-f.o.MaxFrame/2:])]
		}
		f.raw = append(f.raw, c)
		switch {
		case c == LF && f.lastCR:
			f.lastCR = false
			continue
		case c == CR || c == LF:
			f.lastCR = c == CR
			f.endLine(now)
			continue
		}
		f.lastCR = false
		if f.over {
			f.stats.Skipped++
			continue
		}
		if len(f.cur) >= maxLine {
			f.reject(drivers.Rejectf(drivers.RejectOversize, "a line longer than %d bytes", maxLine), f.cur, now)
			f.stats.Skipped += uint64(len(f.cur)) + 1
			f.cur, f.over = f.cur[:0], true
			continue
		}
		f.cur = append(f.cur, c)
	}
	f.arm(now)
	return f.out
}

func (f *linesFramer) Expire(now time.Time) []Frame {
	f.out = nil
	if len(f.cur) > 0 || f.over {
		f.endLine(now)
	}
	if len(f.lines) > 0 {
		f.complete(now, "silence")
	}
	f.raw = f.raw[:0]
	f.deadline = time.Time{}
	return f.out
}

func (f *linesFramer) arm(now time.Time) {
	if len(f.lines) > 0 || len(f.cur) > 0 || f.over {
		f.deadline = now.Add(f.o.LineSilence)
	} else {
		f.deadline = time.Time{}
	}
}

func (f *linesFramer) reject(r *drivers.Reject, raw []byte, now time.Time) {
	f.stats.Count(r.Kind)
	f.out = append(f.out, Frame{Raw: bytes.Clone(raw), At: now, Reject: r})
}

func (f *linesFramer) endLine(now time.Time) {
	raw := f.cur
	f.cur = f.cur[:0]
	if f.over {
		f.over = false
		return
	}
	if len(raw) == 0 {
		if len(f.lines) > 0 {
			f.complete(now, "blank line")
		} else {
			f.raw = f.raw[:0]
		}
		return
	}
	l, dropped, ok := f.salvage(raw)
	if !ok {
		f.reject(drivers.Rejectf(drivers.RejectMalformed, "a line of %d bytes that is no MRZ line (noise, or the wrong baud rate?)", len(raw)), raw, now)
		return
	}
	f.stats.Skipped += uint64(dropped)
	if l == "" {
		if len(f.lines) > 0 {
			f.complete(now, "blank line")
		}
		return
	}
	if !f.o.AnyLineLength && len(f.lines) > 0 && len(f.lines[0]) != len(l) {
		f.reject(drivers.Rejectf(drivers.RejectPartial, "a line of %d characters after lines of %d", len(l), len(f.lines[0])), []byte(f.lines[0]), now)
		f.lines = nil
	}
	if !f.o.AnyLineLength && !plausibleLine(l, f.lines) {
		// Resync on the next line start: noise of an MRZ line's length
		// (no silence gap before the document) must not take the place of
		// the document's first line, nor glue itself in after it.
		if len(f.lines) > 0 && plausibleLine(l, nil) {
			f.reject(drivers.Rejectf(drivers.RejectPartial, "a line that cannot follow the one before; resynchronised on the next first line"), []byte(f.lines[0]), now)
			f.lines = nil
		} else {
			f.reject(drivers.Rejectf(drivers.RejectMalformed, "a line of %d characters that cannot be line %d of an MRZ (noise?)", len(l), len(f.lines)+1), []byte(l), now)
			return
		}
	}
	f.lines = append(f.lines, l)
	if len(f.lines) > 3 {
		f.reject(drivers.Rejectf(drivers.RejectPartial, "more than 3 lines without a blank line; dropped the first"), []byte(f.lines[0]), now)
		f.lines = append(f.lines[:0], f.lines[1:]...)
	}
	if !f.o.AnyLineLength {
		n := len(f.lines[0])
		if (n == 30 && len(f.lines) == 3) || (n != 30 && len(f.lines) == 2) {
			f.deliver(now)
		}
	}
}

func (f *linesFramer) complete(now time.Time, why string) {
	if len(f.lines) >= 2 && f.o.AnyLineLength {
		f.deliver(now)
		return
	}
	f.reject(drivers.Rejectf(drivers.RejectPartial, "%d line(s) of %d characters, then %s", len(f.lines), len(f.lines[0]), why), []byte(f.lines[0]), now)
	f.lines = nil
}

func (f *linesFramer) deliver(now time.Time) {
	f.stats.Frames++
	f.out = append(f.out, Frame{Lines: f.lines, Raw: bytes.Clone(f.raw), At: now})
	f.lines = nil
	f.raw = f.raw[:0]
}

// plausibleLine says whether l can follow the lines before it (none: l
// would be a first line) in an MRZ of its length, from the fields every ICAO 9303 document has in fixed places:
// only MRZ characters; a first line starting with a document code letter
// (P, V, I, A, C) and an issuing state of letters or fillers; the second
// line of a TD2/TD3 (and of a TD1) with a birth date without fillers and a
// sex of M, F, X or filler (the French national identity card, "IDFRA" on
// line 1, has them at 28-33 and 35 instead). Check
// digits are left to the agent: a document with a bad one is still read
// (and referred MRZ_INVALID), but a line that is no MRZ line at all is
// noise.
func plausibleLine(l string, before []string) bool {
	i := len(before)
	for j := 0; j < len(l); j++ {
		if !isMRZChar(l[j]) {
			return false
		}
	}
	n := len(l)
	if n != 30 && n != 36 && n != 44 {
		return false
	}
	letterOrFill := func(c byte) bool { return c >= 'A' && c <= 'Z' || c == '<' }
	sex := func(c byte) bool { return c == 'M' || c == 'F' || c == 'X' || c == '<' }
	// A birth date is digits, or letters an OCR reader confuses with them
	// (the agent's check-digit correction may still recover them); never
	// fillers.
	date := func(d string) bool {
		for j := 0; j < len(d); j++ {
			if d[j] == '<' {
				return false
			}
		}
		return true
	}
	switch i {
	case 0:
		return strings.IndexByte("PVIAC", l[0]) >= 0 && letterOrFill(l[1]) &&
			letterOrFill(l[2]) && letterOrFill(l[3]) && letterOrFill(l[4])
	case 1:
		if n == 30 {
			return date(l[0:6]) && sex(l[7]) // TD1: birth date, check digit, sex
		}
		td := date(l[13:19]) && sex(l[20]) // TD2, TD3: number(9), check, nationality(3), birth date(6), check, sex
		if n == 36 && strings.HasPrefix(before[0], "IDFRA") {
			return td || date(l[27:33]) && sex(l[34]) // French ID: number(12), check, given names(14), birth date(6), check, sex
		}
		return td
	}
	return true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func isMRZChar(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<' }

// salvage returns the line in raw, cleaned. A line that is printable (and,
// unless AnyLineLength, 30, 36 or 44 characters long) is taken as it is.
// Otherwise noise glued in front of a line (bytes that arrived since the
// last line end) is cut off: the line is the longest run of MRZ characters
// at its end, trimmed to the expected length (that of the lines before it,
// else the longest of 44, 36, 30 that fits). dropped counts the bytes cut.
func (f *linesFramer) salvage(raw []byte) (line string, dropped int, ok bool) {
	l := cleanLine(string(raw))
	n := len(l)
	if printable(l) && (f.o.AnyLineLength || n == 0 || n == 30 || n == 36 || n == 44) {
		return l, 0, true
	}
	k := 0
	for k < n && isMRZChar(l[n-1-k]) {
		k++
	}
	if f.o.AnyLineLength {
		if k == 0 {
			return "", 0, false
		}
		return l[n-k:], len(raw) - k, true
	}
	want := []int{44, 36, 30}
	if len(f.lines) > 0 {
		want = []int{len(f.lines[0])}
	}
	for _, w := range want {
		if k >= w {
			return l[n-w:], len(raw) - w, true
		}
	}
	return "", 0, false
}
