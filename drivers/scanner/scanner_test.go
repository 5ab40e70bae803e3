package scanner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/image/tiff"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// The test binary is also the rasteriser child: the scanner starts it with
// XPT_SCANNER_CHILD=1 and the child's four arguments.
func TestMain(m *testing.M) {
	if os.Getenv("XPT_SCANNER_CHILD") == "1" {
		os.Exit(RasterChildMain(os.Args[len(os.Args)-4:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var today = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newScanner(t testing.TB, mod func(*Options)) *Scanner {
	t.Helper()
	opt := Options{
		DPI: 200, ChildPath: os.Args[0], ChildEnv: []string{"XPT_SCANNER_CHILD=1"},
		Timeout: 30 * time.Second, Today: func() time.Time { return today },
	}
	if mod != nil {
		mod(&opt)
	}
	s, err := New(opt)
	if err != nil {
		t.Skipf("scanner: %v", err)
	}
	return s
}

type truth struct {
	File  string   `json:"file"`
	Lines []string `json:"lines"`
}

func loadTruth(t *testing.T, path string) map[string][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var tr truth
		json.Unmarshal(sc.Bytes(), &tr)
		m[tr.File] = tr.Lines
	}
	return m
}

func TestPDFAndImagePages(t *testing.T) {
	s := newScanner(t, nil)
	want := loadTruth(t, "testdata/truth.jsonl")
	for name, lines := range want {
		pages, err := s.ScanFile(context.Background(), filepath.Join("testdata", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(pages) != 1 {
			t.Fatalf("%s: %d pages", name, len(pages))
		}
		p := pages[0]
		if !p.Found || strings.Join(p.Lines, "\n") != strings.Join(lines, "\n") {
			t.Errorf("%s: found %v, lines %q, want %q (%s)", name, p.Found, p.Lines, lines, p.Error)
		}
		if p.Page != 1 || p.Text == nil || p.Result == nil || !p.Result.Valid {
			t.Errorf("%s: page %d, text %v, result %+v", name, p.Page, p.Text, p.Result)
		}
	}
	img := "../../mrz/ocr/testdata/pages/TD2-skew-6001.png"
	pages, err := s.ScanFile(context.Background(), img)
	if err != nil || len(pages) != 1 || !pages[0].Found || pages[0].Text != nil {
		t.Fatalf("PNG: %v %+v", err, pages)
	}
}

func TestBadFilesGiveClearErrors(t *testing.T) {
	s := newScanner(t, nil)
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/TD3-clean-7001.pdf")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"truncated.pdf": good[:len(good)/3],
		"garbage.pdf":   append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xff, 0x00, 'x'}, 5000)...),
		"text.png":      []byte("not an image at all"),
		"nopages.pdf":   []byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"),
		"broken.jpg":    {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F'},
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		pages, err := s.ScanFile(context.Background(), p)
		var fe *FileError
		if err == nil {
			// MuPDF repairs what it can: a truncated PDF may still give pages
			if len(pages) == 0 {
				t.Errorf("%s: no pages and no error", name)
			}
			for _, pg := range pages {
				t.Logf("%s: page %d found=%v error=%q", name, pg.Page, pg.Found, pg.Error)
			}
			continue
		}
		if !errors.As(err, &fe) || fe.Err.Error() == "" {
			t.Errorf("%s: %v is not a FileError", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := s.ScanFile(context.Background(), filepath.Join(dir, "missing.pdf")); err == nil {
		t.Error("a missing file gave no error")
	}
}

// A rasteriser or image decoder that hangs is stopped at the timeout; one
// that crashes is reported; this process carries on either way.
func TestChildHangAndCrash(t *testing.T) {
	const png = "../../mrz/ocr/testdata/pages/TD2-skew-6001.png"
	for _, c := range []struct {
		file, script, want string
		timeout            time.Duration
	}{
		{"testdata/TD3-clean-7001.pdf", "sleep 20", "longer than", 700 * time.Millisecond},
		{"testdata/TD3-clean-7001.pdf", "kill -SEGV $$", "segmentation", 20 * time.Second},
		{"testdata/TD3-clean-7001.pdf", "head -c 100 /dev/urandom", "rasteriser failed", 20 * time.Second},
		// Images are decoded in the child too.
		{png, "sleep 20", "Decoding the PNG image took longer than", 700 * time.Millisecond},
		{png, "kill -SEGV $$", "the PNG decoder failed (killed by segmentation fault)", 20 * time.Second},
	} {
		s := newScanner(t, func(o *Options) {
			o.ChildPath, o.ChildArgs, o.ChildEnv, o.Timeout = "/bin/sh", []string{"-c", c.script, "sh"}, nil, c.timeout
		})
		t0 := time.Now()
		_, err := s.ScanFile(context.Background(), c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.script, err, c.want)
		}
		if time.Since(t0) > c.timeout+10*time.Second {
			t.Errorf("%s: took %v", c.script, time.Since(t0))
		}
	}
}

// letterPDF writes a signed pre-approval letter as the central tools
// print it and returns its path and the QR code's text.
func letterPDF(t *testing.T, signer central.Signer) (string, string) {
	t.Helper()
	in := &central.LetterInput{
		Record: wire.AuthzRecord{AuthorizationID: "XPT-2026-0000123", Version: 1, Status: "active", Employer: "Example Robotics Inc.",
			Holder:    wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
			Documents: []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"}},
			ValidFrom: "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{"CA>US"}},
		Today: today,
	}
	l, text, err := central.MakeLetter(signer, in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := central.LetterPDF(&b, in, l, text); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "letter.pdf")
	os.WriteFile(p, b.Bytes(), 0o644)
	return p, text
}

// A printed letter's QR code reads back exactly as signed (the agent
// verifies it: cmd/xpt-kiosk's scan and the kiosk), with its text layer
// and no MRZ.
func TestLetterQRReadExactly(t *testing.T) {
	signer, _ := central.GenerateSigner("central-2026-a", nil)
	s := newScanner(t, nil)
	path, text := letterPDF(t, signer)
	pages, err := s.ScanFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || len(pages[0].QR) != 1 {
		t.Fatalf("pages %+v", pages)
	}
	if pages[0].Found {
		t.Error("an MRZ on a letter")
	}
	if pages[0].Text == nil || !strings.Contains(*pages[0].Text, "Pre-approval") {
		t.Error("text layer not read")
	}
	if got := pages[0].QR[0].Text; got != text {
		t.Errorf("QR read %q, signed %q", got, text)
	}
}

// Every image container decodes in a binary that also links MuPDF (whose
// bundled libjpeg once broke OpenCV's JPEG decoding).
func TestImageContainers(t *testing.T) {
	s := newScanner(t, nil)
	for _, f := range []string{"TD3-clean-5001.jpg", "TD2-skew-6001.png"} {
		pages, err := s.ScanFile(context.Background(), "../../mrz/ocr/testdata/pages/"+f)
		if err != nil || len(pages) != 1 || !pages[0].Found {
			t.Errorf("%s: %v %+v", f, err, pages)
		}
	}
	m := gocv.IMRead("../../mrz/ocr/testdata/pages/TD2-skew-6001.png", gocv.IMReadGrayScale)
	defer m.Close()
	dir := t.TempDir()
	for _, ext := range []string{".bmp", ".tiff"} {
		p := filepath.Join(dir, "page"+ext)
		if ext == ".tiff" {
			img, _ := m.ToImage()
			fh, _ := os.Create(p)
			tiff.Encode(fh, img, nil)
			fh.Close()
		} else if !gocv.IMWrite(p, m) {
			t.Fatalf("cannot write %s", ext)
		}
		pages, err := s.ScanFile(context.Background(), p)
		if err != nil || len(pages) != 1 || !pages[0].Found {
			t.Errorf("%s: %v %+v", ext, err, pages)
		}
	}
}
