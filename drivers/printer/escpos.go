package printer

import (
	"strings"
	"unicode/utf8"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// ESC/POS control bytes.
const (
	LF  = 0x0A
	DLE = 0x10
	EOT = 0x04
	ESC = 0x1B
	FS  = 0x1C
	GS  = 0x1D
)

// Real-time status requests: DLE EOT n.
const (
	StatusPrinter = 1 // printer status: bit 3 off line
	StatusOffline = 2 // off-line cause: bit 2 cover open, bit 5 paper end stop, bit 6 error
	StatusError   = 3 // error cause: bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable
	StatusPaper   = 4 // roll paper sensor: bits 2-3 near end, bits 5-6 paper end
)

// Profiles: what the printer can print besides text.
const (
	ProfileQR      = "escpos"         // QR codes with GS ( k (Epson TM-T20/T88 class and most since)
	ProfileBarcode = "escpos-barcode" // CODE128 barcodes with GS k, for printers without QR
)

// Profiles lists the profiles.
var Profiles = []string{ProfileQR, ProfileBarcode}

// CodePageWPC1252 is the code page Encode selects (ESC t 16): Windows
// Latin 1, which has every letter of French.
const CodePageWPC1252 = 16

// Layout is how Encode lays a receipt out.
type Layout struct {
	Profile string // ProfileQR (default) or ProfileBarcode
	// Columns is the number of characters of font A on a line: 48 on 80 mm
	// paper, 32 on 58 mm. Longer lines are wrapped at spaces.
	Columns int
	// QRModule is the size of a QR module in dots (1-16; 6 by default).
	QRModule int
}

// ColumnsFor is font A's characters per line on paper of this width in mm.
func ColumnsFor(paperWidth int) int {
	if paperWidth <= 58 {
		return 32
	}
	return 48
}

// Encode returns the ESC/POS bytes that print r.
func Encode(r drivers.Receipt, l Layout) []byte {
	if l.Columns <= 0 {
		l.Columns = 48
	}
	if l.QRModule <= 0 || l.QRModule > 16 {
		l.QRModule = 6
	}
	b := []byte{ESC, '@', ESC, 't', CodePageWPC1252}
	for _, ln := range r.Lines {
		b = append(b, ESC, 'a', byte(ln.Align), ESC, 'E', bit(ln.Bold), GS, '!', size(ln.Double))
		cols := l.Columns
		if ln.Double {
			cols /= 2
		}
		for _, w := range Wrap(ln.Text, cols) {
			b = append(b, EncodeText(w)...)
			b = append(b, LF)
		}
	}
	b = append(b, ESC, 'E', 0, GS, '!', 0)
	if r.Code != "" {
		b = append(b, ESC, 'a', byte(drivers.AlignCenter))
		data := EncodeText(r.Code)
		if l.Profile == ProfileBarcode {
			// CODE128, code set B; human readable text below.
			if len(data) > 253 {
				data = data[:253]
			}
			b = append(b, GS, 'h', 80, GS, 'w', 2, GS, 'H', 2, GS, 'k', 73, byte(len(data)+2), '{', 'B')
			b = append(b, data...)
		} else {
			if len(data) > 7089 {
				data = data[:7089]
			}
			b = append(b,
				GS, '(', 'k', 4, 0, 0x31, 0x41, 0x32, 0x00, // 165: model 2
				GS, '(', 'k', 3, 0, 0x31, 0x43, byte(l.QRModule), // 167: module size
				GS, '(', 'k', 3, 0, 0x31, 0x45, 0x31) // 169: error correction M
			n := len(data) + 3
			b = append(b, GS, '(', 'k', byte(n), byte(n>>8), 0x31, 0x50, 0x30) // 180: store
			b = append(b, data...)
			b = append(b, GS, '(', 'k', 3, 0, 0x31, 0x51, 0x30) // 181: print
		}
		b = append(b, LF, ESC, 'a', 0)
	}
	return append(b, ESC, 'd', 4, GS, 'V', 66, 0) // feed 4 lines, feed and partial cut
}

func bit(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func size(double bool) byte {
	if double {
		return 0x11 // double width and height
	}
	return 0
}

// Wrap cuts s into lines of at most cols characters, at spaces where it can.
func Wrap(s string, cols int) []string {
	if cols <= 0 {
		cols = 1
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			for utf8.RuneCountInString(w) > cols {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				r := []rune(w)
				out = append(out, string(r[:cols]))
				w = string(r[cols:])
			}
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= cols:
				line += " " + w
			default:
				out = append(out, line)
				line = w
			}
		}
		out = append(out, line)
	}
	return out
}

// cp1252 maps the code points of Windows-1252's 0x80-0x9F to their bytes;
// 0xA0-0xFF are Latin-1's.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A,
	'‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

var cp1252Rev = func() map[byte]rune {
	m := map[byte]rune{}
	for r, b := range cp1252 {
		m[b] = r
	}
	return m
}()

// EncodeText is s in code page WPC1252, control characters dropped (they
// would be commands) and what the code page lacks written '?'.
func EncodeText(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\u00A0' || r == '\u202F':
			out = append(out, ' ') // no-break spaces: the printer wraps nothing itself
		case r < 0x20 || r == 0x7F:
		case r < 0x80:
			out = append(out, byte(r))
		case r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		default:
			if b, ok := cp1252[r]; ok {
				out = append(out, b)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// DecodeText reads bytes of code page WPC1252 (and the ASCII half of any
// other) back into a string.
func DecodeText(b []byte, codePage byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case codePage != CodePageWPC1252:
			sb.WriteRune('?')
		case c >= 0xA0:
			sb.WriteRune(rune(c))
		default:
			if r, ok := cp1252Rev[c]; ok {
				sb.WriteRune(r)
			} else {
				sb.WriteRune('?')
			}
		}
	}
	return sb.String()
}
