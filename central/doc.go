// Package central is a stand-in for the XPT central system, for demos, tests
// and people trying the kiosk: signing keys, signed authorization batches
// and their replay store, the retained head, answers to SyncRequests,
// signed commands, officer decisions, pre-approval letters (PDF with the
// signed QR code), a synthetic population of travelers with the outcome a
// kiosk should reach for each, and an event ledger that checks what kiosks
// deliver (gaps, duplicates, order).
//
// It speaks the protocol of ../shared/spec/central-protocol.md through the
// message types of wire. The command-line front end is
// `xpt-kiosk central ...` (cmd/xpt-kiosk/central.go); docs/central.md says
// how to use it and describes the file formats.
//
// Nothing here is production code for a real central system: keys live in
// plain files and the batch store is a directory of files.
package central
