package drivers

import (
	"errors"
	"fmt"
	"strings"
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

// FieldError is one configuration problem: the key's path
// ("devices.mrzReader.baud") and what is wrong with its value.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors is every problem a driver found in its configuration
// section. The kiosk's configuration folds them, with their paths, into its
// own list of problems (FieldsOf).
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	s := make([]string, len(fe))
	for i, e := range fe {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// Add records a problem with the key prefix.key (key alone when prefix is
// empty).
func (fe *FieldErrors) Add(prefix, key, format string, args ...any) {
	if prefix != "" {
		key = prefix + "." + key
	}
	*fe = append(*fe, FieldError{Field: key, Message: fmt.Sprintf(format, args...)})
}

// Err is nil when there is no problem, else an *Error of code config that
// holds them all.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: CodeConfig, Err: fe}
}

// FieldsOf returns the configuration problems err holds (nil for nil); an
// error that holds none is one problem of the key prefix.
func FieldsOf(prefix string, err error) FieldErrors {
	if err == nil {
		return nil
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	msg := err.Error()
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		msg = e.Err.Error()
	}
	return FieldErrors{{Field: prefix, Message: msg}}
}
