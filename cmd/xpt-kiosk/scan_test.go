package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
