package sim_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// The simulated printer answers DLE EOT from the state its commands set,
// renders a cut receipt (image and text, in Dir), and loses what it is sent
// while it cannot print.
func TestPrinterSimulator(t *testing.T) {
	dir := t.TempDir()
	host, dev := net.Pipe()
	p, err := sim.NewPrinter(sim.PrinterOptions{Conn: dev, Dir: dir, Keep: 2, PaperWidth: 58})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	defer host.Close()
	ask := func(n byte) byte {
		t.Helper()
		host.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := host.Write([]byte{printer.DLE, printer.EOT, n}); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(host, b); err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	status := func() printer.Status {
		var st printer.Status
		for _, n := range []byte{1, 2, 4} {
			st.Set(n, ask(n))
		}
		return st
	}
	for _, c := range []struct {
		cmd  string
		code drivers.Code
	}{
		{"paper out", drivers.CodePaperOut}, {"paper ok", ""}, {"paper low", drivers.CodePaperNearEnd},
		{"cover open", drivers.CodeCoverOpen}, {"cover closed", drivers.CodePaperNearEnd}, {"offline", drivers.CodeOffline},
		{"online", drivers.CodePaperNearEnd}, {"ok", ""},
	} {
		if _, err := p.Exec(c.cmd); err != nil {
			t.Fatal(err)
		}
		if got := status().Code(); got != c.code {
			t.Errorf("%s: status says %q, want %q", c.cmd, got, c.code)
		}
	}
	receipt := drivers.Receipt{Code: "ABC-123", Lines: []drivers.ReceiptLine{{Text: "ADMIS", Double: true}, {Text: "Référence : ABC-123"}}}
	send := func() {
		host.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := host.Write(printer.Encode(receipt, printer.Layout{Columns: 32})); err != nil {
			t.Fatal(err)
		}
		ask(1) // answered once what came before is printed
	}
	p.Exec("paper out")
	send()
	if printed, lost := p.Counts(); printed != 0 || lost != 1 {
		t.Fatalf("out of paper: %d printed, %d lost", printed, lost)
	}
	p.Exec("ok")
	for range 3 {
		send()
	}
	r, ok := p.Last()
	if !ok || r.N != 3 || !strings.Contains(r.Text, "Référence : ABC-123") || !bytes.HasPrefix(r.PNG, []byte("\x89PNG")) {
		t.Fatalf("%+v", r)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "receipt-*.png"))
	if len(files) != 2 {
		t.Fatalf("kept %v, want the last 2", files)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "last.txt")); string(b) != r.Text {
		t.Fatalf("last.txt %q", b)
	}
	if _, err := p.Exec("paper purple"); err == nil {
		t.Fatal("a bad command accepted")
	}
}
