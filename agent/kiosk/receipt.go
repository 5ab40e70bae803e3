package kiosk

import (
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// receiptWords are a receipt's words in each of the traveler languages.
// The receipt says the outcome, where and when, and the reference the
// officer finds the traveler by; never a name, a document number, a birth
// date or a reason.
var receiptWords = map[string]map[string]string{
	"en": {
		"kiosk":         "Border kiosk",
		"admitted":      "ADMITTED",
		"admitted.body": "You may proceed.",
		"referred":      "SEE AN OFFICER",
		"referred.body": "Please see an officer.",
		"reference":     "Reference: ",
		"where":         "Kiosk: ",
		"time":          "Time: ",
		"admitted.foot": "Keep this receipt.",
		"referred.foot": "Show this receipt to the officer.",
	},
	"fr": {
		"kiosk":         "Kiosque frontalier",
		"admitted":      "ADMIS",
		"admitted.body": "Vous pouvez continuer.",
		"referred":      "VOIR UN AGENT",
		"referred.body": "Veuillez vous présenter à un agent.",
		"reference":     "Référence\u00a0: ",
		"where":         "Kiosque\u00a0: ",
		"time":          "Heure\u00a0: ",
		"admitted.foot": "Conservez ce reçu.",
		"referred.foot": "Montrez ce reçu à l’agent.",
	},
}

// receiptFor is the receipt of an outcome (admitted or referred) in the
// traveler's language. The code printed (QR or barcode) is the reference.
func receiptFor(lang, outcome, txID, kioskID, portCode, reference string, at time.Time) drivers.Receipt {
	w, ok := receiptWords[lang]
	if !ok {
		w = receiptWords["en"]
	}
	key := "referred"
	if outcome == wire.OutcomeAdmitted {
		key = "admitted"
	}
	center := drivers.AlignCenter
	return drivers.Receipt{ID: txID, Code: reference, Lines: []drivers.ReceiptLine{
		{Text: "XPT", Align: center, Bold: true, Double: true},
		{Text: w["kiosk"], Align: center},
		{},
		{Text: w[key], Align: center, Bold: true, Double: true},
		{Text: w[key+".body"], Align: center},
		{},
		{Text: w["reference"] + reference, Bold: true},
		{Text: w["where"] + kioskID + " (" + portCode + ")"},
		{Text: w["time"] + at.Local().Format("2006-01-02 15:04 MST")},
		{},
		{Text: w[key+".foot"], Align: center},
	}}
}

// printReceipt asks the printer for an outcome's receipt. It never waits
// for the printer: a printer that cannot take it is a failed receipt on
// the technician console, and the traveler's flow goes on.
func (k *Kiosk) printReceipt(lang, outcome, txID, reference string, at time.Time) {
	if k.o.Printer == nil || reference == "" || (outcome != wire.OutcomeAdmitted && outcome != wire.OutcomeReferred) {
		return
	}
	r := receiptFor(lang, outcome, txID, k.o.KioskID, k.o.PortCode, reference, at)
	k.mu.Lock()
	k.receipts.Last = &view.ReceiptStatus{TransactionID: txID, Outcome: outcome, At: at, Result: "queued"}
	k.notifyLocked()
	k.mu.Unlock()
	if err := k.o.Printer.Print(r); err != nil {
		k.log.Warn("kiosk: receipt not queued", "transaction", txID, "code", string(drivers.CodeOf(err)), "err", err)
		k.printed(drivers.Printed{Device: k.o.Printer.Name(), ID: txID, Err: asDriverError(err), At: k.o.Now()})
	}
}

func asDriverError(err error) *drivers.Error {
	if e, ok := err.(*drivers.Error); ok {
		return e
	}
	return &drivers.Error{Kind: drivers.CodeOf(err), Err: err}
}

// printed records how a receipt ended.
func (k *Kiosk) printed(p drivers.Printed) {
	k.mu.Lock()
	defer k.mu.Unlock()
	last := k.receipts.Last
	if last == nil || last.TransactionID != p.ID {
		last = &view.ReceiptStatus{TransactionID: p.ID}
	}
	last.At = p.At
	if p.Err == nil {
		k.receipts.Printed++
		k.counters["receipts_printed"]++
		last.Result = "printed"
	} else {
		k.receipts.Failed++
		k.counters["receipts_failed"]++
		last.Result, last.Error = string(p.Err.Code()), p.Err.Error()
	}
	k.receipts.Last = last
	k.notifyLocked()
}
