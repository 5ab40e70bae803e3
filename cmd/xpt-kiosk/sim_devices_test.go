package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// TestSimMRZReaderCLI runs 'sim mrz-reader' with commands on its standard
// input and reads what it presents with the real driver.
func TestSimMRZReaderCLI(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "mrz")
	docs := filepath.Join(dir, "docs.txt")
	os.WriteFile(docs, []byte("# one specimen\nI<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6\n"), 0o644)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb strings.Builder
	done := make(chan int)
	go func() {
		done <- dispatch([]string{"sim", "mrz-reader", "--profile", "lines", "--link", link, "--docs", docs, "--baud", "0"}, inR, outW, &errb)
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	path, _ := out.ReadString('\n')
	if !strings.HasPrefix(path, "/dev/pts/") {
		t.Fatalf("first line %q, stderr %s", path, errb.String())
	}
	r, err := mrzreader.Open("mrzReader", mrzreader.Config{Config: serialdev.Config{Port: link}, FramerOptions: mrzreader.FramerOptions{Profile: "lines"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for deadline := time.Now().Add(2 * time.Second); r.Health() != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(r.Health())
		}
	}
	io.WriteString(inW, "present +noise\n")
	if reply, _ := out.ReadString('\n'); !strings.HasPrefix(reply, "ok presented the next document (2 lines, lines)") {
		t.Fatalf("reply %q", reply)
	}
	select {
	case ev := <-r.Events():
		d, ok := ev.(drivers.Document)
		if !ok || d.Lines[1] != "D231458907UTO7408122F1204159<<<<<<<6" {
			t.Fatalf("%#v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no document")
	}
	io.WriteString(inW, "present generated\n")
	if reply, _ := out.ReadString('\n'); !strings.HasPrefix(reply, "ok presented a generated document") {
		t.Fatalf("reply %q", reply)
	}
	io.WriteString(inW, "quit\n")
	out.ReadString('\n')
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("simulator did not quit")
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Error("link left behind")
	}
	if !strings.Contains(errb.String(), `[devices.mrzReader] port = "`+link+`"`) {
		t.Errorf("stderr does not show the configuration: %s", errb.String())
	}
}

func TestSimReaderUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sim", "card-reader", "--profile", "wiegand"}, exitFail, "unknown card reader profile"},
		{[]string{"sim", "mrz-reader", "--docs", "/nonexistent"}, exitUsage, "--docs /nonexistent"},
		{[]string{"sim", "mrz-reader", "--faults", "fire"}, exitUsage, "unknown fault"},
	} {
		code, _, errs := devRun(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d %q", c.args, code, errs)
		}
	}
	if code, out, _ := devRun("sim", "card-reader", "--help"); code != exitOK || !strings.Contains(out, "present") || !strings.Contains(out, "-hold") {
		t.Errorf("help: %d %s", code, out)
	}
}

// xpt-kiosk sim printer: the pty path first, commands on standard input,
// a receipt printed by the real driver rendered into --dir.
func TestSimPrinterCLI(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "printer")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb strings.Builder
	done := make(chan int)
	go func() {
		done <- dispatch([]string{"sim", "printer", "--link", link, "--dir", filepath.Join(dir, "receipts")}, inR, outW, &errb)
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	if path, _ := out.ReadString('\n'); !strings.HasPrefix(path, "/dev/pts/") {
		t.Fatalf("first line %q, stderr %s", path, errb.String())
	}
	p, err := printer.Open("printer", printer.Config{Config: serialdev.Config{Port: link}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for deadline := time.Now().Add(3 * time.Second); p.Health() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(p.Health())
		}
	}
	p.Print(drivers.Receipt{ID: "t1", Code: "ABC-123", Lines: []drivers.ReceiptLine{{Text: "ADMITTED"}}})
	for ev := range p.Events() {
		if pr, ok := ev.(drivers.Printed); ok {
			if pr.Err != nil {
				t.Fatal(pr.Err)
			}
			break
		}
	}
	io.WriteString(inW, "last\n")
	if reply, _ := out.ReadString('\n'); !strings.Contains(reply, "ADMITTED | [QR ABC-123]") {
		t.Fatalf("reply %q", reply)
	}
	if _, err := os.Stat(filepath.Join(dir, "receipts", "last.png")); err != nil {
		t.Fatal(err)
	}
	io.WriteString(inW, "paper out\n")
	if reply, _ := out.ReadString('\n'); !strings.Contains(reply, "out of paper") {
		t.Fatalf("reply %q", reply)
	}
	io.WriteString(inW, "quit\n")
	out.ReadString('\n')
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("simulator did not quit")
	}
}
