package printer_test

import (
	"bytes"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"go.uber.org/goleak"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// next waits for the next event of type E, skipping others.
func next[E drivers.Event](t *testing.T, p *printer.Printer, within time.Duration) E {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-p.Events():
			if !ok {
				t.Fatal("events closed")
			}
			if e, ok := ev.(E); ok {
				return e
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T within %s", zero, within)
		}
	}
}

func openOnPTY(t *testing.T, s *sim.Printer, o printer.Options) *printer.Printer {
	t.Helper()
	cfg := printer.Config{Config: serialdev.Config{Port: s.Path(), Baud: 115200}}
	cfg.Defaults()
	if o.StatusInterval == 0 {
		o.StatusInterval = 100 * time.Millisecond
	}
	o.Where, o.Layout, o.MaxBackoff = cfg.Where(), cfg.Layout(), 200*time.Millisecond
	p := printer.New("printer", serialdev.OpenerFor(cfg.Config), o)
	t.Cleanup(func() { p.Close() })
	return p
}

func waitHealthy(t *testing.T, p *printer.Printer) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); p.Health() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not healthy: %v", p.Health())
		}
	}
}

// Over a real pseudo-terminal through go.bug.st/serial: a receipt prints,
// and the simulator renders it: its text, and a PNG whose QR code decodes
// to the receipt's code.
func TestPrintOverPTY(t *testing.T) {
	dir := t.TempDir()
	s, err := sim.NewPrinter(sim.PrinterOptions{Dir: dir, Link: filepath.Join(dir, "printer.tty")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := openOnPTY(t, s, printer.Options{})
	waitHealthy(t, p)
	if err := p.Print(sample); err != nil {
		t.Fatal(err)
	}
	if ev := next[drivers.Printed](t, p, 5*time.Second); ev.Err != nil || ev.ID != "tx-1" {
		t.Fatalf("%+v", ev)
	}
	var r sim.Receipt
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var ok bool
		if r, ok = s.Last(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the simulator rendered nothing")
		}
	}
	if !strings.Contains(r.Text, "VEUILLEZ VOUS PRÉSENTER À UN AGENT") || !strings.Contains(r.Text, "[QR K7Q-4MZ]") {
		t.Fatalf("%q", r.Text)
	}
	if got := decodeQR(t, r.PNG); got != "K7Q-4MZ" {
		t.Fatalf("QR says %q", got)
	}
	for _, f := range []string{"last.png", "last.txt", "receipt-0001.png", "receipt-0001.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if st := p.Stats(); st.Printed != 1 || st.Failed != 0 {
		t.Fatalf("%+v", st)
	}
}

func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code in the receipt image: %v", err)
	}
	return res.GetText()
}

// Paper out, cover open and off line are typed faults found by the status
// poll before any receipt; a receipt asked for meanwhile is not printed
// (Printed with the fault) and the caller is never held up; the printer
// recovers when the paper is back.
func TestFaultsFromStatus(t *testing.T) {
	s, err := sim.NewPrinter(sim.PrinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := openOnPTY(t, s, printer.Options{})
	waitHealthy(t, p)
	for _, c := range []struct {
		cmd  string
		code drivers.Code
	}{{"paper out", drivers.CodePaperOut}, {"cover open", drivers.CodeCoverOpen}, {"offline", drivers.CodeOffline}} {
		if _, err := s.Exec(c.cmd); err != nil {
			t.Fatal(err)
		}
		if f := next[drivers.Fault](t, p, 2*time.Second); f.Err.Code() != c.code {
			t.Fatalf("%s: fault %v", c.cmd, f.Err)
		}
		if h := p.Health(); h == nil || h.Code() != c.code {
			t.Fatalf("%s: health %v", c.cmd, h)
		}
		start := time.Now()
		if err := p.Print(sample); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Fatalf("Print took %s", d)
		}
		if ev := next[drivers.Printed](t, p, 3*time.Second); ev.Err == nil || ev.Err.Code() != c.code {
			t.Fatalf("%s: printed %+v", c.cmd, ev)
		}
		if _, err := s.Exec("ok"); err != nil {
			t.Fatal(err)
		}
		if r := next[drivers.Recovered](t, p, 2*time.Second); r.After != c.code {
			t.Fatalf("%s: recovered %+v", c.cmd, r)
		}
	}
	if n, _ := s.Counts(); n != 0 {
		t.Fatalf("%d receipts printed while faulty", n)
	}
	// Paper near end: a fault to report, but receipts still print.
	s.Exec("paper low")
	if f := next[drivers.Fault](t, p, 2*time.Second); f.Err.Code() != drivers.CodePaperNearEnd {
		t.Fatalf("%v", f.Err)
	}
	if p.Health() != nil {
		t.Fatalf("near end: health %v", p.Health())
	}
	p.Print(sample)
	if ev := next[drivers.Printed](t, p, 3*time.Second); ev.Err != nil {
		t.Fatalf("near end: %+v", ev)
	}
}

// Unplugged: a fault (disconnected); receipts fail at once instead of
// waiting; plugged back: recovered, and printing again.
func TestUnplugAndReplug(t *testing.T) {
	dir := t.TempDir()
	s, err := sim.NewPrinter(sim.PrinterOptions{Link: filepath.Join(dir, "printer.tty")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := openOnPTY(t, s, printer.Options{})
	waitHealthy(t, p)
	s.Disconnect()
	f := next[drivers.Fault](t, p, 2*time.Second)
	if c := f.Err.Code(); c != drivers.CodeDisconnected && c != drivers.CodeNotFound && c != drivers.CodeTimeout {
		t.Fatalf("%v", f.Err)
	}
	p.Print(sample)
	if ev := next[drivers.Printed](t, p, 2*time.Second); ev.Err == nil {
		t.Fatalf("printed while unplugged: %+v", ev)
	}
	if err := s.Reconnect(); err != nil {
		t.Fatal(err)
	}
	next[drivers.Recovered](t, p, 3*time.Second)
	p.Print(sample)
	if ev := next[drivers.Printed](t, p, 3*time.Second); ev.Err != nil {
		t.Fatalf("%+v", ev)
	}
}

// A printer that never answers (off, wrong baud rate) is a timeout fault,
// and a receipt for it fails within its timeout; a full queue refuses at
// once. In memory: a pipe whose other end reads and says nothing.
func TestSilentPrinterAndFullQueue(t *testing.T) {
	open := func() (serialdev.Transport, error) {
		a, b := pipe()
		go func() {
			buf := make([]byte, 1024)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		return a, nil
	}
	p := printer.New("printer", open, printer.Options{StatusTimeout: 50 * time.Millisecond, StatusInterval: time.Hour,
		Timeout: time.Second, Queue: 2, Logger: slog.New(slog.DiscardHandler)})
	defer p.Close()
	if f := next[drivers.Fault](t, p, 2*time.Second); f.Err.Code() != drivers.CodeTimeout {
		t.Fatalf("%v", f.Err)
	}
	var refused int
	for range 10 {
		if err := p.Print(sample); drivers.CodeOf(err) == drivers.CodeBusy {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("a queue of 2 took 10 receipts")
	}
	if ev := next[drivers.Printed](t, p, 3*time.Second); ev.Err == nil || ev.Err.Code() != drivers.CodeTimeout {
		t.Fatalf("%+v", ev)
	}
}

func TestConfig(t *testing.T) {
	c := printer.Config{Config: serialdev.Config{Port: "/dev/ttyUSB2"}}
	c.Defaults()
	if err := c.Validate("devices.printer"); err != nil {
		t.Fatal(err)
	}
	if c.Profile != "escpos" || c.PaperWidth != 80 || c.Timeout != 10*time.Second || c.Layout().Columns != 48 {
		t.Fatalf("%+v", c)
	}
	bad := printer.Config{Profile: "star", PaperWidth: 76, Timeout: time.Hour, Queue: 100, StatusInterval: time.Millisecond}
	err := bad.Validate("devices.printer")
	for _, k := range []string{"devices.printer.port", "devices.printer.profile", "devices.printer.paperWidth", "devices.printer.timeout",
		"devices.printer.queue", "devices.printer.statusInterval"} {
		if err == nil || !strings.Contains(err.Error(), k+":") {
			t.Errorf("%v lacks %s", err, k)
		}
	}
}
