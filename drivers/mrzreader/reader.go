package mrzreader

import (
	"log/slog"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
)

// Config is one MRZ reader's configuration section, [devices.mrzReader] in
// the kiosk configuration: where the port is, how to talk to it, and how to
// frame what it sends.
type Config struct {
	serialdev.Config
	FramerOptions
	// BCC, when false, accepts 3m frames whose BCC does not match
	// (FramerOptions.IgnoreBCC); checked when left out.
	BCC *bool `toml:"bcc" json:"bcc,omitempty"`
	// LengthCheck, when false, accepts 3m frames whose LEN byte is wrong
	// and frames on ETX (FramerOptions.IgnoreLength); checked when left out.
	LengthCheck *bool `toml:"lengthCheck" json:"lengthCheck,omitempty"`
	// ReconnectMax is the longest wait between re-open attempts after a
	// fault; 1 s by default.
	ReconnectMax time.Duration `toml:"reconnectMax" json:"reconnectMax,omitempty"`
}

// Defaults fills zero fields: the reader's defaults, which the kiosk's
// configuration in force shows (bcc and lengthCheck true unless turned off).
func (c *Config) Defaults() {
	c.Config.Defaults()
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	c.FramerOptions.Defaults()
	if c.BCC == nil {
		c.BCC = ptr(!c.IgnoreBCC)
	}
	if c.LengthCheck == nil {
		c.LengthCheck = ptr(!c.IgnoreLength)
	}
	if !*c.BCC {
		c.IgnoreBCC = true
	}
	if !*c.LengthCheck {
		c.IgnoreLength = true
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = time.Second
	}
}

func ptr[T any](v T) *T { return &v }

// Validate reports every problem at once, with keys prefixed by prefix, as
// drivers.FieldErrors in an *drivers.Error of code config.
func (c Config) Validate(prefix string) error {
	fe := drivers.FieldsOf(prefix, c.Config.Validate(prefix))
	fo := c.FramerOptions
	fo.Defaults()
	fe = append(fe, fo.problems(prefix)...)
	if c.ReconnectMax < 0 {
		fe.Add(prefix, "reconnectMax", "%s must be positive", c.ReconnectMax)
	}
	return fe.Err()
}

// DefaultProfile is a configuration's profile when it names none.
const DefaultProfile = ProfileDesko

// Options are what the kiosk wires in besides the configuration.
type Options struct {
	Logger *slog.Logger // nil discards
	// Where names the port in messages (the configured path or USB id).
	Where string
	// First is an already opened transport to use before calling the
	// opener (so a caller can report an open error at once).
	First serialdev.Transport
	// MinBackoff and MaxBackoff bound re-open attempts (100 ms, 1 s).
	MinBackoff, MaxBackoff time.Duration
	// Buffer is the event channel's size (16).
	Buffer int
}

// Reader is a running MRZ reader. It implements drivers.MRZReader.
type Reader struct {
	*serialdev.Device
	profile string
	framing FramerOptions
}

var _ drivers.MRZReader = (*Reader)(nil)

// Open starts a reader on the serial port cfg describes. A port that is not
// there yet is not an error: the reader reports a fault event and keeps
// trying. Only an unusable configuration fails.
func Open(name string, cfg Config, log *slog.Logger) (*Reader, error) {
	cfg.Defaults()
	if err := cfg.Validate("devices." + name); err != nil {
		return nil, err
	}
	return New(name, serialdev.OpenerFor(cfg.Config), cfg.FramerOptions,
		Options{Logger: log, Where: cfg.Where(), MaxBackoff: cfg.ReconnectMax})
}

// New starts a reader on any transport open returns (a serial port, a
// pseudo-terminal, an in-memory pipe): open is called again after every
// failure.
func New(name string, open serialdev.Opener, fo FramerOptions, o Options) (*Reader, error) {
	f, err := NewFramer(fo)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reader{Device: serialdev.NewDevice(name, o.Buffer), profile: strings.ToLower(fo.Profile), framing: fo}
	h := &handler{r: r, f: f, log: log.With("device", name, "profile", r.profile)}
	r.Start(serialdev.LinkOptions{Where: o.Where, Open: open, First: o.First, MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff, Logger: log}, h)
	return r, nil
}

// Framing is the reader's framing, as it was started with (a raw capture
// decodes the bytes it taps the same way).
func (r *Reader) Framing() FramerOptions { return r.framing }

// Profile is the reader's framing profile.
func (r *Reader) Profile() string { return r.profile }

type handler struct {
	r         *Reader
	f         Framer
	log       *slog.Logger
	delivered uint64
	misreads  drivers.Misreads
}

func (h *handler) Bytes(p []byte, now time.Time) { h.handle(h.f.Feed(p, now)) }
func (h *handler) Expire(now time.Time)          { h.handle(h.f.Expire(now)) }
func (h *handler) Deadline() time.Time           { return h.f.Deadline() }
func (h *handler) Reset() {
	h.f.Reset()
	h.publish()
}

func (h *handler) publish() {
	s := h.f.Stats()
	s.Delivered = h.delivered
	h.r.PublishStats(s)
}

func (h *handler) handle(frames []Frame) {
	for _, fr := range frames {
		if fr.Reject != nil {
			h.log.Debug("frame refused", "kind", string(fr.Reject.Kind), "reason", fr.Reject.Reason, "bytes", len(fr.Raw))
			if h.misreads.Take(fr.Reject.Kind, fr.At) {
				h.r.Emit(drivers.Misread{Device: h.r.Name(), Kind: fr.Reject.Kind, At: fr.At})
			}
			continue
		}
		h.log.Debug("document read", "lines", len(fr.Lines), "bytes", len(fr.Raw))
		h.delivered++
		h.publish()
		h.r.Emit(drivers.Document{Device: h.r.Name(), Profile: h.r.profile, Lines: fr.Lines, Raw: fr.Raw, At: fr.At})
	}
	h.publish()
}
