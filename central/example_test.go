package central_test

import (
	"fmt"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// A fleet test feeds every event it receives to a Ledger and checks the
// report at the end.
func ExampleLedger() {
	l := central.NewLedger()
	for _, seq := range []uint64{1, 2, 4, 3, 3, 6} {
		l.Add(&wire.Event{EventID: fmt.Sprintf("ev-%d", seq), KioskID: "yyz-t1-k07", Seq: seq, Type: wire.EventTransactionCompleted})
	}
	r := l.Report()
	k, _ := r.Kiosk("yyz-t1-k07")
	fmt.Println("ok:", r.OK)
	fmt.Println("missing:", k.Missing, "duplicates:", k.Duplicates, "out of order:", k.OutOfOrder)
	// Output:
	// ok: false
	// missing: [{5 5}] duplicates: 1 out of order: 1
}
