package kiosk

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// memPrinter is an in-memory receipt printer: it keeps what it is asked to
// print, answers with the result set, or blocks for ever when asked to.
type memPrinter struct {
	reader
	mu       sync.Mutex
	receipts []drivers.Receipt
	fail     *drivers.Error // Printed with this error
	block    chan struct{}  // Print blocks until closed
}

func newMemPrinter() *memPrinter { return &memPrinter{reader: *newReader("printer")} }

func (p *memPrinter) Print(r drivers.Receipt) error {
	if p.block != nil {
		<-p.block
	}
	p.mu.Lock()
	p.receipts = append(p.receipts, r)
	fail := p.fail
	p.mu.Unlock()
	go p.send(drivers.Printed{Device: "printer", ID: r.ID, Err: fail, At: time.Now()})
	return nil
}

func (p *memPrinter) printedReceipts() []drivers.Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]drivers.Receipt(nil), p.receipts...)
}

func (r *rig) waitReceipts(want func(*view.Receipts) bool) *view.Receipts {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rc := r.k.Technician().Receipts
		if rc != nil && want(rc) {
			return rc
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("receipts %+v", rc)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func receiptText(rc drivers.Receipt) string {
	var b strings.Builder
	for _, l := range rc.Lines {
		b.WriteString(l.Text + "\n")
	}
	return b.String() + rc.Code
}

// Admitted and referred travelers get a receipt in their language with
// the outcome, the kiosk, the port and the reference (text and code); no
// name, document number or birth date, no reason. An aborted session gets
// none.
func TestReceiptForEachOutcome(t *testing.T) {
	pr := newMemPrinter()
	r := newRigPrinter(t, Policy{}, nil, pr, record("XPT-2026-0000123", "L898902C3", nil),
		record("XPT-2026-0000124", "L898902C4", func(a *wire.AuthzRecord) { a.Status = wire.StatusSuspended }))
	if err := r.k.Start("fr"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	admitted := r.lastTx()
	r.waitReceipts(func(rc *view.Receipts) bool { return rc.Printed == 1 })
	_ = r.k.Finish()
	r.waitScreen(view.ScreenWelcome)
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C4")})
	r.waitScreen(view.ScreenReferred)
	referred := r.lastTx()
	rc := r.waitReceipts(func(rc *view.Receipts) bool { return rc.Printed == 2 })
	if rc.Last == nil || rc.Last.TransactionID != referred.ID || rc.Last.Result != "printed" || rc.Last.Outcome != wire.OutcomeReferred {
		t.Fatalf("last receipt %+v", rc.Last)
	}
	got := pr.printedReceipts()
	if len(got) != 2 {
		t.Fatalf("%d receipts", len(got))
	}
	for i, c := range []struct {
		tx    *wire.Transaction
		words []string
	}{
		{admitted, []string{"ADMIS", "Vous pouvez continuer.", "Référence\u00a0: " + admitted.Reference, "Kiosque\u00a0: yyz-t1-k07 (YYZ)", "Heure\u00a0: "}},
		{referred, []string{"SEE AN OFFICER", "Reference: " + referred.Reference, "Kiosk: yyz-t1-k07 (YYZ)", "Show this receipt to the officer."}},
	} {
		text := receiptText(got[i])
		if got[i].Code != c.tx.Reference || got[i].ID != c.tx.ID {
			t.Errorf("receipt %d: code %q id %q, want %q %q", i, got[i].Code, got[i].ID, c.tx.Reference, c.tx.ID)
		}
		for _, w := range c.words {
			if !strings.Contains(text, w) {
				t.Errorf("receipt %d lacks %q:\n%s", i, w, text)
			}
		}
		for _, personal := range []string{"ERIKSSON", "ANNA", "L898902C", "1974", "740812", "CAN<", wire.ReasonAuthSuspended} {
			if strings.Contains(text, personal) {
				t.Errorf("receipt %d shows %q:\n%s", i, personal, text)
			}
		}
	}
	// Counters in the technician's words.
	tech := r.k.Technician()
	if tech.Counters["receipts_printed"] != 2 || !slices.ContainsFunc(tech.Devices, func(d view.Device) bool { return d.Name == "printer" && d.State == "ok" }) {
		t.Fatalf("%+v %+v", tech.Counters, tech.Devices)
	}
	// Abandoned: no receipt.
	r.advance(6 * time.Second)
	r.waitScreen(view.ScreenWelcome)
	_ = r.k.Start("en")
	r.waitScreen(view.ScreenDocument)
	_ = r.k.Cancel()
	r.waitScreen(view.ScreenAborted, view.ScreenWelcome)
	time.Sleep(100 * time.Millisecond)
	if n := len(pr.printedReceipts()); n != 2 {
		t.Fatalf("%d receipts after an abandoned session", n)
	}
}

// A printer fault never refers a traveler, degrades or closes the kiosk:
// out of paper in the middle of a session, the traveler is admitted; the
// fault is on the technician console (and reported), and the receipt that
// could not print counts as failed.
func TestPrinterFaultNeverBlocksACrossing(t *testing.T) {
	pr := newMemPrinter()
	pr.fail = &drivers.Error{Kind: drivers.CodePaperOut, Device: "printer", Err: errorString("out of paper")}
	r := newRigPrinter(t, Policy{}, nil, pr, record("XPT-2026-0000123", "L898902C3", nil))
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	pr.send(drivers.Fault{Device: "printer", Err: pr.fail})
	r.waitDevice("printer", "fault")
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	if tx := r.lastTx(); tx.Outcome != wire.OutcomeAdmitted || len(tx.Reasons) != 0 {
		t.Fatalf("%+v", tx)
	}
	rc := r.waitReceipts(func(rc *view.Receipts) bool { return rc.Failed == 1 })
	if rc.Last.Result != "paper_out" {
		t.Fatalf("%+v", rc.Last)
	}
	tech := r.k.Technician()
	if tech.State != wire.StateOnline {
		t.Fatalf("kiosk %s %v", tech.State, tech.Reasons)
	}
	i := slices.IndexFunc(tech.Devices, func(d view.Device) bool { return d.Name == "printer" })
	if i < 0 || tech.Devices[i].State != "fault" || tech.Devices[i].Code != "paper_out" {
		t.Fatalf("%+v", tech.Devices)
	}
	found := false
	for _, ev := range r.events() {
		found = found || (ev.Type == wire.EventDeviceFault && ev.Device != nil && ev.Device.Device == "printer" && ev.Device.Code == "paper_out")
	}
	if !found {
		t.Fatal("no device.fault event for the printer")
	}
}

// A printer that hangs in Print does not keep the outcome off the screen.
func TestHungPrinterDoesNotHoldTheOutcome(t *testing.T) {
	pr := newMemPrinter()
	pr.block = make(chan struct{})
	defer close(pr.block)
	r := newRigPrinter(t, Policy{}, nil, pr, record("XPT-2026-0000123", "L898902C3", nil))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
}

type errorString string

func (e errorString) Error() string { return string(e) }
