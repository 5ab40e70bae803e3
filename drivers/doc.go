// Package drivers defines the kiosk's device interfaces, the events devices
// deliver, and their typed errors; concrete real and simulated devices live
// in subpackages:
//
//   - drivers/serialdev: opening a serial port (by path, or by USB VID:PID and
//     serial number), the Transport seam, and the reconnect loop shared by the
//     serial devices;
//   - drivers/mrzreader: passport MRZ readers (profiles desko, 3m, lines);
//   - drivers/cardreader: trusted-traveler card readers (profiles em4100,
//     uhf-m100, ascii);
//   - drivers/printer: the ESC/POS receipt printer (a drivers.ReceiptPrinter);
//   - drivers/sim: simulated readers and printer on real pseudo-terminals.
//
// A device runs on its own goroutines from the moment it is built and
// delivers Events on a channel until it is closed. The agent ranges over the
// channel and switches on the event type:
//
//	for ev := range dev.Events() {
//		switch e := ev.(type) {
//		case drivers.Document:  // lines of an MRZ, not yet validated
//		case drivers.Card:      // one presentation of a card (repeats debounced)
//		case drivers.Fault:     // e.Err.Code(): not_found, disconnected, ...
//		case drivers.Recovered: // the device works again
//		}
//	}
//
// Devices never validate what they read: an MRZ's check digits are the
// agent's business (package mrz). Bad bytes on the line never stop a device;
// they are counted (Stats), logged at debug level and skipped. The channel is
// closed after Close has stopped every goroutine of the device.
//
// This package and the serial subpackages build with CGO_ENABLED=0.
package drivers
