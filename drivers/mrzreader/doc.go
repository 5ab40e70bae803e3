// Package mrzreader drives passport MRZ readers on a serial line: it frames
// the bytes of the configured profile (desko, 3m or lines), strips reader
// padding, and delivers each document's lines as a drivers.Document. It does
// not validate the MRZ: the agent does, with package mrz.
//
// The framers (NewFramer) are pure: bytes and silences in, frames out, no
// goroutines, so they are table-tested and fuzzed on their own. Reader joins
// a framer to a serialdev link.
package mrzreader
