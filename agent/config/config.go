package config

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Config is the whole kiosk configuration.
type Config struct {
	Kiosk   Kiosk   `toml:"kiosk"`
	Log     Log     `toml:"log"`
	Trust   Trust   `toml:"trust"`
	MQTT    MQTT    `toml:"mqtt"`
	Storage Storage `toml:"storage"`
	Outbox  Outbox  `toml:"outbox"`
	Authz   Authz   `toml:"authz"`
	Policy  Policy  `toml:"policy"`
	Devices Devices `toml:"devices"`
	Face    Face    `toml:"face"`
	UI      UI      `toml:"ui"`

	source    string   // the file Load read ("" for Parse)
	sourceSum [32]byte // SHA-256 of its bytes then
}

// Source is the file the configuration was loaded from and the SHA-256 of
// its bytes at that moment ("" when it came from Parse): the technician's
// self-test tells from it whether the file changed since the agent started.
func (c *Config) Source() (path string, sum [32]byte) { return c.source, c.sourceSum }

// Kiosk is the kiosk's identity.
type Kiosk struct {
	ID        string `toml:"id"`
	PortCode  string `toml:"portCode"`
	Direction string `toml:"direction"`
	DataDir   string `toml:"dataDir"`
}

// Log sets the log level: debug, info, warn or error. Personal data is
// logged only at debug.
type Log struct {
	Level string `toml:"level"`
}

// Trust lists the central keys the kiosk trusts: keyId = standard base64
// Ed25519 public key.
type Trust struct {
	Keys map[string]string `toml:"keys"`
}

// Duration is a time.Duration written as "150ms", "30s", "24h".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like 150ms, 30s, 24h)", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Error is one configuration problem, with the field path: the type the
// drivers report their sections' problems in, so that they fold in as they
// are.
type Error = drivers.FieldError

// Errors is every problem found in one configuration.
type Errors []Error

func (es Errors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d configuration problem(s):", len(es))
	for _, e := range es {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// problems collects validation errors.
type problems struct{ list Errors }

func (p *problems) add(field, format string, a ...any) {
	p.list = append(p.list, Error{Field: field, Message: fmt.Sprintf(format, a...)})
}

// Load reads, defaults and validates the file at path. Relative paths in
// the file are resolved against the file's directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(path))
	c.source, c.sourceSum = path, sha256.Sum256(data)
	return c, nil
}

// Parse decodes TOML, applies defaults and validates. Every problem comes
// back at once, each with its field path: values of the wrong type,
// unknown keys and invalid values.
func Parse(data []byte) (*Config, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, err
	}
	var p problems
	checkTypes(doc, reflect.TypeOf(Config{}), "", &p)
	typed := len(p.list)
	if typed > 0 {
		// Decode what is left without the values of the wrong type, so that
		// the other problems are found too.
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
			return nil, p.list
		}
		data = buf.Bytes()
	}
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		p.add("", "%v", err) // checkTypes let a type through: say so rather than hide it
		return nil, p.list
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, 0, len(und))
		for _, k := range und {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.add(k, "unknown key%s", suggest(k))
		}
	}
	c.Defaults()
	var v problems
	c.validate(&v)
	// A value of the wrong type was dropped and took its default: its
	// type problem is the one to read, not what the default then fails.
	bad := map[string]bool{}
	for _, e := range p.list[:typed] {
		bad[e.Field] = true
	}
	for _, e := range v.list {
		if !bad[e.Field] {
			p.list = append(p.list, e)
		}
	}
	if len(p.list) > 0 {
		return nil, p.list
	}
	return &c, nil
}

// Defaults fills what was left out. It is idempotent.
func (c *Config) Defaults() {
	if c.Kiosk.DataDir == "" {
		c.Kiosk.DataDir = "/var/lib/xpt-kiosk"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	c.MQTT.defaults()
	c.Outbox.defaults()
	c.Authz.defaults()
	c.Policy.defaults()
	c.Devices.defaults()
	c.Face.defaults()
	c.UI.defaults()
}

func (c *Config) validate(p *problems) {
	if !wire.ValidKioskID(c.Kiosk.ID) {
		p.add("kiosk.id", "%q must match ^[a-z0-9][a-z0-9-]{2,39}$ (for example yyz-t1-k07)", c.Kiosk.ID)
	}
	if !wire.ValidPortCode(c.Kiosk.PortCode) {
		p.add("kiosk.portCode", "%q must be 3 to 5 capital letters or digits (for example YYZ)", c.Kiosk.PortCode)
	}
	if c.Kiosk.Direction != wire.DirCAtoUS && c.Kiosk.Direction != wire.DirUStoCA {
		p.add("kiosk.direction", "%q must be %q (a US port of entry) or %q (a Canadian one)", c.Kiosk.Direction, wire.DirCAtoUS, wire.DirUStoCA)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		p.add("log.level", "%q must be debug, info, warn or error", c.Log.Level)
	}
	if len(c.Trust.Keys) == 0 {
		p.add("trust.keys", "no trusted central key: the kiosk could verify nothing (add \"keyId\" = \"base64 public key\", from `xpt-kiosk central keygen`)")
	}
	ids := make([]string, 0, len(c.Trust.Keys))
	for id := range c.Trust.Keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, err := wire.ParsePublicKey(c.Trust.Keys[id]); err != nil {
			p.add("trust.keys."+id, "%v", err)
		}
	}
	c.MQTT.validate(p)
	c.Outbox.validate(p)
	for field, k := range map[string]string{"storage.keyFile": c.Storage.KeyFile, "outbox.keyFile": c.Outbox.KeyFile} {
		if k == "" || c.Kiosk.DataDir == "" {
			continue
		}
		if rel, err := filepath.Rel(c.Kiosk.DataDir, k); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			p.add(field, "%s is inside kiosk.dataDir: a key beside what it seals protects nothing (keep it in /etc/xpt-kiosk or a systemd credential)", k)
		}
	}
	if a, b := c.Storage.KeyFile, c.Outbox.KeyFile; a != "" && b != "" && filepath.Clean(a) != filepath.Clean(b) {
		p.add("outbox.keyFile", "%s is not storage.keyFile (%s): there is one storage key; outbox.keyFile is its older name, leave it out", b, a)
	}
	c.Authz.validate(p)
	c.Policy.validate(p)
	c.Devices.validate(p)
	c.Face.validate(p)
	c.UI.validate(p)
}

// resolvePaths makes relative file paths relative to the config's folder.
func (c *Config) resolvePaths(dir string) {
	for _, s := range []*string{&c.Kiosk.DataDir, &c.MQTT.CAFile, &c.MQTT.CertFile, &c.MQTT.KeyFile,
		&c.MQTT.PasswordFile, &c.Outbox.KeyFile, &c.Storage.KeyFile, &c.Devices.Scanner.SpoolDir, &c.Devices.Chip.CSCADir, &c.Face.ModelFile, &c.Face.CascadeDir, &c.UI.CertFile, &c.UI.KeyFile} {
		if *s != "" && !filepath.IsAbs(*s) {
			*s = filepath.Join(dir, *s)
		}
	}
	if f := c.Face.LandmarkModel; f != "" && f != NoLandmarks && !filepath.IsAbs(f) {
		c.Face.LandmarkModel = filepath.Join(dir, f)
	}
	for i, f := range c.Devices.Camera.Files {
		if !filepath.IsAbs(f) {
			c.Devices.Camera.Files[i] = filepath.Join(dir, f)
		}
	}
}

// KeyRing builds the verifier of central messages from trust.keys.
func (c *Config) KeyRing() (*wire.KeyRing, error) { return wire.NewKeyRing(c.Trust.Keys) }

// known holds every valid key path, to suggest the nearest for a typo. It
// is read off the Config type, so that a new key is known at once.
var known = KeyPaths()

// KeyPaths lists every configuration key as a dotted path
// (devices.mrzReader.baud), from the toml tags of Config.
func KeyPaths() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range tomlFields(t) {
			name := tomlName(f)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(textUnmarshaler) {
				walk(ft, prefix+name+".")
				continue
			}
			out = append(out, prefix+name)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// suggest names the known key closest to a mistyped one.
func suggest(key string) string {
	best, bestD := "", len(key)/4+2
	for _, k := range known {
		if d := editDistance(strings.ToLower(k), strings.ToLower(key)); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
