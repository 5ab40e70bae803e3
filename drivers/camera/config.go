package camera

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Source kinds, as in [devices.camera] source.
const (
	SourceV4L2     = "v4l2"     // a USB camera: Device is a path (/dev/video0) or a name
	SourceTest     = "test"     // GStreamer's videotestsrc
	SourceFile     = "file"     // images or videos played in a loop: the simulated camera
	SourcePipeline = "pipeline" // any GStreamer launch string
)

// SinkName is the name of the appsink the camera reads. A pipeline source
// may end in its own appsink of that name (fed with video/x-raw,format=BGR);
// otherwise the camera appends the conversion and the appsink itself.
const SinkName = "xptsink"

// Config says where frames come from. Its keyed fields are
// [devices.camera] of the kiosk configuration, which embeds this type:
// their keys, defaults (Defaults) and checks (Validate) are the driver's
// alone. The others have no configuration keys and take their defaults
// when zero.
type Config struct {
	Name     string   `toml:"-" json:"-"`               // device name in events and logs ("camera" when empty)
	Source   string   `toml:"source" json:"source"`     // v4l2 | test | file | pipeline
	Device   string   `toml:"device" json:"device"`     // v4l2: /dev/videoN, or (part of) the name the driver gives the camera
	Width    int      `toml:"width" json:"width"`       // frame size the camera delivers (640x480 by default)
	Height   int      `toml:"height" json:"height"`     //
	FPS      int      `toml:"fps" json:"fps"`           // frames per second (15 by default)
	Files    []string `toml:"files" json:"files"`       // file: images (.jpg, .jpeg, .png) and videos, played in turn, looped
	Pipeline string   `toml:"pipeline" json:"pipeline"` // pipeline: a GStreamer launch string
	Pattern  string   `toml:"-" json:"-"`               // test: videotestsrc pattern ("smpte" when empty)

	// ImageDuration is how long the file source shows each still image
	// before the next file (2 s by default).
	ImageDuration time.Duration `toml:"-" json:"-"`
	// MinBackoff and MaxBackoff bound the wait before a failed pipeline is
	// rebuilt (250 ms and 5 s by default); the wait doubles on each failure.
	MinBackoff time.Duration `toml:"-" json:"-"`
	MaxBackoff time.Duration `toml:"-" json:"-"`
	// StallTimeout is how long a playing pipeline may deliver no frame
	// before it counts as a timeout fault (5 s by default).
	StallTimeout time.Duration `toml:"-" json:"-"`
	// StartTimeout bounds the state change to PLAYING (5 s by default).
	StartTimeout time.Duration `toml:"-" json:"-"`

	Logger *slog.Logger `toml:"-" json:"-"`
}

// The frame sizes and rates Validate accepts.
const (
	MinWidth, MinHeight = 160, 120
	MaxWidth, MaxHeight = 7680, 4320
	MinFPS, MaxFPS      = 1, 60
)

// Defaults fills the keyed fields left zero: 640x480 at 15 fps. There is
// no default source: a test pattern would refer every traveler
// FACE_CAPTURE_FAILED, and guessing /dev/video0 would hide a missing
// camera; Validate says what to write.
func (c *Config) Defaults() {
	if c.Width == 0 {
		c.Width = 640
	}
	if c.Height == 0 {
		c.Height = 480
	}
	if c.FPS == 0 {
		c.FPS = 15
	}
}

// Validate reports every problem of the keyed fields at once, as
// drivers.FieldErrors with the key paths under prefix
// ("devices.camera.source"), nil when there are none.
func (c Config) Validate(prefix string) error {
	var fe drivers.FieldErrors
	add := func(key, format string, a ...any) {
		fe = append(fe, drivers.FieldError{Field: prefix + "." + key, Message: fmt.Sprintf(format, a...)})
	}
	switch c.Source {
	case "":
		add("source", "no camera is configured: set source = \"v4l2\" and device = \"/dev/video0\" "+
			"(or \"file\", \"pipeline\"), or enabled = false for a kiosk without a face step")
	case SourceV4L2:
		if c.Device == "" {
			add("device", "v4l2 needs a device, for example /dev/video0")
		}
	case SourceTest:
	case SourceFile:
		if len(c.Files) == 0 {
			add("files", "the file source needs at least one image or video")
		}
		for _, f := range c.Files {
			if f == "" {
				add("files", "an empty file name")
				break
			}
		}
	case SourcePipeline:
		if strings.TrimSpace(c.Pipeline) == "" {
			add("pipeline", "the pipeline source needs a GStreamer launch string ending in an appsink")
		}
	default:
		add("source", "%q must be v4l2, test, file or pipeline", c.Source)
	}
	if c.Width < MinWidth || c.Width > MaxWidth {
		add("width", "%d is out of range (%d to %d; 640 to 1920 is usual)", c.Width, MinWidth, MaxWidth)
	}
	if c.Height < MinHeight || c.Height > MaxHeight {
		add("height", "%d is out of range (%d to %d; 480 to 1080 is usual)", c.Height, MinHeight, MaxHeight)
	}
	if c.FPS < MinFPS || c.FPS > MaxFPS {
		add("fps", "%d is out of range (%d to %d; 15 to 30 is usual)", c.FPS, MinFPS, MaxFPS)
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func (c *Config) defaults() {
	c.Defaults()
	if c.Name == "" {
		c.Name = "camera"
	}
	if c.Pattern == "" {
		c.Pattern = "smpte"
	}
	if c.ImageDuration <= 0 {
		c.ImageDuration = 2 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 250 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.StallTimeout <= 0 {
		c.StallTimeout = 5 * time.Second
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate is Validate as Open reports it: one config error of the device.
func (c *Config) validate() error {
	fe := c.Validate("devices." + c.Name)
	if fe == nil {
		return nil
	}
	return &drivers.Error{Kind: drivers.CodeConfig, Device: c.Name, Op: "configure", Err: fe}
}

// ParseSourceSpec fills Source and its fields from the short form the
// command line takes: "test", "test:ball" (a videotestsrc pattern),
// "file:PATH[,PATH...]", "v4l2:/dev/video0" (or v4l2:NAME) and
// "pipeline:LAUNCH".
func (c *Config) ParseSourceSpec(spec string) error {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case SourceTest:
		c.Source = SourceTest
		if arg != "" {
			c.Pattern = arg
		}
	case SourceFile:
		if arg == "" {
			return fmt.Errorf("file: needs a path, as in file:face.jpg")
		}
		c.Source = SourceFile
		c.Files = strings.Split(arg, ",")
	case SourceV4L2:
		if arg == "" {
			arg = "/dev/video0"
		}
		c.Source = SourceV4L2
		c.Device = arg
	case SourcePipeline:
		if arg == "" {
			return fmt.Errorf("pipeline: needs a launch string")
		}
		c.Source = SourcePipeline
		c.Pipeline = arg
	default:
		return fmt.Errorf("source %q: want test, file:PATH, v4l2:/dev/videoN or pipeline:LAUNCH", spec)
	}
	return nil
}

// quote makes s one value of a launch string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// sinkTail converts whatever comes before it to BGR at the configured size
// and ends in the appsink: one buffer kept, older ones dropped.
func (c *Config) sinkTail(sync bool) string {
	return fmt.Sprintf("videoconvert ! videoscale ! video/x-raw,format=BGR,width=%d,height=%d,pixel-aspect-ratio=1/1 ! %s",
		c.Width, c.Height, appsink(sync))
}

func appsink(sync bool) string {
	return fmt.Sprintf("appsink name=%s max-buffers=1 drop=true sync=%t emit-signals=false", SinkName, sync)
}

var imageExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

// IsImage reports whether the file source treats path as a still image.
func IsImage(path string) bool { return imageExt[strings.ToLower(filepath.Ext(path))] }

// launch returns the launch string for the source; for the file source,
// for its i-th file.
func (c *Config) launch(i int) (string, error) {
	switch c.Source {
	case SourceTest:
		return fmt.Sprintf("videotestsrc is-live=true pattern=%s ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! %s",
			c.Pattern, c.Width, c.Height, c.FPS, c.sinkTail(false)), nil
	case SourceV4L2:
		dev, err := ResolveV4L2(c.Device)
		if err != nil {
			return "", err
		}
		caps := fmt.Sprintf("video/x-raw,width=%[1]d,height=%[2]d,framerate=%[3]d/1;image/jpeg,width=%[1]d,height=%[2]d,framerate=%[3]d/1", c.Width, c.Height, c.FPS)
		return fmt.Sprintf("v4l2src device=%s ! capsfilter caps=%s ! decodebin ! %s", quote(dev), quote(caps), c.sinkTail(false)), nil
	case SourceFile:
		f := c.Files[i%len(c.Files)]
		if _, err := os.Stat(f); err != nil {
			return "", &drivers.Error{Kind: drivers.CodeNotFound, Op: "open", Port: f, Err: err}
		}
		if IsImage(f) {
			n := int(c.ImageDuration.Seconds()*float64(c.FPS) + 0.5)
			if n < 1 {
				n = 1
			}
			return fmt.Sprintf("filesrc location=%s ! decodebin ! videoconvert ! videoscale ! video/x-raw,format=BGR,width=%d,height=%d,pixel-aspect-ratio=1/1 ! imagefreeze is-live=true num-buffers=%d ! video/x-raw,framerate=%d/1 ! %s",
				quote(f), c.Width, c.Height, n, c.FPS, appsink(false)), nil
		}
		return fmt.Sprintf("filesrc location=%s ! decodebin ! videorate ! video/x-raw,framerate=%d/1 ! %s", quote(f), c.FPS, c.sinkTail(true)), nil
	case SourcePipeline:
		if strings.Contains(c.Pipeline, "appsink") {
			return c.Pipeline, nil
		}
		return strings.TrimSpace(c.Pipeline) + " ! " + c.sinkTail(false), nil
	}
	return "", &drivers.Error{Kind: drivers.CodeConfig, Err: fmt.Errorf("unknown source %q", c.Source)}
}

// LaunchString is the GStreamer launch string the camera builds for cfg
// (with its defaults) when it starts the i-th time: for the file source,
// for its i-th file. For tests and diagnostics.
func (c Config) LaunchString(i int) (string, error) {
	c.defaults()
	return c.launch(i)
}

// where names the source for messages: the device, the file or "test".
func (c *Config) where(i int) string {
	switch c.Source {
	case SourceV4L2:
		return c.Device
	case SourceFile:
		if len(c.Files) > 0 {
			return c.Files[i%len(c.Files)]
		}
	case SourcePipeline:
		return "pipeline"
	}
	return c.Source
}

// sysfsVideo is where the kernel lists V4L2 devices; a variable for tests.
var sysfsVideo = "/sys/class/video4linux"

// ResolveV4L2 turns a device path or a camera name into a /dev/videoN
// path. A name matches (case-insensitively, in part) the name the driver
// gives the device in sysfs; of several nodes with that name (a USB camera
// has a capture node and a metadata node) the lowest-numbered is taken.
func ResolveV4L2(device string) (string, error) {
	if strings.HasPrefix(device, "/") {
		if _, err := os.Stat(device); err != nil {
			return "", &drivers.Error{Kind: drivers.CodeNotFound, Op: "open", Port: device, Err: fmt.Errorf("no such video device")}
		}
		return device, nil
	}
	entries, _ := os.ReadDir(sysfsVideo)
	var names []string
	var found []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(sysfsVideo, e.Name(), "name"))
		if err != nil {
			continue
		}
		n := strings.TrimSpace(string(b))
		names = append(names, e.Name()+"="+n)
		if strings.Contains(strings.ToLower(n), strings.ToLower(device)) {
			found = append(found, e.Name())
		}
	}
	if len(found) == 0 {
		return "", &drivers.Error{Kind: drivers.CodeNotFound, Op: "find", Port: device,
			Err: fmt.Errorf("no video device has that name (seen: %s)", strings.Join(names, ", "))}
	}
	sort.Slice(found, func(i, j int) bool {
		if len(found[i]) != len(found[j]) {
			return len(found[i]) < len(found[j])
		}
		return found[i] < found[j]
	})
	return "/dev/" + found[0], nil
}
