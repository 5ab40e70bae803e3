// Package cardreader drives trusted-traveler card readers on a serial line:
// it frames the configured profile (em4100, uhf-m100 or ascii), checks the
// checksums, debounces a card that stays in the field into one presentation,
// and delivers each presentation as a drivers.Card.
//
// The framers (NewFramer) are pure and the debouncer takes the clock from its
// caller, so both are table-tested and fuzzed without goroutines; Reader
// joins them to a serialdev link.
package cardreader
