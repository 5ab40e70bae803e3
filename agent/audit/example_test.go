package audit_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
)

func Example() {
	dir, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.log")
	l, _ := audit.Open(path)
	score, threshold := 0.31, 0.42
	l.Append(audit.Entry{Kind: "transaction", TransactionID: "tx-1", Outcome: "referred", Reasons: []string{"FACE_MISMATCH"},
		Checks: []audit.Check{{Name: "face.verify", Result: "failed", Score: &score, Threshold: &threshold}}})
	l.Close()

	f, _ := os.Open(path)
	defer f.Close()
	res, err := audit.Verify(f)
	fmt.Println(res.Entries, err)
	// Output: 1 <nil>
}
