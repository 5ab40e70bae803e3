package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
)

func TestAuditVerifyAndShow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s, th := 0.31, 0.42
	for i := 0; i < 3; i++ {
		l.Append(audit.Entry{Kind: "transaction", TransactionID: "tx-1", Outcome: "referred", Reasons: []string{"FACE_MISMATCH"},
			Checks: []audit.Check{{Name: "face.verify", Result: "failed", Score: &s, Threshold: &th}}, TimingsMs: map[string]int64{"face": 3300}})
	}
	l.Close()
	var out, errb bytes.Buffer
	if code := dispatch([]string{"audit", "verify", path}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "intact: 3 entries") {
		t.Fatalf("verify: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := dispatch([]string{"audit", "show", path}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "face.verify:failed(0.310/0.420)") {
		t.Fatalf("show: %d %q", code, out.String())
	}
	out.Reset()
	if code := dispatch([]string{"audit", "show", "--json", path}, nil, &out, &errb); code != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("show --json: %d %q", code, out.String())
	}
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(raw, []byte("0.31"), []byte("0.99"), 1), 0o600)
	out.Reset()
	if code := dispatch([]string{"audit", "verify", path}, nil, &out, &errb); code != exitFail || !strings.Contains(out.String(), "line 1 (entry 1)") {
		t.Fatalf("tampered: %d %q", code, out.String())
	}
}
