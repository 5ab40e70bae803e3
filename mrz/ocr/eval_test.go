package ocr

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// TestEvalDir measures the reader on a directory of pages with a
// truth.jsonl (as imaging/cmd/gendocs writes):
//
//	OCR_DIR=var/bench-docs [OCR_V=1] go test -run TestEvalDir -v ./mrz/ocr
func TestEvalDir(t *testing.T) {
	dir := os.Getenv("OCR_DIR")
	if dir == "" {
		t.Skip()
	}
	r, err := NewReader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(dir, "truth.jsonl"))
	sc := bufio.NewScanner(f)
	ok, n := 0, 0
	var total time.Duration
	for sc.Scan() {
		var tr struct {
			File  string
			Lines []string
		}
		json.Unmarshal(sc.Bytes(), &tr)
		if strings.HasSuffix(tr.File, ".pdf") {
			continue
		}
		t0 := time.Now()
		m := gocv.IMRead(filepath.Join(dir, tr.File), gocv.IMReadGrayScale)
		z, err := r.Read(m)
		el := time.Since(t0)
		total += el
		m.Close()
		n++
		if err != nil {
			t.Logf("%s: %v", tr.File, err)
			continue
		}
		good := strings.Join(z.Lines, "\n") == strings.Join(tr.Lines, "\n")
		if good {
			ok++
		}
		t.Logf("%-28s ok=%v found=%v fmt=%s rot=%d fail=%d conf=%.2f %v", tr.File, good, z.Found, z.Format, z.Rotation, z.ChecksFailed, z.Confidence, el.Round(time.Millisecond))
		if !good && os.Getenv("OCR_V") != "" {
			for i := range tr.Lines {
				t.Logf("  want %s", tr.Lines[i])
				if i < len(z.Raw) {
					t.Logf("  raw  %s", z.Raw[i])
					t.Logf("  got  %s", z.Lines[i])
				}
			}
		}
	}
	t.Logf("%d/%d, %v/page", ok, n, total/time.Duration(max(n, 1)))
}
