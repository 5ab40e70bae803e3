package central

import (
	"bytes"
	"image"
	"image/png"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	text, _ := decodeQRLevel(t, img)
	return text
}

// decodeQRLevel reads img's QR code: its text and error-correction level.
func decodeQRLevel(t *testing.T, img image.Image) (string, string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	level, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), level
}

func letterRecord() wire.AuthzRecord {
	return wire.AuthzRecord{AuthorizationID: "XPT-2026-0000123", Version: 3, Status: wire.StatusActive, Category: "professional",
		Occupation: "Software engineer", Employer: "Example Robotics Inc.",
		Holder:          wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Documents:       []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"}},
		TrustedTraveler: &wire.TrustedTraveler{Program: "NEXUS", MembershipID: "123456789", CardTag: "0A1B2C3D4E"},
		ValidFrom:       "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{wire.DirCAtoUS, wire.DirUStoCA}, MaxStayDays: 180}
}

func TestLetterQRDecodesAndVerifies(t *testing.T) {
	s := testSigner(t)
	in := &LetterInput{Record: letterRecord(), Purpose: "Installation of robotic line, customer site", ValidUntil: "2027-03-31", Today: testToday}
	l, text, err := MakeLetter(s, in)
	if err != nil {
		t.Fatal(err)
	}
	if l.Document.Number != "L898902C3" || l.Holder.Surname != "ERIKSSON" || l.KID != "central-test" {
		t.Fatalf("%+v", l)
	}
	pngBytes, err := QRPNG(text, 4)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	got := decodeQR(t, img)
	if got != text {
		t.Fatalf("decoded %q, want %q", got, text)
	}
	v, err := s.KeyRing().VerifyLetter(got, testToday)
	if err != nil || v.AuthorizationID != "XPT-2026-0000123" || v.Purpose != in.Purpose {
		t.Fatalf("verify: %v %+v", err, v)
	}
	// Another key's ring refuses it.
	if _, err := testSigner(t).KeyRing().VerifyLetter(got, testToday); wire.RejectCode(err) != wire.RejectSignature {
		t.Fatalf("foreign ring: %v", err)
	}
	// Validity defaults to 90 days, capped by the authorization.
	in2 := &LetterInput{Record: letterRecord(), Today: testToday}
	in2.Record.ValidUntil = "2027-01-15"
	l2, _, _ := MakeLetter(s, in2)
	if l2.ValidUntil != "2027-01-15" || !strings.Contains(l2.Purpose, "Example Robotics") {
		t.Fatalf("%+v", l2)
	}
}

// TestLetterPDFScans renders the PDF at 300 dpi with poppler's pdftoppm,
// as a scanner would see the page, and reads the QR back from the page.
func TestLetterPDFScans(t *testing.T) {
	// A fixed key: the signature, and with it the QR code's modules, are
	// then the same in every run (gozxing failed once in about a hundred
	// on a full page with a code from a random key).
	s, err := GenerateSigner("central-test", bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	in := &LetterInput{Record: letterRecord(), Purpose: "Quarterly board meeting", Today: testToday}
	l, text, err := MakeLetter(s, in)
	if err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	if err := LetterPDF(&pdf, in, l, text); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || pdf.Len() < 2000 {
		t.Fatalf("not a PDF (%d bytes)", pdf.Len())
	}
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed: PDF rendering not checked")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "letter.pdf")
	os.WriteFile(path, pdf.Bytes(), 0o644)
	if out, err := exec.Command(tool, "-png", "-r", "300", "-gray", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page-1.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 2400 || b.Dy() < 3400 {
		t.Fatalf("page %v is not A4 at 300 dpi", b)
	}
	if got := decodeQR(t, img); got != text {
		t.Fatalf("page QR %q, want %q", got, text)
	}
}

// A letter's QR code is one gozxing's reader (every kiosk's) reads back,
// clean, at every module size from 2 to 8 px: where it does not read the
// code of the smallest version (seed 35's key here, with gozxing v0.1.1)
// the letter carries the next version it reads. Either is a standard
// QR code of the same text at level M.
func TestLetterQRReadableVersion(t *testing.T) {
	other := 0
	for seed := int64(0); seed < 40; seed++ {
		s, err := GenerateSigner("central-test", rand.New(rand.NewSource(seed)))
		if err != nil {
			t.Fatal(err)
		}
		_, text, err := MakeLetter(s, &LetterInput{Record: letterRecord(), Today: testToday})
		if err != nil {
			t.Fatal(err)
		}
		smallest, err := qrcode.New(text, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		q, err := letterQR(text)
		if err != nil {
			t.Fatal(err)
		}
		if !readsBack(q.Bitmap(), text) {
			t.Errorf("seed %d: version %d is not read back", seed, q.VersionNumber)
		}
		if q.VersionNumber != smallest.VersionNumber {
			other++
			if readsBack(smallest.Bitmap(), text) {
				t.Errorf("seed %d: version %d, though the smallest (%d) reads back", seed, q.VersionNumber, smallest.VersionNumber)
			}
		}
		b, err := QRPNG(text, 5)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got, level := decodeQRLevel(t, img); got != text || level != "M" {
			t.Errorf("seed %d: the PNG reads %q at level %q", seed, got, level)
		}
	}
	if other == 0 {
		t.Error("every code read back at the smallest version: nothing here tests the choice any more (seed 35 did not, with gozxing v0.1.1)")
	}
}

func TestFindRecordTakesHighestVersion(t *testing.T) {
	r1 := recordsJSONL(t, 7, 1)
	r2 := strings.Replace(r1, `"version":1`, `"version":4`, 1)
	r2 = strings.Replace(r2, `"ERIKSSON"`, `"ERIKSSON LUND"`, 1)
	rec, err := FindRecord(strings.NewReader(r1+r2+recordsJSONL(t, 8, 3)), "XPT-2026-0000007")
	if err != nil || rec.Version != 4 || rec.Holder.Surname != "ERIKSSON LUND" {
		t.Fatalf("%v %+v", err, rec)
	}
	if _, err := FindRecord(strings.NewReader(r1), "XPT-2026-0000999"); err == nil {
		t.Fatal("found a missing record")
	}
}
