package printer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// sample is a receipt as the kiosk prints one (French, with accents).
var sample = drivers.Receipt{ID: "tx-1", Code: "K7Q-4MZ", Lines: []drivers.ReceiptLine{
	{Text: "XPT", Align: drivers.AlignCenter, Bold: true, Double: true},
	{Text: "VEUILLEZ VOUS PRÉSENTER À UN AGENT", Align: drivers.AlignCenter, Bold: true},
	{Text: "Référence : K7Q-4MZ"},
	{Text: "Kiosque demo-yyz-k01 — YYZ, 2026-12-07 01:02"},
	{Text: "Présentez ce reçu à l’agent au comptoir, avec votre passeport, s’il vous plaît ; merci."},
}}

// The bytes of an ESC/POS receipt, command by command.
func TestEncodeBytes(t *testing.T) {
	b := printer.Encode(drivers.Receipt{Code: "ABC-123", Lines: []drivers.ReceiptLine{{Text: "Hé", Align: drivers.AlignRight, Bold: true}}},
		printer.Layout{Columns: 48})
	want := []byte{
		0x1B, '@', 0x1B, 't', 16, // initialise, code page WPC1252
		0x1B, 'a', 2, 0x1B, 'E', 1, 0x1D, '!', 0, 'H', 0xE9, 0x0A, // right, bold, normal size, "Hé"
		0x1B, 'E', 0, 0x1D, '!', 0, // style off
		0x1B, 'a', 1, // centre
		0x1D, '(', 'k', 4, 0, 0x31, 0x41, 0x32, 0, // 165: model 2
		0x1D, '(', 'k', 3, 0, 0x31, 0x43, 6, // 167: module 6 dots
		0x1D, '(', 'k', 3, 0, 0x31, 0x45, 0x31, // 169: error correction M
		0x1D, '(', 'k', 10, 0, 0x31, 0x50, 0x30, 'A', 'B', 'C', '-', '1', '2', '3', // 180: store
		0x1D, '(', 'k', 3, 0, 0x31, 0x51, 0x30, // 181: print
		0x0A, 0x1B, 'a', 0,
		0x1B, 'd', 4, 0x1D, 'V', 66, 0, // feed 4 lines, feed and cut
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("got\n% x\nwant\n% x", b, want)
	}
	bc := printer.Encode(drivers.Receipt{Code: "ABC-123"}, printer.Layout{Profile: printer.ProfileBarcode})
	if !bytes.Contains(bc, []byte{0x1D, 'k', 73, 9, '{', 'B', 'A', 'B', 'C', '-', '1', '2', '3'}) {
		t.Fatalf("CODE128: % x", bc)
	}
}

// What Encode writes, the parser reads back: the lines (wrapped at the
// paper's columns), their style and the code, for both profiles and both
// paper widths, whole and byte by byte.
func TestEncodeParseRoundTrip(t *testing.T) {
	for _, l := range []printer.Layout{{Columns: 48}, {Columns: 32}, {Profile: printer.ProfileBarcode, Columns: 48}} {
		b := printer.Encode(sample, l)
		for _, chunk := range []int{len(b), 1, 7} {
			p := printer.NewParser()
			var pages []printer.Page
			for i := 0; i < len(b); i += chunk {
				pages = append(pages, p.Feed(b[i:min(i+chunk, len(b))])...)
			}
			if len(pages) != 1 || !pages[0].Cut {
				t.Fatalf("%+v chunk %d: %d pages", l, chunk, len(pages))
			}
			var texts []string
			var code *printer.Item
			for _, it := range pages[0].Items {
				switch it.Kind {
				case printer.ItemText:
					if it.Text != "" {
						texts = append(texts, it.Text)
					}
					cols := l.Columns / it.Width
					if len([]rune(it.Text)) > cols {
						t.Errorf("line %q longer than %d columns", it.Text, cols)
					}
				default:
					code = &it
				}
			}
			var want []string
			for _, ln := range sample.Lines {
				cols := l.Columns
				if ln.Double {
					cols /= 2
				}
				want = append(want, printer.Wrap(printer.DecodeText(printer.EncodeText(ln.Text), printer.CodePageWPC1252), cols)...)
			}
			if !slices.Equal(texts, want) {
				t.Fatalf("%+v chunk %d:\n%q\nwant\n%q", l, chunk, texts, want)
			}
			first := pages[0].Items[0]
			if !first.Bold || first.Width != 2 || first.Height != 2 || first.Align != drivers.AlignCenter {
				t.Errorf("title style %+v", first)
			}
			wantKind := printer.ItemQR
			if l.Profile == printer.ProfileBarcode {
				wantKind = printer.ItemBarcode
			}
			if code == nil || code.Kind != wantKind || code.Text != sample.Code {
				t.Fatalf("%+v: code %+v", l, code)
			}
		}
	}
	// Accents survive the code page; what it lacks becomes '?'.
	if got := printer.DecodeText(printer.EncodeText("À l’agent — ça 漢"), printer.CodePageWPC1252); got != "À l’agent — ça ?" {
		t.Fatalf("%q", got)
	}
}

// Real-time status: the simulator's answer byte and the driver's reading
// agree, and the fixed bits tell a status byte from noise.
func TestStatusBytes(t *testing.T) {
	cases := []struct {
		st   printer.Status
		code drivers.Code
	}{
		{printer.Status{}, ""},
		{printer.Status{PaperNearEnd: true}, drivers.CodePaperNearEnd},
		{printer.Status{PaperOut: true, PaperStop: true, Offline: true, PaperNearEnd: true}, drivers.CodePaperOut},
		{printer.Status{CoverOpen: true, Offline: true}, drivers.CodeCoverOpen},
		{printer.Status{Offline: true, Error: true}, drivers.CodeOffline},
		{printer.Status{Offline: true}, drivers.CodeOffline},
	}
	for _, c := range cases {
		var got printer.Status
		for _, n := range []byte{printer.StatusPrinter, printer.StatusOffline, printer.StatusPaper} {
			b := c.st.Byte(n)
			if !printer.IsStatusByte(b) {
				t.Fatalf("%+v: %#x for DLE EOT %d lacks the fixed bits", c.st, b, n)
			}
			got.Set(n, b)
		}
		if got != c.st || got.Code() != c.code {
			t.Errorf("%+v: read back %+v, code %q want %q", c.st, got, got.Code(), c.code)
		}
		if got.Blocks() != (c.code != "" && c.code != drivers.CodePaperNearEnd) {
			t.Errorf("%+v: blocks %v", c.st, got.Blocks())
		}
	}
	// The TM-T88 manual's examples: 0x16 ready, 0x1E off line; 0x72 paper end.
	var st printer.Status
	st.Set(1, 0x1E)
	st.Set(4, 0x72)
	if !st.Offline || !st.PaperOut || st.Code() != drivers.CodePaperOut {
		t.Fatalf("%+v", st)
	}
	for _, b := range []byte{0x00, 0xFF, 'A', 0x1B} {
		if printer.IsStatusByte(b) {
			t.Errorf("%#x taken for a status byte", b)
		}
	}
}

// Bytes a parser must survive: commands cut anywhere, unknown commands,
// an image, a QR store longer than the parser keeps, stray controls.
func TestParserOddInput(t *testing.T) {
	var status []byte
	p := printer.NewParser()
	p.OnStatus = func(n byte) { status = append(status, n) }
	in := []byte{0x1B, 'Z', 'x', 0x10, 0x04, 1, 'h', 'i', 0x0A, 0x01, 0x1D, 'v', '0', 0, 2, 0, 2, 0, 1, 2, 3, 4, 'o', 'k', 0x0A}
	big := make([]byte, 20000)
	in = append(in, 0x1D, '(', 'k', byte((len(big)+3)&0xFF), byte((len(big)+3)>>8), 0x31, 0x50, 0x30)
	in = append(in, big...)
	in = append(in, 'e', 'n', 'd', 0x0A, 0x1D, 'V', 0)
	pages := p.Feed(in)
	if len(pages) != 1 || len(status) != 1 || status[0] != 1 {
		t.Fatalf("pages %d, status %v", len(pages), status)
	}
	if got := pages[0].Text(); got != "xhi\nok\nend\n" {
		t.Fatalf("%q", got)
	}
	s := p.Stats()
	if s.Unknown == 0 || s.Skipped == 0 || s.Pages != 1 || s.Status != 1 || s.Bytes != uint64(len(in)) {
		t.Fatalf("%+v", s)
	}
}

// The receipts in testdata are real: they are what the kiosk printed (the
// fuzz test's seeds). -update rewrites them.
func TestTestdataReceipts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bin")
	if len(files) < 3 {
		t.Fatalf("%d receipts in testdata", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages := printer.NewParser().Feed(b)
		if len(pages) != 1 || len(pages[0].Items) < 4 {
			t.Errorf("%s: %+v", f, pages)
		}
	}
}
