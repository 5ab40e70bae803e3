package central

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// LetterInput is what a pre-approval letter is made from.
type LetterInput struct {
	Record     wire.AuthzRecord
	Document   *wire.Document // the document the letter is for; nil = the record's first
	Purpose    string         // "" = "Business travel for {employer}"
	ValidUntil string         // YYYY-MM-DD; "" = 90 days from Today, but not past the record's validUntil
	Today      time.Time      // issue date; zero = now
}

// MakeLetter builds the signed letter payload and its QR text
// (XPT1.<payload>.<sig>, wire.SignLetter).
func MakeLetter(s Signer, in *LetterInput) (wire.Letter, string, error) {
	if in.Today.IsZero() {
		in.Today = time.Now().UTC()
	}
	r := &in.Record
	if len(r.Documents) == 0 {
		return wire.Letter{}, "", errors.New("the record lists no document")
	}
	if in.Document == nil {
		in.Document = &r.Documents[0]
	}
	if in.Purpose == "" {
		in.Purpose = "Business travel"
		if r.Employer != "" {
			in.Purpose += " for " + r.Employer
		}
	}
	if in.ValidUntil == "" {
		in.ValidUntil = in.Today.AddDate(0, 0, 90).Format(wire.DateFormat)
		if r.ValidUntil != "" && r.ValidUntil < in.ValidUntil {
			in.ValidUntil = r.ValidUntil
		}
	}
	if _, err := time.Parse(wire.DateFormat, in.ValidUntil); err != nil {
		return wire.Letter{}, "", fmt.Errorf("valid-until %q is not YYYY-MM-DD", in.ValidUntil)
	}
	l := wire.Letter{KID: s.KeyID, AuthorizationID: r.AuthorizationID,
		Document: wire.LetterDocument{IssuingState: in.Document.IssuingState, Number: in.Document.Number},
		Holder:   wire.LetterHolder{Surname: r.Holder.Surname, BirthDate: r.Holder.BirthDate},
		Purpose:  in.Purpose, Employer: r.Employer, ValidUntil: in.ValidUntil}
	text, err := wire.SignLetter(s.Priv, l)
	return l, text, err
}

// QRPNG renders text as a PNG of the QR code a letter carries (letterQR:
// error correction M), px pixels a module, with the standard four-module
// quiet zone.
func QRPNG(text string, px int) ([]byte, error) {
	q, err := letterQR(text)
	if err != nil {
		return nil, err
	}
	if px <= 0 {
		px = 8
	}
	return q.PNG(-px)
}

// LetterPDF writes the letter as a one-page A4 PDF: letterhead, the
// traveler's and the authorization's details, the purpose and validity,
// and the signed QR code, printed at least 0.5 mm a module so that a 300
// dpi scan gives 6 pixels a module.
func LetterPDF(w io.Writer, in *LetterInput, l wire.Letter, qrText string) error {
	q, err := letterQR(qrText)
	if err != nil {
		return err
	}
	png, err := q.PNG(-10)
	if err != nil {
		return err
	}
	modules := len(q.Bitmap()) // the quiet zone included
	r := &in.Record
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("XPT pre-approval letter "+r.AuthorizationID, true)
	pdf.SetAuthor("XPT Central Authorization Office (simulator)", true)
	pdf.SetCreator("xpt-kiosk central letter", true)
	pdf.SetMargins(20, 18, 20)
	pdf.SetAutoPageBreak(false, 10)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")

	// Letterhead.
	pdf.SetFillColor(18, 52, 86)
	pdf.Rect(0, 0, 210, 30, "F")
	pdf.SetFillColor(200, 16, 46)
	pdf.Rect(0, 30, 210, 2, "F")
	pdf.SetTextColor(255, 255, 255)
	pdf.SetXY(20, 8)
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(0, 8, "XPT", "", 1, "L", false, 0, "")
	pdf.SetX(20)
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 5, tr("Cross-border Professional Travel program  -  Central Authorization Office"), "", 1, "L", false, 0, "")
	pdf.SetX(20)
	pdf.SetFont("Helvetica", "", 8)
	pdf.CellFormat(0, 4, tr("Multi-entry business-travel authorization on NEXUS / Global Entry enrolment"), "", 1, "L", false, 0, "")

	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(20, 40)
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 8, "Pre-approval letter", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetTextColor(80, 80, 80)
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Reference %s    Issued %s    Valid until %s", r.AuthorizationID, in.Today.Format(wire.DateFormat), l.ValidUntil)), "", 1, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(3)

	section := func(title string) {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.SetTextColor(18, 52, 86)
		pdf.CellFormat(0, 6, tr(title), "B", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(1)
	}
	row := func(k, v string) {
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(48, 5.5, tr(k), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.MultiCell(0, 5.5, tr(v), "", "L", false)
	}
	h := r.Holder
	section("Traveler")
	row("Surname", h.Surname)
	if h.GivenNames != "" {
		row("Given names", h.GivenNames)
	}
	row("Date of birth", h.BirthDate)
	row("Sex", h.Sex)
	row("Nationality", h.Nationality)
	d := in.Document
	docName := map[string]string{"P": "Passport", "ID": "Identity card", "I": "Identity card"}[d.Code]
	if docName == "" {
		docName = "Travel document " + d.Code
	}
	row("Document", fmt.Sprintf("%s %s, issued by %s", docName, d.Number, d.IssuingState))
	if d.ExpiryDate != "" {
		row("Document expiry", d.ExpiryDate)
	}
	if tt := r.TrustedTraveler; tt != nil {
		row("Trusted traveler", fmt.Sprintf("%s membership %s", strings.ReplaceAll(tt.Program, "_", " "), tt.MembershipID))
	}
	section("Authorization")
	row("Authorization", fmt.Sprintf("%s (version %d, %s)", r.AuthorizationID, r.Version, r.Status))
	if r.Category != "" {
		row("Category", r.Category)
	}
	if r.Occupation != "" {
		row("Occupation", r.Occupation)
	}
	if r.Employer != "" {
		row("Employer", r.Employer)
	}
	row("Authorized period", r.ValidFrom+" to "+r.ValidUntil)
	if len(r.Entries) > 0 {
		var es []string
		for _, e := range r.Entries {
			es = append(es, map[string]string{wire.DirCAtoUS: "Canada to United States", wire.DirUStoCA: "United States to Canada"}[e])
		}
		row("Entries", strings.Join(es, "; "))
	}
	if r.MaxStayDays > 0 {
		row("Maximum stay", fmt.Sprintf("%d days per entry", r.MaxStayDays))
	}
	section("This visit")
	row("Purpose", l.Purpose)
	row("Letter valid until", l.ValidUntil)

	// The QR code: 0.5 mm a module at least, so 6 px a module at 300 dpi.
	size := float64(modules) * 0.55
	if size < 55 {
		size = 55
	}
	if size > 85 {
		size = 85
	}
	y := 297 - 18 - size - 8
	x := 20.0
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", x, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(x+size+8, y+4)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(0, 5, "Scan at the kiosk", "", "L", false)
	pdf.SetX(x + size + 8)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 4.5, tr("Place this page, QR code down, on the kiosk's document scanner together with the travel document named above. "+
		"The code is signed by the central system (key "+l.KID+") and is checked offline against the document in the session. "+
		"The letter does not replace the travel document or the trusted-traveler card."), "", "L", false)
	pdf.SetXY(20, 297-16)
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetTextColor(110, 110, 110)
	pdf.CellFormat(0, 4, tr("XPT pilot - generated by the central-system simulator for demonstrations and tests. Not a government document."), "T", 0, "L", false, 0, "")
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// FindRecord returns the record authID from a records file (the highest
// version when it appears more than once), streaming.
func FindRecord(r io.Reader, authID string) (*wire.AuthzRecord, error) {
	var found *wire.AuthzRecord
	err := ReadRecords(r, func(_ int, it Item) error {
		if it.Record != nil && it.Record.AuthorizationID == authID && (found == nil || it.Record.Version > found.Version) {
			found = it.Record
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("no record %s", authID)
	}
	return found, nil
}
