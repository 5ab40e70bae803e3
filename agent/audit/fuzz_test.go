package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// FuzzVerify feeds the audit log reader arbitrary files: Verify and Scan must
// not panic, must agree, and an intact verdict must mean what it says (one
// more correctly chained record keeps the file intact). Seeds are real logs
// written by Log; the corpus is in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	raw, err := os.ReadFile(writeLog(f, 3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(bytes.Replace(raw, []byte(`"n":2`), []byte(`"n":3`), 1))
	f.Add([]byte{})
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		res, err := Verify(bytes.NewReader(file))
		switch {
		case err == nil && !res.Intact():
			t.Fatalf("no error but not intact: %+v", res)
		case errors.Is(err, ErrTampered) && (res.Intact() || res.Reason == ""):
			t.Fatalf("tampered without a bad line and reason: %+v", res)
		case err != nil && !errors.Is(err, ErrTampered):
			t.Fatalf("reading from memory failed: %v", err)
		}
		records := 0
		if err := Scan(bytes.NewReader(file), func(_ int, _ Record, perr error) bool {
			if perr == nil {
				records++
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if res.Entries > records {
			t.Fatalf("Verify counted %d entries, Scan parsed %d records", res.Entries, records)
		}
		if err != nil || (len(file) > 0 && file[len(file)-1] != '\n') {
			return
		}
		// An intact log stays intact with one more correctly chained record.
		entry := []byte(`{"at":"2026-12-06T00:00:00.000Z","kind":"device.fault"}`)
		n := uint64(res.Entries) + 1
		line, _ := json.Marshal(Record{N: n, Prev: res.Head, Hash: chainHash(res.Head, n, entry), Entry: entry})
		more := append(append(append([]byte{}, file...), line...), '\n')
		res2, err := Verify(bytes.NewReader(more))
		if err != nil || res2.Entries != res.Entries+1 {
			t.Fatalf("intact log (%+v) plus a chained record: %+v %v", res, res2, err)
		}
	})
}
