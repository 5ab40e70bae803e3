package serialdev

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"go.bug.st/serial"
)

// Config says which serial port a device is on and how to talk to it. Either
// Port or USB is set. The toml tags are the configuration keys documented in
// docs/devices.md.
type Config struct {
	// Port is the device path: /dev/ttyUSB0, /dev/serial/by-id/..., a
	// pseudo-terminal or a symlink to one.
	Port string `toml:"port" json:"port,omitempty"`
	// USB selects the port by USB vendor and product id, "VID:PID" in hex
	// ("0403:6001"), resolved at every (re)open.
	USB string `toml:"usb" json:"usb,omitempty"`
	// Serial narrows USB to the device with this USB serial number.
	Serial string `toml:"serial" json:"serial,omitempty"`
	// Baud is the line speed; 9600 when zero.
	Baud int `toml:"baud" json:"baud,omitempty"`
	// Parity is none (default), even, odd, mark or space.
	Parity string `toml:"parity" json:"parity,omitempty"`
	// DataBits is 8 (default) or 7, 6, 5.
	DataBits int `toml:"dataBits" json:"dataBits,omitempty"`
	// StopBits is 1 (default) or 2.
	StopBits int `toml:"stopBits" json:"stopBits,omitempty"`
}

// Defaults fills the zero fields.
func (c *Config) Defaults() {
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.Parity == "" {
		c.Parity = "none"
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
}

var usbID = regexp.MustCompile(`^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$`)

// ValidUSBID reports whether s is a USB id as usb takes it: VID:PID, four
// hex digits each ("0403:6001").
func ValidUSBID(s string) bool { return usbID.MatchString(s) }

// BaudRates are the line speeds a port may be given: the standard rates a
// serial line is set to directly (Linux's termios table from 1200 up). Every
// reader and printer the kiosk drives speaks one of them (9600 and 115200
// are usual; FTDI and CH340 adapters and UHF modules go to 921600 and
// beyond). Any other number is almost always a typo (96000, 11520) that a
// reader would answer with garbage, so it is refused when the configuration
// is read rather than found as misreads at the kiosk.
var BaudRates = []int{1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400,
	460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000}

// Validate returns every problem at once, each key prefixed with prefix (the
// configuration path, e.g. "devices.mrzReader"), as one *drivers.Error with
// code config that holds drivers.FieldErrors; nil when the configuration can
// be used. Zero fields are their defaults.
func (c Config) Validate(prefix string) error { return c.problems(prefix).Err() }

func (c Config) problems(prefix string) drivers.FieldErrors {
	var fe drivers.FieldErrors
	add := func(key, format string, args ...any) { fe.Add(prefix, key, format, args...) }
	switch {
	case c.Port == "" && c.USB == "":
		add("port", "set port (a path such as /dev/ttyUSB0) or usb (VID:PID such as 0403:6001)")
	case c.Port != "" && c.USB != "":
		add("usb", "set port or usb, not both (port %q, usb %q)", c.Port, c.USB)
	}
	if c.USB != "" && !ValidUSBID(c.USB) {
		add("usb", "%q is not VID:PID in hex, e.g. 0403:6001 (see xpt-kiosk devices list)", c.USB)
	}
	if c.Serial != "" && c.USB == "" {
		add("serial", "a USB serial number needs usb = \"VID:PID\" as well")
	}
	if c.Baud != 0 && !slices.Contains(BaudRates, c.Baud) {
		add("baud", "%d is not a standard line speed (1200 to 4000000: 9600 and 115200 are usual)", c.Baud)
	}
	if _, err := parseParity(c.Parity); err != nil {
		add("parity", "%v", err)
	}
	if c.DataBits != 0 && (c.DataBits < 5 || c.DataBits > 8) {
		add("dataBits", "%d: want 5, 6, 7 or 8", c.DataBits)
	}
	if c.StopBits != 0 && c.StopBits != 1 && c.StopBits != 2 {
		add("stopBits", "%d: want 1 or 2", c.StopBits)
	}
	return fe
}

// Where names the port for messages: the path, or the USB selector.
func (c Config) Where() string {
	if c.Port != "" {
		return c.Port
	}
	if c.Serial != "" {
		return "usb " + c.USB + " serial " + c.Serial
	}
	return "usb " + c.USB
}

func parseParity(s string) (serial.Parity, error) {
	switch strings.ToLower(s) {
	case "", "none", "n":
		return serial.NoParity, nil
	case "even", "e":
		return serial.EvenParity, nil
	case "odd", "o":
		return serial.OddParity, nil
	case "mark", "m":
		return serial.MarkParity, nil
	case "space", "s":
		return serial.SpaceParity, nil
	}
	return 0, fmt.Errorf("%q: want none, even, odd, mark or space", s)
}

func (c Config) mode() (*serial.Mode, error) {
	c.Defaults()
	p, err := parseParity(c.Parity)
	if err != nil {
		return nil, err
	}
	stop := serial.OneStopBit
	if c.StopBits == 2 {
		stop = serial.TwoStopBits
	}
	return &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits, Parity: p, StopBits: stop}, nil
}
