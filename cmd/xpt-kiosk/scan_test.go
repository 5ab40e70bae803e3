package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

const scanTestPage = "../../mrz/ocr/testdata/pages/TD2-skew-6001.png"

func runCmd(f func([]string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := f(args, &out, &errb)
	return rc, out.String(), errb.String()
}

func mrzRead(args []string, out, errb *bytes.Buffer) int { return runMrzRead(args, nil, out, errb) }
func scan(args []string, out, errb *bytes.Buffer) int    { return runScan(args, nil, out, errb) }

func TestMrzReadJSONContract(t *testing.T) {
	if _, err := os.Stat("/usr/share/fonts/opentype/ocr-b/OCRB.otf"); err != nil {
		t.Skip("fonts-ocr-b not installed")
	}
	rc, out, errs := runCmd(mrzRead, "--json", "--today", "2026-11-26", scanTestPage)
	if rc != exitOK {
		t.Fatalf("exit %d: %s", rc, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"file", "page", "found", "lines", "result", "elapsedMs"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	for _, k := range []string{"text", "qr"} {
		if _, ok := m[k]; ok {
			t.Errorf("mrz read prints %q", k)
		}
	}
	var r struct {
		File   string   `json:"file"`
		Page   int      `json:"page"`
		Found  bool     `json:"found"`
		Lines  []string `json:"lines"`
		Result struct {
			Format string `json:"format"`
			Valid  bool   `json:"valid"`
		} `json:"result"`
	}
	json.Unmarshal([]byte(lines[0]), &r)
	if r.File != scanTestPage || r.Page != 1 || !r.Found || len(r.Lines) != 2 || r.Result.Format != "TD2" || !r.Result.Valid {
		t.Errorf("%+v", r)
	}

	rc, out, _ = runCmd(mrzRead, scanTestPage)
	if rc != exitOK || !strings.Contains(out, "TD2 MRZ, valid") {
		t.Errorf("summary (exit %d):\n%s", rc, out)
	}
}

func TestScanJSONHasTextAndQR(t *testing.T) {
	if _, err := os.Stat("/usr/share/fonts/opentype/ocr-b/OCRB.otf"); err != nil {
		t.Skip("fonts-ocr-b not installed")
	}
	rc, out, errs := runCmd(scan, "--json", scanTestPage)
	if rc != exitOK {
		t.Fatalf("exit %d: %s", rc, errs)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if string(m["qr"]) != "[]" || string(m["text"]) != `""` || string(m["found"]) != "true" {
		t.Errorf("%s", out)
	}
}

func TestScanErrorsReadable(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.png")
	os.WriteFile(junk, []byte("this is not a picture"), 0o644)
	badTrust := filepath.Join(dir, "trust.txt")
	os.WriteFile(badTrust, []byte("central-2026-a not-base64!\n"), 0o644)
	for _, c := range []struct {
		f    func([]string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		rc   int
		want string
	}{
		{scan, nil, exitUsage, "no files given"},
		{mrzRead, []string{"--dpi", "5", junk}, exitUsage, "--dpi 5 is out of range"},
		{scan, []string{"--trust", badTrust, junk}, exitUsage, "cannot use the trusted keys"},
		{scan, []string{"--trust", filepath.Join(dir, "none"), junk}, exitUsage, "no such file"},
		{mrzRead, []string{"--json", junk}, exitFail, "not an image"},
		{scan, []string{filepath.Join(dir, "missing.pdf")}, exitFail, "no such file"},
		{mrzRead, []string{"--help"}, exitOK, ""},
		{scan, []string{"--no-such-flag"}, exitUsage, "flag provided but not defined"},
	} {
		rc, out, errs := runCmd(c.f, c.args...)
		if rc != c.rc || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %d, %q)", c.args, rc, errs, c.rc, c.want)
		}
		if len(c.args) > 0 && c.args[0] == "--json" {
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["error"] == nil || m["found"] != false {
				t.Errorf("%v: want a JSON line with the error, got %q", c.args, out)
			}
		}
	}
}

// `scan --trust` verifies a printed letter's QR code as the kiosk does: a
// genuine one VERIFIED with its fields, one signed by an untrusted key
// under a trusted key ID and one altered after signing NOT verified, and
// without --trust none is verified.
func TestScanVerifiesLetters(t *testing.T) {
	// Fixed keys: the QR codes are then the same in every run (a code
	// from a random key is now and then one gozxing does not decode).
	signer, _ := central.GenerateSigner("central-2026-a", bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	other, _ := central.GenerateSigner("central-2026-a", bytes.NewReader(bytes.Repeat([]byte{2}, 32)))
	dir := t.TempDir()
	trust := filepath.Join(dir, "central-2026-a.pub")
	os.WriteFile(trust, []byte(signer.PublicBase64()+"\n"), 0o644)
	in := &central.LetterInput{
		Record: wire.AuthzRecord{AuthorizationID: "XPT-2026-0000123", Version: 1, Status: "active", Employer: "Example Robotics Inc.",
			Holder:    wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
			Documents: []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"}},
			ValidFrom: "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{"CA>US"}},
		Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
	}
	letter := func(name string, s central.Signer, tamper func(string) string) string {
		l, text, err := central.MakeLetter(s, in)
		if err != nil {
			t.Fatal(err)
		}
		if tamper != nil {
			text = tamper(text)
		}
		var b bytes.Buffer
		if err := central.LetterPDF(&b, in, l, text); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	genuine := letter("genuine.pdf", signer, nil)
	forged := letter("forged.pdf", other, nil)
	altered := letter("altered.pdf", signer, func(s string) string {
		parts := strings.Split(strings.TrimPrefix(s, "XPT1."), ".")
		p, _ := base64.RawURLEncoding.DecodeString(parts[0])
		p = bytes.Replace(p, []byte("L898902C3"), []byte("X898902C3"), 1)
		return "XPT1." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[1]
	})
	qr := func(args ...string) scanQR {
		t.Helper()
		rc, out, errs := runCmd(scan, append([]string{"--json", "--today", "2026-11-26"}, args...)...)
		if rc != exitOK {
			t.Skipf("scan: exit %d: %s", rc, errs)
		}
		var p struct {
			QR []scanQR `json:"qr"`
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.QR) != 1 {
			t.Fatalf("%v: %s", err, out)
		}
		return p.QR[0]
	}
	if q := qr("--trust", trust, genuine); !q.Verified || q.Letter == nil || q.Letter.Document.Number != "L898902C3" || q.Error != "" {
		t.Errorf("genuine letter: %+v", q)
	}
	if q := qr("--trust", trust, forged); q.Verified || !strings.Contains(q.Error, "signature") {
		t.Errorf("forged letter: %+v", q)
	}
	if q := qr("--trust", trust, altered); q.Verified || q.Error == "" {
		t.Errorf("altered letter: %+v", q)
	}
	if q := qr(genuine); q.Verified || !strings.Contains(q.Error, "no trusted central keys") {
		t.Errorf("without --trust: %+v", q)
	}
	_, out, _ := runCmd(scan, "--trust", trust, "--today", "2026-11-26", genuine)
	if !strings.Contains(out, "QR: pre-approval letter XPT-2026-0000123 for CAN L898902C3, VERIFIED") {
		t.Errorf("summary:\n%s", out)
	}
}
