package serialdev

import (
	"fmt"
	"regexp"
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

// Validate returns every problem at once, each prefixed with prefix (the
// configuration path, e.g. "devices.mrzReader"), as one *drivers.Error with
// code config; nil when the configuration can be used.
func (c Config) Validate(prefix string) error {
	var probs []string
	add := func(key, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s.%s: ", prefix, key)+fmt.Sprintf(format, args...))
	}
	switch {
	case c.Port == "" && c.USB == "":
		add("port", "set port (a path such as /dev/ttyUSB0) or usb (VID:PID such as 0403:6001)")
	case c.Port != "" && c.USB != "":
		add("usb", "set port or usb, not both (port %q, usb %q)", c.Port, c.USB)
	}
	if c.USB != "" && !usbID.MatchString(c.USB) {
		add("usb", "%q is not VID:PID in hex, e.g. 0403:6001 (see xpt-kiosk devices list)", c.USB)
	}
	if c.Serial != "" && c.USB == "" {
		add("serial", "a USB serial number needs usb = \"VID:PID\" as well")
	}
	if c.Baud < 0 || c.Baud > 4000000 {
		add("baud", "%d is not a line speed (try 9600 or 115200)", c.Baud)
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
	if len(probs) == 0 {
		return nil
	}
	return &drivers.Error{Kind: drivers.CodeConfig, Err: fmt.Errorf("%s", strings.Join(probs, "; "))}
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
