// Package printer drives an ESC/POS thermal receipt printer on a serial
// port (or a USB virtual COM port), through the serialdev transport.
//
// It owns three things:
//
//   - the ESC/POS bytes: Encode turns a drivers.Receipt into initialise
//     (ESC @), code page (ESC t), alignment (ESC a), bold (ESC E), size
//     (GS !), text, a QR code (GS ( k functions 165, 167, 169, 180, 181) or
//     a CODE128 barcode (GS k), feed (ESC d) and cut (GS V);
//   - the real-time status: DLE EOT 1 (printer), 2 (offline cause) and 4
//     (roll paper sensor), read into a Status whose Code is the fault:
//     paper_out, paper_near_end, cover_open, offline;
//   - Parser, a streaming ESC/POS parser (the simulator's, fuzzed with
//     FuzzESCPOS) that reads those bytes back into a receipt.
//
// A Printer never holds up its caller: Print queues a receipt in a bounded
// queue and returns; one goroutine prints, checks the status before each
// receipt, drops a receipt that waited longer than its timeout (its
// traveler has gone), reports each outcome as a drivers.Printed event and
// each fault and recovery as drivers.Fault and drivers.Recovered. Between
// receipts it polls the status, so paper out shows before a traveler needs
// a receipt.
//
// The package builds with CGO_ENABLED=0.
package printer
