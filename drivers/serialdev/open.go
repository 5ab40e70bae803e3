package serialdev

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"syscall"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// Transport is what a driver reads from and writes to: a serial port, a
// pseudo-terminal, or one end of an in-memory pipe (net.Pipe). Close must
// unblock a pending Read.
type Transport interface {
	io.Reader
	io.Writer
	io.Closer
}

// Opener opens a device's transport. It is called again after every failure.
type Opener func() (Transport, error)

// PortInfo describes one serial port found on the system.
type PortInfo struct {
	Path         string `json:"path"`
	USB          bool   `json:"usb"`
	VID          string `json:"vid,omitempty"`
	PID          string `json:"pid,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
	Product      string `json:"product,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
}

// ListPorts lists the serial ports the system knows, with USB details.
func ListPorts() ([]PortInfo, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, &drivers.Error{Kind: drivers.CodeIO, Op: "list serial ports", Err: err}
	}
	out := make([]PortInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PortInfo{Path: p.Name, USB: p.IsUSB, VID: strings.ToUpper(p.VID), PID: strings.ToUpper(p.PID),
			SerialNumber: p.SerialNumber, Product: p.Product, Manufacturer: p.Manufacturer})
	}
	return out, nil
}

// listPorts is replaced in tests.
var listPorts = ListPorts

// Resolve returns the path to open for c: Port as it is, or the one port
// whose USB ids (and serial number, when given) match.
func Resolve(c Config) (string, error) {
	if c.Port != "" {
		return c.Port, nil
	}
	if c.USB == "" {
		return "", &drivers.Error{Kind: drivers.CodeConfig, Op: "resolve", Err: errors.New("no port and no usb VID:PID configured")}
	}
	vid, pid, _ := strings.Cut(strings.ToUpper(c.USB), ":")
	ports, err := listPorts()
	if err != nil {
		return "", err
	}
	var match []PortInfo
	var seen []string
	for _, p := range ports {
		if !p.USB {
			continue
		}
		seen = append(seen, fmt.Sprintf("%s (%s:%s serial %q)", p.Path, p.VID, p.PID, p.SerialNumber))
		if p.VID == vid && p.PID == pid && (c.Serial == "" || p.SerialNumber == c.Serial) {
			match = append(match, p)
		}
	}
	switch len(match) {
	case 1:
		return match[0].Path, nil
	case 0:
		have := "no USB serial ports are present"
		if len(seen) > 0 {
			have = "USB serial ports present: " + strings.Join(seen, ", ")
		}
		return "", &drivers.Error{Kind: drivers.CodeNotFound, Port: c.Where(), Op: "find USB device",
			Err: fmt.Errorf("nothing matches (%s); check the cable, or run 'xpt-kiosk devices list'", have)}
	}
	var paths []string
	for _, m := range match {
		paths = append(paths, m.Path)
	}
	return "", &drivers.Error{Kind: drivers.CodeConfig, Port: c.Where(), Op: "find USB device",
		Err: fmt.Errorf("%d ports match (%s); add serial = \"...\" to pick one (see 'xpt-kiosk devices list')", len(match), strings.Join(paths, ", "))}
}

// Open resolves and opens the port described by c, in raw mode, and returns
// it as a Transport. Failures are *drivers.Error with a code a technician can
// act on.
func Open(c Config) (serial.Port, error) {
	c.Defaults()
	if err := c.Validate("port"); err != nil {
		return nil, err
	}
	path, err := Resolve(c)
	if err != nil {
		return nil, err
	}
	mode, err := c.mode()
	if err != nil {
		return nil, &drivers.Error{Kind: drivers.CodeConfig, Port: path, Op: "open", Err: err}
	}
	p, err := serial.Open(path, mode)
	if err != nil {
		return nil, classifyOpen(path, err)
	}
	return p, nil
}

// OpenerFor returns an Opener that opens c afresh at every call.
func OpenerFor(c Config) Opener {
	return func() (Transport, error) {
		p, err := Open(c)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

func classifyOpen(path string, err error) *drivers.Error {
	e := &drivers.Error{Kind: drivers.CodeIO, Port: path, Op: "open", Err: err}
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			e.Kind = drivers.CodeBusy
			e.Err = errors.New("another program has the port open (is a second kiosk agent or a capture running?)")
		case serial.PortNotFound:
			e.Kind = drivers.CodeNotFound
		case serial.PermissionDenied:
			e.Kind = drivers.CodePermission
			e.Err = errors.New("permission denied (is the kiosk user in the dialout group?)")
		case serial.InvalidSpeed, serial.InvalidDataBits, serial.InvalidParity, serial.InvalidStopBits:
			e.Kind = drivers.CodeConfig
		case serial.InvalidSerialPort:
			e.Kind = drivers.CodeConfig
			e.Err = fmt.Errorf("not a serial port: %v", err)
		case serial.PortClosed:
			e.Kind = drivers.CodeDisconnected
		}
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		e.Kind = drivers.CodeNotFound
		e.Err = errors.New("no such device (unplugged? wrong path? see 'xpt-kiosk devices list')")
	case errors.Is(err, fs.ErrPermission):
		e.Kind = drivers.CodePermission
		e.Err = errors.New("permission denied (is the kiosk user in the dialout group?)")
	case errors.Is(err, syscall.EBUSY):
		e.Kind = drivers.CodeBusy
	case errors.Is(err, syscall.ENOTTY):
		e.Kind = drivers.CodeConfig
		e.Err = errors.New("not a serial port")
	}
	return e
}
