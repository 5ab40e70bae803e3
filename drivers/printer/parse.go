package printer

import (
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// ItemKind is what a parsed receipt item is.
type ItemKind string

const (
	ItemText    ItemKind = "text"
	ItemQR      ItemKind = "qr"
	ItemBarcode ItemKind = "barcode"
)

// Item is one printed thing: a line of text with its style, or a code with
// its data.
type Item struct {
	Kind  ItemKind      `json:"kind"`
	Text  string        `json:"text"` // the line, or the code's data
	Align drivers.Align `json:"align"`
	Bold  bool          `json:"bold,omitempty"`
	// Width and Height are the character size multipliers (1-8).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// QRModule is a QR code's module size in dots.
	QRModule int `json:"qrModule,omitempty"`
}

// Page is what was printed between two cuts.
type Page struct {
	Items []Item `json:"items"`
	Cut   bool   `json:"cut"` // ended by a cut (else: what is printed so far)
}

// Text is the page's text, one line per text item, codes as [QR data] or
// [CODE128 data].
func (p Page) Text() string {
	var b strings.Builder
	for _, it := range p.Items {
		switch it.Kind {
		case ItemText:
			b.WriteString(it.Text)
		case ItemQR:
			b.WriteString("[QR " + it.Text + "]")
		case ItemBarcode:
			b.WriteString("[CODE128 " + it.Text + "]")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ParserStats counts what a parser read.
type ParserStats struct {
	Bytes    uint64 `json:"bytes"`
	Commands uint64 `json:"commands"` // commands understood
	Unknown  uint64 `json:"unknown"`  // commands skipped without meaning
	Skipped  uint64 `json:"skipped"`  // bytes dropped: stray control bytes, over-long data
	Status   uint64 `json:"status"`   // real-time status requests
	Pages    uint64 `json:"pages"`    // cuts
}

// Limits bound a parser's memory whatever it is sent.
const (
	maxLine    = 1024     // text bytes on one line
	maxItems   = 512      // items on one page
	maxQRData  = 7089     // QR data (the symbology's own limit)
	maxCommand = 16 << 10 // the longest command kept whole; longer ones are skipped
)

// Parser reads an ESC/POS byte stream as a printer does: text with its
// style, codes, cuts, and real-time status requests. Feed it any pieces;
// its memory is bounded. The zero value is not ready: use NewParser.
type Parser struct {
	// OnStatus, when set, is called with n at each DLE EOT n, at once (the
	// printer answers real-time requests even in the middle of data).
	OnStatus func(n byte)

	buf      []byte // an incomplete command
	skip     int    // bytes of an over-long command still to drop
	line     []byte
	style    Item
	codePage byte
	qrData   []byte
	qrModule int
	items    []Item
	stats    ParserStats
}

// NewParser returns a parser in the printer's power-on state.
func NewParser() *Parser {
	p := &Parser{}
	p.reset()
	return p
}

func (p *Parser) reset() {
	p.style = Item{Kind: ItemText, Width: 1, Height: 1}
	p.codePage = 0
	p.qrModule = 3
	p.qrData = nil
}

// Stats returns the counters so far.
func (p *Parser) Stats() ParserStats { return p.stats }

// Pending is what was printed since the last cut.
func (p *Parser) Pending() Page {
	items := append([]Item(nil), p.items...)
	if len(p.line) > 0 {
		items = append(items, p.textItem())
	}
	return Page{Items: items}
}

// Feed reads b and returns the pages it completed (each cut ends one).
func (p *Parser) Feed(b []byte) []Page {
	p.stats.Bytes += uint64(len(b))
	data := b
	if len(p.buf) > 0 {
		// An incomplete command from the last Feed (at most maxCommand
		// bytes: longer ones are skipped, never kept).
		data = append(p.buf, b...)
		p.buf = nil
	}
	var pages []Page
	for i := 0; i < len(data); {
		if p.skip > 0 {
			n := min(p.skip, len(data)-i)
			p.skip -= n
			p.stats.Skipped += uint64(n)
			i += n
			continue
		}
		used, page, more := p.step(data[i:])
		if more {
			p.buf = append([]byte(nil), data[i:]...)
			break
		}
		i += used
		if page != nil {
			pages = append(pages, *page)
		}
	}
	return pages
}

// step reads one text run or command at the start of d. It returns how
// many bytes it used, a page when the command was a cut, and more when d
// holds only the start of a command.
func (p *Parser) step(d []byte) (used int, page *Page, more bool) {
	c := d[0]
	if c >= 0x20 && c != 0x7F || c >= 0x80 {
		n := 0
		for n < len(d) && (d[n] >= 0x20 && d[n] != 0x7F || d[n] >= 0x80) {
			n++
		}
		room := maxLine - len(p.line)
		if room > 0 {
			p.line = append(p.line, d[:min(n, room)]...)
		}
		if n > room {
			p.stats.Skipped += uint64(n - max(room, 0))
		}
		return n, nil, false
	}
	need := func(k int) bool { return len(d) < k }
	arg := func(i int) byte { return d[i] }
	switch c {
	case LF:
		p.endLine()
		return 1, nil, false
	case '\r':
		return 1, nil, false
	case '\t':
		p.line = append(p.line, ' ')
		return 1, nil, false
	case DLE:
		if need(2) {
			return 0, nil, true
		}
		switch arg(1) {
		case EOT, 0x05: // DLE EOT n, DLE ENQ n
			if need(3) {
				return 0, nil, true
			}
			p.stats.Commands++
			if arg(1) == EOT {
				p.stats.Status++
				if p.OnStatus != nil {
					p.OnStatus(arg(2))
				}
			}
			return 3, nil, false
		case 0x14: // DLE DC4 fn a b
			if need(5) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 5, nil, false
		}
		p.stats.Skipped++
		return 1, nil, false
	case ESC:
		if need(2) {
			return 0, nil, true
		}
		switch arg(1) {
		case '@':
			p.endLineIfAny()
			p.reset()
			p.stats.Commands++
			return 2, nil, false
		case 'i', 'm': // full, partial cut (old commands)
			p.stats.Commands++
			return 2, p.cut(), false
		case '2', '<':
			p.stats.Commands++
			return 2, nil, false
		case '$', '\\': // absolute, relative position: nL nH
			if need(4) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 4, nil, false
		case '*': // bit image: ESC * m nL nH data
			if need(5) {
				return 0, nil, true
			}
			cols := int(arg(3)) + int(arg(4))<<8
			if m := arg(2); m == 32 || m == 33 {
				cols *= 3
			}
			p.stats.Commands++
			return p.long(d, 5+cols)
		case 'p': // pulse: ESC p m t1 t2
			if need(5) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 5, nil, false
		case '!', 'E', 'G', 'a', 't', 'd', 'J', '-', 'M', 'R', '3', 'V', '{', 'e', 'r', ' ', 'U', 'c':
			if arg(1) == 'c' { // ESC c 3 n, ESC c 4 n, ESC c 5 n
				if need(4) {
					return 0, nil, true
				}
				p.stats.Commands++
				return 4, nil, false
			}
			if need(3) {
				return 0, nil, true
			}
			p.esc(arg(1), arg(2))
			p.stats.Commands++
			return 3, nil, false
		}
		p.stats.Unknown++
		return 2, nil, false
	case GS:
		if need(2) {
			return 0, nil, true
		}
		switch arg(1) {
		case 'V': // GS V m [n]
			if need(3) {
				return 0, nil, true
			}
			n := 3
			if m := arg(2); m >= 65 {
				if need(4) {
					return 0, nil, true
				}
				n = 4
			}
			p.stats.Commands++
			return n, p.cut(), false
		case '!':
			if need(3) {
				return 0, nil, true
			}
			p.style.Width, p.style.Height = int(arg(2)>>4&7)+1, int(arg(2)&7)+1
			p.stats.Commands++
			return 3, nil, false
		case 'h', 'w', 'H', 'f', 'B', 'a', 'r', 'I', 'b':
			if need(3) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 3, nil, false
		case 'L', 'W', '$', '\\':
			if need(4) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 4, nil, false
		case 'k':
			return p.barcode(d)
		case '(', '8':
			return p.function(d)
		case 'v': // GS v 0 m xL xH yL yH data: a raster image
			if need(8) {
				return 0, nil, true
			}
			size := 8 + (int(arg(4))+int(arg(5))<<8)*(int(arg(6))+int(arg(7))<<8)
			p.stats.Commands++
			return p.long(d, size)
		}
		p.stats.Unknown++
		return 2, nil, false
	case FS:
		if need(2) {
			return 0, nil, true
		}
		switch arg(1) {
		case 'p':
			if need(4) {
				return 0, nil, true
			}
			p.stats.Commands++
			return 4, nil, false
		}
		p.stats.Unknown++
		return 2, nil, false
	}
	p.stats.Skipped++
	return 1, nil, false
}

// long uses a command of size bytes: whole when it is short enough to keep
// (waiting for the rest when d holds only its start), else dropped in
// pieces, uninterpreted, however it arrives.
func (p *Parser) long(d []byte, size int) (int, *Page, bool) {
	if size <= maxCommand {
		if size <= len(d) {
			return size, nil, false
		}
		return 0, nil, true
	}
	n := min(size, len(d))
	p.skip = size - n
	p.stats.Skipped += uint64(n)
	return n, nil, false
}

func (p *Parser) esc(cmd, n byte) {
	switch cmd {
	case '!':
		p.style.Bold = n&0x08 != 0
		p.style.Height, p.style.Width = 1, 1
		if n&0x10 != 0 {
			p.style.Height = 2
		}
		if n&0x20 != 0 {
			p.style.Width = 2
		}
	case 'E', 'G':
		p.style.Bold = n&1 != 0
	case 'a':
		switch n {
		case 0, '0':
			p.style.Align = drivers.AlignLeft
		case 1, '1':
			p.style.Align = drivers.AlignCenter
		case 2, '2':
			p.style.Align = drivers.AlignRight
		}
	case 't':
		p.codePage = n
	case 'd':
		p.endLineIfAny()
		for range min(int(n), 32) {
			p.endLine()
		}
	}
}

// barcode reads GS k m d1…dk NUL (m 0-6) or GS k m n d1…dn (m 65-79).
func (p *Parser) barcode(d []byte) (int, *Page, bool) {
	if len(d) < 3 {
		return 0, nil, true
	}
	m := d[2]
	var data []byte
	var used int
	if m <= 6 {
		end := -1
		for i := 3; i < len(d) && i < 3+255; i++ {
			if d[i] == 0 {
				end = i
				break
			}
		}
		if end < 0 {
			if len(d) < 3+255 {
				return 0, nil, true
			}
			p.stats.Unknown++
			return 3, nil, false // no NUL: not a barcode
		}
		data, used = d[3:end], end+1
	} else {
		if len(d) < 4 {
			return 0, nil, true
		}
		n := int(d[3])
		if len(d) < 4+n {
			return 0, nil, true
		}
		data, used = d[4:4+n], 4+n
	}
	p.stats.Commands++
	text := data
	if m == 73 && len(text) >= 2 && text[0] == '{' { // CODE128: a code set selection first
		text = text[2:]
	}
	p.endLineIfAny()
	p.addItem(Item{Kind: ItemBarcode, Text: DecodeText(text, CodePageWPC1252), Align: p.style.Align})
	return used, nil, false
}

// function reads GS ( x pL pH … and GS 8 x p1 p2 p3 p4 …; of them it
// understands the QR code's (GS ( k, cn 49).
func (p *Parser) function(d []byte) (int, *Page, bool) {
	var size, head int
	if d[1] == '(' {
		if len(d) < 5 {
			return 0, nil, true
		}
		size, head = 5+int(d[3])+int(d[4])<<8, 5
	} else { // GS 8 L p1 p2 p3 p4
		if len(d) < 7 {
			return 0, nil, true
		}
		size, head = 7+int(d[3])+int(d[4])<<8+int(d[5])<<16+int(d[6])<<24, 7
		if size < 0 || size > 1<<26 {
			p.stats.Unknown++
			return 2, nil, false
		}
	}
	if d[1] != '(' || d[2] != 'k' || size > maxCommand {
		p.stats.Unknown++
		return p.long(d, size)
	}
	if size > len(d) {
		return 0, nil, true
	}
	params := d[head:size]
	p.stats.Commands++
	if len(params) < 2 || params[0] != 0x31 { // cn 49: QR code
		return size, nil, false
	}
	switch fn := params[1]; {
	case fn == 0x43 && len(params) >= 3: // 167: module size
		if n := int(params[2]); n >= 1 && n <= 16 {
			p.qrModule = n
		}
	case fn == 0x50 && len(params) >= 3: // 180: store the data
		data := params[3:]
		if len(data) > maxQRData {
			data = data[:maxQRData]
		}
		p.qrData = append(p.qrData[:0], data...)
	case fn == 0x51: // 181: print the stored data
		if len(p.qrData) > 0 {
			p.endLineIfAny()
			p.addItem(Item{Kind: ItemQR, Text: DecodeText(p.qrData, CodePageWPC1252), Align: p.style.Align, QRModule: p.qrModule})
		}
	}
	return size, nil, false
}

func (p *Parser) textItem() Item {
	it := p.style
	it.Kind = ItemText
	it.Text = DecodeText(p.line, p.codePage)
	return it
}

func (p *Parser) endLine() {
	p.addItem(p.textItem())
	p.line = p.line[:0]
}

func (p *Parser) endLineIfAny() {
	if len(p.line) > 0 {
		p.endLine()
	}
}

func (p *Parser) addItem(it Item) {
	if len(p.items) >= maxItems {
		p.stats.Skipped++
		return
	}
	p.items = append(p.items, it)
}

func (p *Parser) cut() *Page {
	p.endLineIfAny()
	pg := &Page{Items: p.items, Cut: true}
	p.items = nil
	p.stats.Pages++
	return pg
}
