package printer

import (
	"slices"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
)

// Config is the receipt printer's configuration section, [devices.printer]
// in the kiosk configuration.
type Config struct {
	serialdev.Config
	// Profile is escpos (QR codes) or escpos-barcode (CODE128 instead).
	Profile string `toml:"profile" json:"profile,omitempty"`
	// PaperWidth is the roll's width in mm: 80 (48 characters a line) or
	// 58 (32).
	PaperWidth int `toml:"paperWidth" json:"paperWidth,omitempty"`
	// Timeout: a receipt not printed this long after it was asked for is
	// dropped (its traveler has gone); 10 s by default.
	Timeout time.Duration `toml:"timeout" json:"timeout,omitempty"`
	// Queue is how many receipts may wait; 4 by default.
	Queue int `toml:"queue" json:"queue,omitempty"`
	// StatusInterval is how often an idle printer's status is asked; 5 s.
	StatusInterval time.Duration `toml:"statusInterval" json:"statusInterval,omitempty"`
	// ReconnectMax is the longest wait between re-open attempts; 1 s.
	ReconnectMax time.Duration `toml:"reconnectMax" json:"reconnectMax,omitempty"`
}

// Defaults of a printer's configuration.
const (
	DefaultProfile        = ProfileQR
	DefaultPaperWidth     = 80
	DefaultTimeout        = 10 * time.Second
	DefaultQueue          = 4
	DefaultStatusInterval = 5 * time.Second
)

// Defaults fills zero fields.
func (c *Config) Defaults() {
	c.Config.Defaults()
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	if c.PaperWidth == 0 {
		c.PaperWidth = DefaultPaperWidth
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Queue == 0 {
		c.Queue = DefaultQueue
	}
	if c.StatusInterval == 0 {
		c.StatusInterval = DefaultStatusInterval
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = time.Second
	}
}

// Validate reports every problem at once, with keys prefixed by prefix, as
// drivers.FieldErrors in an *drivers.Error of code config.
func (c Config) Validate(prefix string) error {
	fe := drivers.FieldsOf(prefix, c.Config.Validate(prefix))
	add := func(key, format string, args ...any) { fe.Add(prefix, key, format, args...) }
	if !slices.Contains(Profiles, c.Profile) {
		add("profile", "%q is not one of %v", c.Profile, Profiles)
	}
	if c.PaperWidth != 58 && c.PaperWidth != 80 {
		add("paperWidth", "%d: want 80 or 58 (mm)", c.PaperWidth)
	}
	if c.Timeout < time.Second || c.Timeout > 2*time.Minute {
		add("timeout", "%s: want 1s to 2m (a receipt is for the traveler at the kiosk now)", c.Timeout)
	}
	if c.Queue < 1 || c.Queue > 64 {
		add("queue", "%d: want 1 to 64", c.Queue)
	}
	if c.StatusInterval < 500*time.Millisecond || c.StatusInterval > 10*time.Minute {
		add("statusInterval", "%s: want 500ms to 10m", c.StatusInterval)
	}
	if c.ReconnectMax < 0 {
		add("reconnectMax", "%s must be positive", c.ReconnectMax)
	}
	return fe.Err()
}

// Layout is how receipts are laid out on this printer.
func (c Config) Layout() Layout {
	return Layout{Profile: c.Profile, Columns: ColumnsFor(c.PaperWidth)}
}
