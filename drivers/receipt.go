package drivers

import "time"

// Codes of a receipt printer's faults, from its real-time status (ESC/POS
// DLE EOT). They are Fault codes like the others: the technician console
// and telemetry switch on them.
const (
	CodePaperOut     Code = "paper_out"      // the roll is empty: nothing prints
	CodePaperNearEnd Code = "paper_near_end" // the roll is nearly empty: receipts still print
	CodeCoverOpen    Code = "cover_open"     // the cover is open: nothing prints
	CodeOffline      Code = "offline"        // the printer is off line (an error, a button, a cutter jam)
)

// Align is a receipt line's alignment.
type Align int

const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// ReceiptLine is one line (or paragraph: the printer wraps it) of a receipt.
type ReceiptLine struct {
	Text   string
	Align  Align
	Bold   bool
	Double bool // double width and height
}

// Receipt is what a receipt printer prints: lines of text, then Code as a
// QR code (or a barcode, by the printer's profile) when it is not empty,
// then the paper is fed and cut. A receipt carries no personal data.
type Receipt struct {
	// ID names the receipt in events and logs (the transaction ID).
	ID    string
	Lines []ReceiptLine
	Code  string
}

// Printed says how a queued receipt ended: Err is nil when it was printed,
// else why not (a *Error: paper_out, timeout, …). A receipt is never
// retried: the traveler it was for has gone.
type Printed struct {
	Device string
	ID     string
	Err    *Error
	At     time.Time
}

func (e Printed) DeviceName() string { return e.Device }
func (Printed) isEvent()             {}

// ReceiptPrinter prints receipts without holding up its caller. Print
// queues the receipt and returns at once; it fails only when the receipt
// cannot be queued (the queue is full, the printer is closed or faulty).
// How each queued receipt ends is a Printed event; paper out, cover open
// and offline are Fault events.
type ReceiptPrinter interface {
	Device
	Print(r Receipt) error
}
