package cardreader

import (
	"log/slog"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
)

// Config is one card reader's configuration section, [devices.cardReader].
type Config struct {
	serialdev.Config
	FramerOptions
	// BCC, when false, accepts frames whose checksum does not match
	// (FramerOptions.IgnoreChecksum); checked when left out.
	BCC *bool `toml:"bcc" json:"bcc,omitempty"`
	// Debounce: a tag read again within this long of its last reading is
	// the same presentation (the card stayed in the field); 2 s by default.
	Debounce time.Duration `toml:"debounce" json:"debounce,omitempty"`
	// ReconnectMax is the longest wait between re-open attempts; 1 s.
	ReconnectMax time.Duration `toml:"reconnectMax" json:"reconnectMax,omitempty"`
}

// Defaults fills zero fields: the reader's defaults, which the kiosk's
// configuration in force shows (bcc true unless turned off).
func (c *Config) Defaults() {
	c.Config.Defaults()
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	c.FramerOptions.Defaults()
	if c.BCC == nil {
		on := !c.IgnoreChecksum
		c.BCC = &on
	}
	if !*c.BCC {
		c.IgnoreChecksum = true
	}
	if c.Debounce == 0 {
		c.Debounce = DefaultDebounce
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = time.Second
	}
}

// Validate reports every problem at once, with keys prefixed by prefix, as
// drivers.FieldErrors in an *drivers.Error of code config.
func (c Config) Validate(prefix string) error {
	fe := drivers.FieldsOf(prefix, c.Config.Validate(prefix))
	fo := c.FramerOptions
	fo.Defaults()
	fe = append(fe, fo.problems(prefix)...)
	if c.Debounce < 0 {
		fe.Add(prefix, "debounce", "%s must be positive", c.Debounce)
	}
	if c.ReconnectMax < 0 {
		fe.Add(prefix, "reconnectMax", "%s must be positive", c.ReconnectMax)
	}
	return fe.Err()
}

// DefaultProfile is a configuration's profile when it names none.
const DefaultProfile = ProfileEM4100

// Options are what the kiosk wires in besides the configuration.
type Options struct {
	Logger *slog.Logger
	Where  string
	First  serialdev.Transport
	// Debounce, see Config.Debounce (DefaultDebounce when zero).
	Debounce               time.Duration
	MinBackoff, MaxBackoff time.Duration
	Buffer                 int
}

// DefaultDebounce is the debounce window when none is configured.
const DefaultDebounce = 2 * time.Second

// Reader is a running card reader. It implements drivers.CardReader.
type Reader struct {
	*serialdev.Device
	profile string
	framing FramerOptions
}

var _ drivers.CardReader = (*Reader)(nil)

// Open starts a card reader on the serial port cfg describes; a port that
// is not there yet is reported as a fault event and retried.
func Open(name string, cfg Config, log *slog.Logger) (*Reader, error) {
	cfg.Defaults()
	if err := cfg.Validate("devices." + name); err != nil {
		return nil, err
	}
	return New(name, serialdev.OpenerFor(cfg.Config), cfg.FramerOptions,
		Options{Logger: log, Where: cfg.Where(), Debounce: cfg.Debounce, MaxBackoff: cfg.ReconnectMax})
}

// New starts a card reader on any transport open returns.
func New(name string, open serialdev.Opener, fo FramerOptions, o Options) (*Reader, error) {
	f, err := NewFramer(fo)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	r := &Reader{Device: serialdev.NewDevice(name, o.Buffer), profile: strings.ToLower(fo.Profile), framing: fo}
	h := &handler{r: r, f: f, d: NewDebouncer(o.Debounce), log: log.With("device", name, "profile", r.profile)}
	r.Start(serialdev.LinkOptions{Where: o.Where, Open: open, First: o.First, MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff, Logger: log}, h)
	return r, nil
}

// Framing is the reader's framing, as it was started with (a raw capture
// decodes the bytes it taps the same way).
func (r *Reader) Framing() FramerOptions { return r.framing }

// Profile is the reader's framing profile.
func (r *Reader) Profile() string { return r.profile }

// Debouncer turns repeated readings of a card that stays in the field into
// one presentation: a tag is new when it was not seen within Window.
type Debouncer struct {
	Window time.Duration
	seen   map[string]time.Time
}

// NewDebouncer returns a debouncer with the given window.
func NewDebouncer(window time.Duration) *Debouncer {
	return &Debouncer{Window: window, seen: map[string]time.Time{}}
}

// Seen records a reading of tag at now and says whether it starts a new
// presentation.
func (d *Debouncer) Seen(tag string, now time.Time) bool {
	for t, at := range d.seen { // few tags are ever in the field at once
		if now.Sub(at) > d.Window {
			delete(d.seen, t)
		}
	}
	_, repeat := d.seen[tag]
	d.seen[tag] = now
	return !repeat
}

type handler struct {
	r                  *Reader
	f                  Framer
	d                  *Debouncer
	log                *slog.Logger
	delivered, repeats uint64
	misreads           drivers.Misreads
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
	s.Delivered, s.Repeats = h.delivered, h.repeats
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
		if !h.d.Seen(fr.Tag, fr.At) {
			h.repeats++
			continue
		}
		h.log.Debug("card presented", "tag", fr.Tag)
		h.delivered++
		h.publish()
		h.r.Emit(drivers.Card{Device: h.r.Name(), Profile: h.r.profile, Tag: fr.Tag, RSSI: fr.RSSI, Raw: fr.Raw, At: fr.At})
	}
	h.publish()
}
