package printer_test

import (
	"flag"
	"os"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bin")

// The receipts the kiosk prints (agent/kiosk/receipt.go makes them; these
// are copies of its admitted and referred receipts, both languages), as
// bytes: the fuzz seeds. go test -run TestWriteTestdata -update rewrites them.
func TestWriteTestdata(t *testing.T) {
	if !*update {
		t.Skip("-update rewrites testdata")
	}
	admittedEN := drivers.Receipt{ID: "tx-admitted-en", Code: "K7Q-4MZ", Lines: []drivers.ReceiptLine{
		{Text: "XPT", Align: drivers.AlignCenter, Bold: true, Double: true},
		{Text: "Border kiosk", Align: drivers.AlignCenter},
		{Text: ""},
		{Text: "ADMITTED", Align: drivers.AlignCenter, Bold: true, Double: true},
		{Text: "You may proceed.", Align: drivers.AlignCenter},
		{Text: ""},
		{Text: "Reference: K7Q-4MZ", Bold: true},
		{Text: "Kiosk: demo-yyz-k01 (YYZ)"},
		{Text: "Time: 2026-12-07 09:41 EST"},
		{Text: ""},
		{Text: "Keep this receipt.", Align: drivers.AlignCenter},
	}}
	referredFR := drivers.Receipt{ID: "tx-referred-fr", Code: "P3D-9XA", Lines: []drivers.ReceiptLine{
		{Text: "XPT", Align: drivers.AlignCenter, Bold: true, Double: true},
		{Text: "Kiosque frontalier", Align: drivers.AlignCenter},
		{Text: ""},
		{Text: "VOIR UN AGENT", Align: drivers.AlignCenter, Bold: true, Double: true},
		{Text: "Veuillez vous présenter à un agent.", Align: drivers.AlignCenter},
		{Text: ""},
		{Text: "Référence : P3D-9XA", Bold: true},
		{Text: "Kiosque : demo-yyz-k01 (YYZ)"},
		{Text: "Heure : 2026-12-07 09:44 HNE"},
		{Text: ""},
		{Text: "Montrez ce reçu à l’agent.", Align: drivers.AlignCenter},
	}}
	for name, b := range map[string][]byte{
		"admitted-en-80mm.bin":         printer.Encode(admittedEN, printer.Layout{Columns: 48}),
		"referred-fr-58mm.bin":         printer.Encode(referredFR, printer.Layout{Columns: 32}),
		"referred-fr-barcode-80mm.bin": printer.Encode(referredFR, printer.Layout{Profile: printer.ProfileBarcode, Columns: 48}),
	} {
		if err := os.WriteFile("testdata/"+name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
