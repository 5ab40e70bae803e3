package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func f(v float64) *float64 { return &v }

func sampleEvent(i int) *wire.Event {
	return &wire.Event{EventID: wire.NewID(time.Now()), Seq: uint64(i), Type: wire.EventTransactionCompleted, At: wire.FormatTime(time.Now()),
		Transaction: &wire.Transaction{ID: "tx-" + string(rune('a'+i)), Outcome: wire.OutcomeReferred, Reasons: []string{wire.ReasonFaceMismatch},
			Document:  &wire.Document{IssuingState: "CAN", Number: "L898902C3"},
			Holder:    &wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12"},
			Card:      &wire.Card{Tag: "0A1B2C3D4F"},
			Checks:    []wire.Check{{Name: "face.verify", Result: wire.CheckFailed, Score: f(0.31), Threshold: f(0.42), Detail: "ERIKSSON"}},
			TimingsMs: map[string]int64{"document": 840, "face": 3300}}}
}

func writeLog(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, _, err := l.Append(FromEvent(sampleEvent(i))); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	return path
}

func TestNoPersonalData(t *testing.T) {
	raw, _ := os.ReadFile(writeLog(t, 3))
	for _, s := range []string{"L898902C3", "ERIKSSON", "ANNA", "1974-08-12", "0A1B2C3D4F"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("audit log holds %q", s)
		}
	}
	for _, s := range []string{"tx-b", "FACE_MISMATCH", `"score":0.31`, `"threshold":0.42`, `"face":3300`} {
		if !bytes.Contains(raw, []byte(s)) {
			t.Fatalf("audit log lacks %q", s)
		}
	}
}

func TestVerifyAndTamper(t *testing.T) {
	path := writeLog(t, 5)
	raw, _ := os.ReadFile(path)
	res, err := Verify(bytes.NewReader(raw))
	if err != nil || res.Entries != 5 {
		t.Fatalf("intact log: %+v %v", res, err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	cases := map[string]struct {
		mod     func([]string) []string
		badLine int
	}{
		"changed score": {func(l []string) []string { l[2] = strings.Replace(l[2], "0.31", "0.91", 1); return l }, 3},
		"removed entry": {func(l []string) []string { return append(l[:1:1], l[2:]...) }, 2},
		"swapped":       {func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }, 2},
		"garbage":       {func(l []string) []string { l[3] = "hello\n"; return l }, 4},
	}
	for name, c := range cases {
		mod := c.mod(append([]string(nil), lines...))
		res, err := Verify(strings.NewReader(strings.Join(mod, "")))
		if err != ErrTampered || res.BadLine != c.badLine {
			t.Errorf("%s: %+v %v, want bad line %d", name, res, err, c.badLine)
		}
	}
}

func TestReopenContinuesChainAndDropsTornLine(t *testing.T) {
	path := writeLog(t, 3)
	fh, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	fh.WriteString(`{"n":4,"prev":"ab`) // power cut mid-line
	fh.Close()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, err := l.Append(Entry{Kind: "device.fault", Errors: []string{"camera:timeout"}}); err != nil || n != 4 {
		t.Fatalf("n %d err %v", n, err)
	}
	l.Close()
	fh, _ = os.Open(path)
	defer fh.Close()
	if res, err := Verify(fh); err != nil || res.Entries != 4 {
		t.Fatalf("%+v %v", res, err)
	}
}

// A damaged line in the middle is evidence: Open keeps it and every record
// after it (it used to cut the file there), continues the chain, and
// Verify points at it.
func TestDamagedLineIsKept(t *testing.T) {
	path := writeLog(t, 5)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	lines[1] = "{\"n\":2,\"prev\":\"garbage after a bit flip\n"
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600)
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Damaged() != 1 {
		t.Errorf("Damaged() = %d, want 1", l.Damaged())
	}
	if n, _, err := l.Append(Entry{Kind: "device.fault", Errors: []string{"camera:timeout"}}); err != nil || n != 6 {
		t.Fatalf("n %d err %v", n, err)
	}
	l.Close()
	after, _ := os.ReadFile(path)
	if got := strings.Count(string(after), "\n"); got != 6 {
		t.Fatalf("%d lines after reopening, want the 5 there were and the new one:\n%s", got, after)
	}
	if !strings.HasPrefix(string(after), strings.Join(lines, "")) {
		t.Error("the lines that were there changed")
	}
	fh, _ := os.Open(path)
	defer fh.Close()
	if res, err := Verify(fh); err == nil || res.Intact() || res.BadLine != 2 {
		t.Errorf("Verify = %+v, %v: want the break at line 2", res, err)
	}
}
