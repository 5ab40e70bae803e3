package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/scanner"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// rasteriseChildFlag is the hidden first argument of `xpt-kiosk scan` that
// makes this binary the PDF rasteriser child (see drivers/scanner).
const rasteriseChildFlag = "--rasterise-child"

const scanUsage = `Usage: xpt-kiosk scan [--json] [--trust FILE] [--dpi N] [--today YYYY-MM-DD] FILE...

Reads scanned pages and photos (PNG, JPEG, TIFF, BMP, PDF): for each image
and each PDF page, the MRZ (as 'xpt-kiosk mrz read'), the PDF's text layer,
and the QR codes, verifying XPT1 pre-approval letters offline against the
trusted central keys.

With --json, one JSON object per line per image and per PDF page:
  {"file", "page" (1-based), "found", "lines", "result" (as 'mrz parse'),
   "elapsedMs", "text" (PDF text layer), "qr": [{"text", "letter",
   "verified", "error"}], "error" (only when the page or file is unreadable)}

--trust FILE holds the trusted keys, one per line, as
  central-2026-a BASE64-PUBLIC-KEY
or the [trust.keys] snippet 'xpt-kiosk central keygen' prints
  "central-2026-a" = "BASE64-PUBLIC-KEY"
or a KEYID.pub file holding just the key, or the kiosk's configuration
file (only its [trust.keys] section is read).

PDFs are rasterised in a child process with time and memory limits: a
corrupt or hostile PDF gives an error for that file, never a crash.

Exit status: 0 every file was read, 1 some file could not be read, 2 usage.
`

func runScan(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == rasteriseChildFlag {
		return scanner.RasterChildMain(args[1:], stdout, stderr)
	}
	return runScanning("scan", scanUsage, false, args, stdout, stderr)
}

// runScanning is `scan` and `mrz read`: mrzOnly drops text and QR codes.
func runScanning(name, usage string, mrzOnly bool, args []string, stdout, stderr io.Writer) int {
	fs := newFlags(name, usage, stderr)
	asJSON := fs.Bool("json", false, "one JSON object per line per image and PDF page")
	dpi := fs.Int("dpi", 300, "resolution PDF pages are rasterised at (300 or more for MRZs)")
	today := fs.String("today", "", "date for expiry and letter validity, YYYY-MM-DD (default today)")
	var trust *string
	if !mrzOnly {
		trust = fs.String("trust", "", "file of trusted central public keys for XPT1 letters")
	}
	files, rc := parseArgs(fs, args, stdout, 0, -1)
	if rc >= 0 {
		return rc
	}
	if len(files) == 0 {
		return usageError(fs, "no files given")
	}
	if *dpi < 72 || *dpi > 1200 {
		fmt.Fprintf(stderr, "xpt-kiosk %s: --dpi %d is out of range (72..1200; 300 or more for MRZs)\n", name, *dpi)
		return exitUsage
	}
	opt := scanner.Options{DPI: *dpi, NoQR: mrzOnly, ChildArgs: []string{"scan", rasteriseChildFlag}}
	if *today != "" {
		t, err := time.Parse("2006-01-02", *today)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk %s: --today %q is not a date like 2026-11-26\n", name, *today)
			return exitUsage
		}
		opt.Today = func() time.Time { return t }
	}
	var kr *wire.KeyRing
	if trust != nil && *trust != "" {
		keys, err := wire.ReadTrustFile(*trust)
		if err == nil {
			kr, err = wire.NewKeyRing(keys)
		}
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk %s: cannot use the trusted keys in %s: %v\n", name, *trust, err)
			return exitUsage
		}
	}
	todayFn := opt.Today
	if todayFn == nil {
		todayFn = time.Now
	}
	sc, err := scanner.New(opt)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk %s: %v\n", name, err)
		return exitFail
	}
	ctx, stop := signalContext()
	defer stop()
	rc = exitOK
	enc := json.NewEncoder(stdout)
	for _, file := range files {
		t0 := time.Now()
		pages, err := sc.ScanFile(ctx, file)
		if err != nil {
			rc = exitFail
			var fe *scanner.FileError
			msg := err.Error()
			if errors.As(err, &fe) {
				msg = fe.Err.Error()
			}
			fmt.Fprintf(stderr, "xpt-kiosk %s: %s: %s\n", name, file, msg)
			pages = []scanner.Page{{File: file, Page: 1, Lines: []string{}, Error: msg, ElapsedMs: time.Since(t0).Milliseconds()}}
		}
		for _, p := range pages {
			if mrzOnly {
				p.Text, p.QR = nil, nil
				if !p.Found || (p.Result != nil && !p.Result.Valid) {
					rc = max(rc, exitFail)
				}
			}
			if p.Lines == nil {
				p.Lines = []string{}
			}
			qrs := checkQRs(p.QR, kr, todayFn())
			if mrzOnly && *asJSON {
				if err := enc.Encode(&p); err != nil {
					return exitFail
				}
				continue
			}
			if err := writePage(stdout, enc, p, qrs, *asJSON, mrzOnly); err != nil {
				return exitFail
			}
		}
	}
	return rc
}

// writePage prints a page as `scan` does: with asJSON one scanJSON line
// (text and qr always there, empty or not), else printPage's lines.
func writePage(w io.Writer, enc *json.Encoder, p scanner.Page, qrs []scanQR, asJSON, mrzOnly bool) error {
	if p.Lines == nil {
		p.Lines = []string{}
	}
	if !asJSON {
		printPage(w, p, qrs, mrzOnly)
		return nil
	}
	sj := scanJSON{Page: p, QR: qrs}
	if p.Text != nil {
		sj.Text = *p.Text
	}
	return enc.Encode(&sj)
}

// scanJSON is a page as `scan --json` prints it.
type scanJSON struct {
	scanner.Page
	Text string   `json:"text"`
	QR   []scanQR `json:"qr"`
}

// scanQR is a QR code as `scan` reports it: an XPT1 pre-approval letter
// is verified offline against the trusted central keys, as the kiosk
// verifies it (wire.KeyRing.VerifyLetter).
type scanQR struct {
	Text     string       `json:"text"`
	Letter   *wire.Letter `json:"letter,omitempty"`
	Verified bool         `json:"verified"`
	Error    string       `json:"error,omitempty"`
}

func checkQRs(qrs []scanner.QR, kr *wire.KeyRing, today time.Time) []scanQR {
	out := make([]scanQR, 0, len(qrs))
	for _, q := range qrs {
		c := scanQR{Text: q.Text}
		switch {
		case !wire.IsLetter(q.Text):
		case kr == nil:
			c.Error = "no trusted central keys configured: letter not verified"
		default:
			l, err := kr.VerifyLetter(q.Text, today)
			c.Letter = l
			if err != nil {
				c.Error = err.Error()
			} else {
				c.Verified = true
			}
		}
		out = append(out, c)
	}
	return out
}

func printPage(w io.Writer, p scanner.Page, qrs []scanQR, mrzOnly bool) {
	where := p.File
	if strings.HasSuffix(strings.ToLower(p.File), ".pdf") || p.Page > 1 {
		where = fmt.Sprintf("%s page %d", p.File, p.Page)
	}
	switch {
	case p.Error != "":
		fmt.Fprintf(w, "%s: cannot read: %s\n", where, p.Error)
	case !p.Found:
		fmt.Fprintf(w, "%s: no MRZ found (%d ms)\n", where, p.ElapsedMs)
	default:
		r := p.Result
		state := "valid"
		if !r.Valid {
			state = "INVALID"
		}
		fmt.Fprintf(w, "%s: %s MRZ, %s (%d ms)\n", where, r.Format, state, p.ElapsedMs)
		for _, l := range p.Lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		fmt.Fprintf(w, "  %s, %s  %s %s  born %s  expires %s\n", r.Surname, r.GivenNames, r.IssuingState, r.DocumentNumber,
			dateOrDash(r.BirthDate), dateOrDash(r.ExpiryDate))
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  error: %s\n", e.Error())
		}
		if n := len(r.Corrections); n > 0 {
			fmt.Fprintf(w, "  %d character(s) corrected by the check digits\n", n)
		}
	}
	if mrzOnly {
		return
	}
	if p.Text != nil && strings.TrimSpace(*p.Text) != "" {
		fmt.Fprintf(w, "  text layer: %d characters\n", len(*p.Text))
	}
	for _, q := range qrs {
		switch {
		case q.Verified:
			fmt.Fprintf(w, "  QR: pre-approval letter %s for %s %s, VERIFIED (valid until %s)\n", q.Letter.AuthorizationID, q.Letter.Document.IssuingState, q.Letter.Document.Number, q.Letter.ValidUntil)
		case q.Error != "":
			fmt.Fprintf(w, "  QR: pre-approval letter NOT verified: %s\n", q.Error)
		default:
			fmt.Fprintf(w, "  QR: %q\n", q.Text)
		}
	}
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}
