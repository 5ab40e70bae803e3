// Package scanfeed is the kiosk's delivery policy for the scanner spool
// (drivers/scanner): what of a scanned file goes to the kiosk, and each
// file only once. The spool delivers at least once (a result may come again
// after a restart), so a file already delivered is dropped by its ID.
//
// Of one file, the kiosk gets at most one pre-approval letter (the first QR
// code that claims to be one, for the kiosk to verify against the session)
// and at most one document: the page with a valid MRZ, else the first page
// where an MRZ was found, invalid as it is (the kiosk refers it with
// MRZ_INVALID). The driver knows pages and QR codes, not the protocol; this
// package stands between it and the kiosk, without cgo (the cmd copies the
// driver's result into a Scan).
package scanfeed

import (
	"log/slog"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Source is the source the documents of scans are handed with.
const Source = "scanner"

// Scan is one spooled file as read.
type Scan struct {
	ID       string   // unique per file (the spool's claim time and name)
	Kind     string   // passport, qr, none or error (for the log)
	Passport []string // the MRZ lines of the first page with a valid MRZ; nil when none
	Pages    []Page
}

// Page is one page of a scan.
type Page struct {
	Found bool     // an MRZ was found on the page
	Lines []string // its MRZ lines, as read
	QR    []string // the text of each QR code on the page
}

// Kiosk is what the feed hands documents and letters to.
type Kiosk interface {
	Document(lines []string, source string) error
	Letter(text string) error
}

// Feed delivers scans to a kiosk, each file once. It is safe for
// concurrent use.
type Feed struct {
	k   Kiosk
	log *slog.Logger

	mu   sync.Mutex
	seen map[string]bool
}

// New returns a feed to k; log gets one line per file delivered.
func New(k Kiosk, log *slog.Logger) *Feed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Feed{k: k, log: log, seen: map[string]bool{}}
}

// Deliver hands s to the kiosk, unless a scan with its ID was delivered
// already; it reports whether it did.
func (f *Feed) Deliver(s Scan) bool {
	f.mu.Lock()
	dup := f.seen[s.ID]
	f.seen[s.ID] = true
	f.mu.Unlock()
	if dup {
		return false
	}
	f.log.Info("scanner: file read", "id", s.ID, "kind", s.Kind)
	letterSent, docSent := false, false
	for _, p := range s.Pages {
		for _, q := range p.QR {
			if !letterSent && wire.IsLetter(q) {
				_ = f.k.Letter(q)
				letterSent = true
			}
		}
	}
	if s.Passport != nil {
		_ = f.k.Document(s.Passport, Source)
		docSent = true
	}
	for _, p := range s.Pages {
		if !docSent && p.Found && len(p.Lines) > 0 {
			_ = f.k.Document(p.Lines, Source) // invalid: the kiosk refers with MRZ_INVALID
			docSent = true
		}
	}
	return true
}
