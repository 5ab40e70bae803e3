package printer

import (
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// IsStatusByte says whether b has the fixed bits of a DLE EOT answer
// (bits 1 and 4 set, 0 and 7 clear), so that stray bytes are not taken for
// a status.
func IsStatusByte(b byte) bool { return b&0x93 == 0x12 }

// Status is what the real-time status requests said.
type Status struct {
	Offline      bool // DLE EOT 1, bit 3
	CoverOpen    bool // DLE EOT 2, bit 2
	PaperStop    bool // DLE EOT 2, bit 5: printing stopped at paper end
	Error        bool // DLE EOT 2, bit 6
	PaperNearEnd bool // DLE EOT 4, bits 2-3
	PaperOut     bool // DLE EOT 4, bits 5-6
}

// Set records the answer b to DLE EOT n.
func (s *Status) Set(n, b byte) {
	switch n {
	case StatusPrinter:
		s.Offline = b&0x08 != 0
	case StatusOffline:
		s.CoverOpen, s.PaperStop, s.Error = b&0x04 != 0, b&0x20 != 0, b&0x40 != 0
	case StatusPaper:
		s.PaperNearEnd, s.PaperOut = b&0x0C != 0, b&0x60 != 0
	}
}

// Byte is the answer a printer in state s gives to DLE EOT n (the
// simulator's side of Set).
func (s Status) Byte(n byte) byte {
	b := byte(0x12)
	on := func(v bool, mask byte) {
		if v {
			b |= mask
		}
	}
	switch n {
	case StatusPrinter:
		on(s.Offline, 0x08)
	case StatusOffline:
		on(s.CoverOpen, 0x04)
		on(s.PaperStop, 0x20)
		on(s.Error, 0x40)
	case StatusPaper:
		on(s.PaperNearEnd, 0x0C)
		on(s.PaperOut, 0x60)
	}
	return b
}

// Code is the fault the status says, most serious first; "" when the
// printer is ready. paper_near_end still prints.
func (s Status) Code() drivers.Code {
	switch {
	case s.CoverOpen:
		return drivers.CodeCoverOpen
	case s.PaperOut || s.PaperStop:
		return drivers.CodePaperOut
	case s.Offline || s.Error:
		return drivers.CodeOffline
	case s.PaperNearEnd:
		return drivers.CodePaperNearEnd
	}
	return ""
}

// Blocks says whether a printer in this state prints nothing.
func (s Status) Blocks() bool { c := s.Code(); return c != "" && c != drivers.CodePaperNearEnd }

// Message says the status to a technician.
func (s Status) Message() string {
	var m []string
	if s.CoverOpen {
		m = append(m, "the cover is open: close it")
	}
	if s.PaperOut || s.PaperStop {
		m = append(m, "out of paper: load a new roll")
	}
	if s.Error {
		m = append(m, "the printer reports an error (a cutter jam?): switch it off and on")
	} else if s.Offline && !s.CoverOpen && !s.PaperOut && !s.PaperStop {
		m = append(m, "the printer is off line")
	}
	if s.PaperNearEnd && !s.PaperOut {
		m = append(m, "the paper roll is nearly empty: receipts still print, change it soon")
	}
	if len(m) == 0 {
		return "ready"
	}
	return strings.Join(m, "; ")
}
