package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// MQTT is the link to the central system's broker.
type MQTT struct {
	// Broker is tcp://host:port, ssl://host:port (TLS) or "embedded" (an
	// in-process broker for the single-machine demo, on EmbeddedListen).
	Broker            string   `toml:"broker"`
	EmbeddedListen    string   `toml:"embeddedListen"`
	CAFile            string   `toml:"caFile"`
	CertFile          string   `toml:"certFile"`
	KeyFile           string   `toml:"keyFile"`
	Username          string   `toml:"username"`
	PasswordFile      string   `toml:"passwordFile"`
	KeepAlive         Duration `toml:"keepAlive"`
	BackoffMin        Duration `toml:"backoffMin"`
	BackoffMax        Duration `toml:"backoffMax"`
	TelemetryInterval Duration `toml:"telemetryInterval"`
}

func (m *MQTT) defaults() {
	if m.Broker == "" {
		m.Broker = "tcp://127.0.0.1:1883"
	}
	if m.EmbeddedListen == "" {
		m.EmbeddedListen = "127.0.0.1:1883"
	}
	setDur(&m.KeepAlive, 30*time.Second)
	setDur(&m.BackoffMin, time.Second)
	setDur(&m.BackoffMax, 15*time.Second)
	setDur(&m.TelemetryInterval, 30*time.Second)
}

func (m *MQTT) validate(p *problems) {
	if m.Broker != "embedded" {
		u, err := url.Parse(m.Broker)
		if err != nil || u.Host == "" || (u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "tls" && u.Scheme != "mqtts") {
			p.add("mqtt.broker", "%q must be tcp://host:port, ssl://host:port or \"embedded\"", m.Broker)
		}
	}
	if _, _, err := net.SplitHostPort(m.EmbeddedListen); err != nil {
		p.add("mqtt.embeddedListen", "%q must be host:port", m.EmbeddedListen)
	}
	if (m.CertFile == "") != (m.KeyFile == "") {
		p.add("mqtt.certFile", "a client certificate needs both certFile and keyFile")
	}
	if m.KeepAlive.Duration < time.Second {
		p.add("mqtt.keepAlive", "%s is too short (the protocol says 30s)", m.KeepAlive)
	}
	if m.BackoffMin.Duration <= 0 || m.BackoffMax.Duration < m.BackoffMin.Duration {
		p.add("mqtt.backoffMax", "back-off must satisfy 0 < backoffMin <= backoffMax")
	}
	if m.TelemetryInterval.Duration < time.Second {
		p.add("mqtt.telemetryInterval", "%s is too short", m.TelemetryInterval)
	}
}

// Storage is encryption at rest.
type Storage struct {
	// KeyFile holds the storage key (atrest.LoadKey) that seals the
	// outbox, the authorization replica and the scanner spool at rest;
	// empty: they are kept in clear (in folders 0700). Never inside the
	// data folder.
	KeyFile string `toml:"keyFile"`
}

// StorageKeyFile is the storage key's file: storage.keyFile, or the older
// outbox.keyFile ("" when neither is set).
func (c *Config) StorageKeyFile() string {
	if c.Storage.KeyFile != "" {
		return c.Storage.KeyFile
	}
	return c.Outbox.KeyFile
}

// Outbox bounds the durable event queue.
type Outbox struct {
	MaxEvents int `toml:"maxEvents"`
	// KeyFile is the older name of Storage.KeyFile (it sealed only the
	// outbox then); it seals everything, as storage.keyFile does.
	KeyFile string `toml:"keyFile"`
}

func (o *Outbox) defaults() {
	if o.MaxEvents == 0 {
		o.MaxEvents = 100000
	}
}

func (o *Outbox) validate(p *problems) {
	if o.MaxEvents < 10 {
		p.add("outbox.maxEvents", "%d is too small (at least 10)", o.MaxEvents)
	}
}

// Authz tunes the replica.
type Authz struct {
	MaxBatchRecords int `toml:"maxBatchRecords"`
}

func (a *Authz) defaults() {
	if a.MaxBatchRecords == 0 {
		a.MaxBatchRecords = 20000
	}
}

func (a *Authz) validate(p *problems) {
	if a.MaxBatchRecords < 1 {
		p.add("authz.maxBatchRecords", "must be positive")
	}
}

// Policy is what the decision weighs beyond the data.
type Policy struct {
	RequireCard        bool     `toml:"requireCard"`
	MaxStaleness       Duration `toml:"maxStaleness"`
	RandomReferralRate float64  `toml:"randomReferralRate"`
	RequireFace        bool     `toml:"requireFace"`
	SessionTimeout     Duration `toml:"sessionTimeout"`
	DocumentTimeout    Duration `toml:"documentTimeout"`
	CardTimeout        Duration `toml:"cardTimeout"`
	FaceTimeout        Duration `toml:"faceTimeout"`
	PresentWindow      Duration `toml:"presentWindow"`
	MoreTimePrompt     Duration `toml:"moreTimePrompt"`
	MoreTimeExtensions *int     `toml:"moreTimeExtensions"`
}

func (po *Policy) defaults() {
	setDur(&po.MaxStaleness, 24*time.Hour)
	setDur(&po.SessionTimeout, 3*time.Minute)
	setDur(&po.DocumentTimeout, time.Minute)
	setDur(&po.CardTimeout, 20*time.Second)
	setDur(&po.FaceTimeout, 10*time.Second)
	setDur(&po.PresentWindow, 30*time.Second)
	setDur(&po.MoreTimePrompt, 15*time.Second)
	if po.MoreTimeExtensions == nil {
		n := 2
		po.MoreTimeExtensions = &n
	}
}

func (po *Policy) validate(p *problems) {
	if po.RandomReferralRate < 0 || po.RandomReferralRate > 1 {
		p.add("policy.randomReferralRate", "%v must be between 0 and 1", po.RandomReferralRate)
	}
	if po.MaxStaleness.Duration <= 0 {
		p.add("policy.maxStaleness", "must be positive")
	}
	if po.FaceTimeout.Duration > 10*time.Second {
		p.add("policy.faceTimeout", "%s is longer than the 10s face-capture limit", po.FaceTimeout)
	}
	if po.PresentWindow.Duration > 2*time.Minute {
		p.add("policy.presentWindow", "%s is too long: a card left on the welcome screen would wait for a stranger (at most 2m)", po.PresentWindow)
	}
	if n := *po.MoreTimeExtensions; n < 0 || n > 5 {
		p.add("policy.moreTimeExtensions", "%d must be between 0 (no prompt) and 5", n)
	}
	for name, d := range map[string]Duration{"sessionTimeout": po.SessionTimeout, "documentTimeout": po.DocumentTimeout, "cardTimeout": po.CardTimeout, "presentWindow": po.PresentWindow, "moreTimePrompt": po.MoreTimePrompt} {
		if d.Duration <= 0 {
			p.add("policy."+name, "must be positive")
		}
	}
}

// Devices configures the kiosk's hardware (or its simulators).
type Devices struct {
	MRZReader  MRZReader  `toml:"mrzReader"`
	CardReader CardReader `toml:"cardReader"`
	Camera     Camera     `toml:"camera"`
	Scanner    Scanner    `toml:"scanner"`
	Printer    Printer    `toml:"printer"`
	Chip       Chip       `toml:"chip"`
}

// MRZReader is [devices.mrzReader]: the driver's own configuration (its
// keys, defaults and validation) and whether the kiosk has the reader.
type MRZReader struct {
	Enabled *bool `toml:"enabled"`
	mrzreader.Config
}

// On reports whether the reader is enabled (the default).
func (r MRZReader) On() bool { return r.Enabled == nil || *r.Enabled }

// CardReader is [devices.cardReader]: the driver's own configuration and
// whether the kiosk has the reader.
type CardReader struct {
	Enabled *bool `toml:"enabled"`
	cardreader.Config
}

// On reports whether the reader is enabled (the default).
func (r CardReader) On() bool { return r.Enabled == nil || *r.Enabled }

// Printer is [devices.printer], the receipt printer (ESC/POS, serial or
// USB virtual COM port): the driver's own configuration, and whether the
// kiosk has one. It is optional: off unless enabled.
type Printer struct {
	Enabled *bool `toml:"enabled"`
	printer.Config
}

// On reports whether the printer is enabled (the default is off).
func (pr Printer) On() bool { return pr.Enabled != nil && *pr.Enabled }

// driverSection is a device section whose keys, defaults and validation are
// the driver's.
type driverSection interface {
	On() bool
	Validate(prefix string) error
}

// validateDriver folds a driver's field errors into the configuration's
// problems, when the device is enabled: off, a section may be incomplete.
func validateDriver(p *problems, path string, d driverSection) {
	if d.On() {
		p.list = append(p.list, drivers.FieldsOf(path, d.Validate(path))...)
	}
}

// Camera is [devices.camera], the face camera: the driver's own
// configuration (its keys, defaults and validation) and whether the kiosk
// has one.
type Camera struct {
	Enabled *bool `toml:"enabled"`
	camera.Config
}

// On reports whether the camera is enabled (the default).
func (c Camera) On() bool { return c.Enabled == nil || *c.Enabled }

// Scanner is the document scanner's spool folder.
type Scanner struct {
	Enabled  *bool  `toml:"enabled"`
	SpoolDir string `toml:"spoolDir"`
	DPI      int    `toml:"dpi"`
	// KeepFailed is how long a file that could not be read stays in the
	// spool's failed/ folder (read files are removed once delivered).
	KeepFailed Duration `toml:"keepFailed"`
}

// On reports whether the scanner is enabled (the default is off).
func (s Scanner) On() bool { return s.Enabled != nil && *s.Enabled }

func (d *Devices) defaults() {
	d.MRZReader.Defaults()
	d.CardReader.Defaults()
	d.Camera.Defaults()
	if d.Scanner.DPI == 0 {
		d.Scanner.DPI = 300
	}
	setDur(&d.Scanner.KeepFailed, 24*time.Hour)
	d.Printer.Defaults()
	d.Chip.defaults()
}

func (d *Devices) validate(p *problems) {
	validateDriver(p, "devices.mrzReader", d.MRZReader)
	validateDriver(p, "devices.cardReader", d.CardReader)
	validateDriver(p, "devices.printer", d.Printer)
	d.Chip.validate(p)
	validateDriver(p, "devices.camera", d.Camera)
	if d.Scanner.On() && d.Scanner.SpoolDir == "" {
		p.add("devices.scanner.spoolDir", "the scanner needs a spool folder")
	}
	if d.Scanner.KeepFailed.Duration <= 0 || d.Scanner.KeepFailed.Duration > 30*24*time.Hour {
		p.add("devices.scanner.keepFailed", "%s must be positive and at most 720h: unreadable scans hold personal data", d.Scanner.KeepFailed)
	}
	if d.Scanner.DPI < 150 || d.Scanner.DPI > 1200 {
		p.add("devices.scanner.dpi", "%d must be 150 to 1200 (300 or more for MRZs)", d.Scanner.DPI)
	}
}

// Chip is the ePassport chip reader: a PC/SC reader through pcscd
// (docs/chip.md). Off by default: a kiosk without a contactless reader
// must not refer every traveler CHIP_UNREADABLE.
type Chip struct {
	Enabled *bool  `toml:"enabled"`
	Reader  string `toml:"reader"` // PC/SC reader name; empty: the first with a card
	Socket  string `toml:"socket"` // pcscd's socket; empty: $PCSCLITE_CSOCK_NAME or /run/pcscd/pcscd.comm
	// Timeout bounds one traveler's chip step: waiting for the chip in
	// the field, access control, reading and verifying.
	Timeout Duration `toml:"timeout"`
	Access  string   `toml:"access"` // auto | BAC | PACE
	// CSCADir holds the trust anchors: PEM or DER CSCA certificates and
	// ICAO master lists.
	CSCADir string `toml:"cscaDir"`
	// OnInvalid and OnNoTrustAnchor say what passive authentication's
	// verdicts do: refer (CHIP_INVALID, CHIP_UNTRUSTED) or ignore (the
	// check is still reported).
	OnInvalid       string `toml:"onInvalid"`
	OnNoTrustAnchor string `toml:"onNoTrustAnchor"`
}

// On reports whether the chip reader is enabled (the default is off).
func (c Chip) On() bool { return c.Enabled != nil && *c.Enabled }

// Chip policies.
const (
	ChipRefer  = "refer"
	ChipIgnore = "ignore"
)

func (c *Chip) defaults() {
	setDur(&c.Timeout, 15*time.Second)
	if c.Access == "" {
		c.Access = "auto"
	}
	if c.OnInvalid == "" {
		c.OnInvalid = ChipRefer
	}
	if c.OnNoTrustAnchor == "" {
		c.OnNoTrustAnchor = ChipRefer
	}
}

func (c *Chip) validate(p *problems) {
	switch c.Access {
	case "auto", "BAC", "PACE":
	default:
		p.add("devices.chip.access", "%q must be auto, BAC or PACE", c.Access)
	}
	if c.Timeout.Duration < time.Second || c.Timeout.Duration > time.Minute {
		p.add("devices.chip.timeout", "%s must be 1s to 1m (a chip reads in 1 to 3 s)", c.Timeout)
	}
	for _, f := range [...]struct{ key, v string }{{"onInvalid", c.OnInvalid}, {"onNoTrustAnchor", c.OnNoTrustAnchor}} {
		if f.v != ChipRefer && f.v != ChipIgnore {
			p.add("devices.chip."+f.key, "%q must be refer or ignore", f.v)
		}
	}
	if c.On() && c.CSCADir == "" {
		p.add("devices.chip.cscaDir", "the chip reader needs a folder of CSCA certificates (PEM, DER or ICAO master lists): without trust anchors every chip is no_trust_anchor")
	}
}

// Face configures capture and 1:1 verification. With no ModelFile,
// verification reports not_supported and the policy decides.
type Face struct {
	ModelFile string `toml:"modelFile"`
	// LandmarkModel is dlib's 68-point landmark model, from which the
	// dlib descriptor's face chips are cut (default: Debian's
	// libdlib-data file); "none" places them from the face box.
	LandmarkModel string   `toml:"landmarkModel"`
	Threshold     float64  `toml:"threshold"`
	CascadeDir    string   `toml:"cascadeDir"`
	CaptureWindow Duration `toml:"captureWindow"`
	InlinePhoto   bool     `toml:"inlinePhoto"`
}

// DefaultLandmarkModel is where Debian's libdlib-data installs dlib's
// 68-point face landmark model.
const DefaultLandmarkModel = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

// NoLandmarks is the landmarkModel that turns landmark alignment off.
const NoLandmarks = "none"

// LandmarkFile is the landmark model to load, "" for none.
func (f *Face) LandmarkFile() string {
	if f.LandmarkModel == NoLandmarks {
		return ""
	}
	return f.LandmarkModel
}

func (f *Face) defaults() {
	if f.CascadeDir == "" {
		f.CascadeDir = "/usr/share/opencv4/haarcascades"
	}
	if f.LandmarkModel == "" {
		f.LandmarkModel = DefaultLandmarkModel
	}
	setDur(&f.CaptureWindow, 10*time.Second)
}

func (f *Face) validate(p *problems) {
	// 0 is the model's own default: the converted dlib model has one
	// (0.5, docs/camera.md); any other model refuses to load without one.
	if f.ModelFile != "" && (f.Threshold < 0 || f.Threshold >= 1) {
		p.add("face.threshold", "a face model needs a threshold between 0 and 1 (or 0 for the model's default), set for a false-match rate of at most 0.1%%")
	}
	if f.CaptureWindow.Duration <= 0 || f.CaptureWindow.Duration > 10*time.Second {
		p.add("face.captureWindow", "%s must be positive and at most 10s", f.CaptureWindow)
	}
}

// UI is the HTTP server of the three consoles.
type UI struct {
	Listen          string `toml:"listen"`
	OfficerToken    string `toml:"officerToken"`
	TechnicianToken string `toml:"technicianToken"`
	// CertFile and KeyFile, both or neither, serve the consoles over TLS
	// (PEM); the session cookies are then Secure.
	CertFile string `toml:"certFile"`
	KeyFile  string `toml:"keyFile"`
	// AllowedHosts are the names a request's Host header may give (no
	// port); empty means the loopback names and the listen host. See Hosts.
	AllowedHosts []string `toml:"allowedHosts"`
	// IdleLock ends a console session with no activity of its person;
	// SessionLifetime ends every session, however active.
	IdleLock        Duration `toml:"idleLock"`
	SessionLifetime Duration `toml:"sessionLifetime"`
}

// AccountsFile is where the console accounts live, in the data folder.
func (c *Config) AccountsFile() string { return filepath.Join(c.Kiosk.DataDir, "accounts.json") }

// MinTokenLength is the shortest console token accepted: a token is all
// that stands between the network and the consoles.
const MinTokenLength = 16

// loopbackNames are the Host names of a console opened on the kiosk itself.
var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

func (u *UI) defaults() {
	if u.Listen == "" {
		u.Listen = "127.0.0.1:8080"
	}
	setDur(&u.IdleLock, 5*time.Minute)
	setDur(&u.SessionLifetime, 12*time.Hour)
}

// TLS reports whether the consoles are served over TLS.
func (u *UI) TLS() bool { return u.CertFile != "" }

// Hosts are the Host names the consoles answer: AllowedHosts when set,
// else the loopback names and the listen host (unless it is a wildcard
// such as 0.0.0.0, which no browser names).
func (u *UI) Hosts() []string {
	if len(u.AllowedHosts) > 0 {
		return u.AllowedHosts
	}
	hosts := slices.Clone(loopbackNames)
	host, _, err := net.SplitHostPort(u.Listen)
	if err != nil || host == "" {
		return hosts
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return hosts
	}
	if !slices.Contains(hosts, strings.ToLower(host)) {
		hosts = append(hosts, strings.ToLower(host))
	}
	return hosts
}

// ListenLoopback reports whether listen binds only a loopback address.
func (u *UI) ListenLoopback() bool {
	host, _, err := net.SplitHostPort(u.Listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (u *UI) validate(p *problems) {
	if _, _, err := net.SplitHostPort(u.Listen); err != nil {
		p.add("ui.listen", "%q must be host:port", u.Listen)
	}
	for _, t := range []struct{ field, token string }{{"ui.officerToken", u.OfficerToken}, {"ui.technicianToken", u.TechnicianToken}} {
		switch n := utf8.RuneCountInString(t.token); {
		case t.token == "": // the console stays closed
		case n < MinTokenLength:
			p.add(t.field, "too short: %d characters, at least %d (for example `openssl rand -base64 24`)", n, MinTokenLength)
		case strings.IndexFunc(t.token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
			p.add(t.field, "must not hold spaces or control characters")
		}
	}
	if u.OfficerToken != "" && u.OfficerToken == u.TechnicianToken {
		p.add("ui.technicianToken", "must differ from ui.officerToken: each console has its own token")
	}
	if (u.CertFile == "") != (u.KeyFile == "") {
		p.add("ui.certFile", "TLS needs both certFile and keyFile")
	}
	if d := u.IdleLock.Duration; d < 30*time.Second || d > time.Hour {
		p.add("ui.idleLock", "%s must be between 30s and 1h", u.IdleLock)
	}
	if d := u.SessionLifetime.Duration; d < u.IdleLock.Duration || d > 24*time.Hour {
		p.add("ui.sessionLifetime", "%s must be at least idleLock (%s) and at most 24h", u.SessionLifetime, u.IdleLock)
	}
	for i, h := range u.AllowedHosts {
		if !validHostName(h) {
			p.add(fmt.Sprintf("ui.allowedHosts[%d]", i), "%q must be a host name or IP address, without scheme or port", h)
		}
	}
}

// validHostName accepts a DNS name (letters, digits, '-', dots) or an IP
// address.
func validHostName(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func setDur(d *Duration, def time.Duration) {
	if d.Duration == 0 {
		d.Duration = def
	}
}
