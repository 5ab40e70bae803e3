package drivers

import (
	"errors"
	"fmt"
)

// Code says what kind of failure a device reported. The agent, the
// technician console and telemetry switch on it; the strings are stable and
// appear in device.fault events.
type Code string

const (
	CodeNotFound     Code = "not_found"    // no such port, or no USB device matches
	CodeBusy         Code = "busy"         // another process has the port
	CodePermission   Code = "permission"   // the port exists but may not be opened (dialout group?)
	CodeTimeout      Code = "timeout"      // nothing arrived in the time allowed
	CodeProtocol     Code = "protocol"     // bytes arrived but do not make a frame of the profile
	CodeDisconnected Code = "disconnected" // the port went away while open (unplugged, pty closed)
	CodeConfig       Code = "config"       // the configuration is wrong (unknown profile, bad baud, ambiguous USB match)
	CodeNotBuilt     Code = "not_built"    // this build has no support for the device
	CodeClosed       Code = "closed"       // the device was closed by its owner
	CodeIO           Code = "io"           // any other input/output error
)

// Error is a device failure with a code. Device names the configured device
// ("mrzReader"), Port the path or USB selector, Op what was being done.
type Error struct {
	Kind   Code
	Device string
	Port   string
	Op     string
	Err    error
}

// Code returns the failure's kind.
func (e *Error) Code() Code { return e.Kind }

func (e *Error) Error() string {
	s := string(e.Kind)
	if e.Device != "" {
		s = e.Device + ": " + s
	}
	if e.Op != "" {
		s += ": " + e.Op
	}
	if e.Port != "" {
		s += " " + e.Port
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Code, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, CodeIO for any
// other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return CodeIO
}
