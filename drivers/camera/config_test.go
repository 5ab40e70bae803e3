package camera

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-gst/go-gst/gst"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Every source's launch string parses and ends in the appsink (the v4l2
// one with /dev/null standing in for a camera: parsing opens nothing).
func TestLaunchStringsParse(t *testing.T) {
	initGStreamer()
	dir := t.TempDir()
	img := filepath.Join(dir, "a b\"c.png") // spaces and quotes survive quoting
	vid := filepath.Join(dir, "clip.avi")
	os.WriteFile(img, []byte("x"), 0o644)
	os.WriteFile(vid, []byte("x"), 0o644)
	for _, cfg := range []Config{
		{Source: SourceTest},
		{Source: SourceV4L2, Device: "/dev/null"},
		{Source: SourceFile, Files: []string{img}},
		{Source: SourceFile, Files: []string{vid}},
		{Source: SourcePipeline, Pipeline: "videotestsrc pattern=ball"},
		{Source: SourcePipeline, Pipeline: "videotestsrc ! videoconvert ! video/x-raw,format=BGR ! appsink name=xptsink"},
	} {
		cfg.defaults()
		launch, err := cfg.launch(0)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		p, err := gst.NewPipelineFromString(launch)
		if err != nil {
			t.Fatalf("%s: %v", launch, err)
		}
		if _, err := findSink(p); err != nil {
			t.Fatalf("%s: %v", launch, err)
		}
		if cfg.Source == SourceFile && cfg.Files[0] == img {
			loc, _ := p.GetElementByName("filesrc0")
			if loc != nil {
				if v, _ := loc.GetProperty("location"); v != img {
					t.Errorf("location %q, want %q", v, img)
				}
			}
		}
	}
}

func TestParseSourceSpec(t *testing.T) {
	for spec, want := range map[string]Config{
		"test":                    {Source: SourceTest},
		"test:ball":               {Source: SourceTest, Pattern: "ball"},
		"file:a.jpg,b.png":        {Source: SourceFile, Files: []string{"a.jpg", "b.png"}},
		"v4l2:/dev/video2":        {Source: SourceV4L2, Device: "/dev/video2"},
		"v4l2":                    {Source: SourceV4L2, Device: "/dev/video0"},
		"pipeline:videotestsrc":   {Source: SourcePipeline, Pipeline: "videotestsrc"},
		"pipeline:a ! b name=x:y": {Source: SourcePipeline, Pipeline: "a ! b name=x:y"},
	} {
		var c Config
		if err := c.ParseSourceSpec(spec); err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if c.Source != want.Source || c.Device != want.Device || c.Pipeline != want.Pipeline || c.Pattern != want.Pattern || strings.Join(c.Files, ",") != strings.Join(want.Files, ",") {
			t.Errorf("%s: %+v, want %+v", spec, c, want)
		}
	}
	for _, bad := range []string{"webcam", "file:", "pipeline:", ""} {
		var c Config
		if err := c.ParseSourceSpec(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestResolveV4L2ByName(t *testing.T) {
	dir := t.TempDir()
	for n, name := range map[string]string{"video0": "Integrated Camera", "video2": "HD Pro Webcam C920", "video3": "HD Pro Webcam C920", "video10": "HD Pro Webcam C920"} {
		os.MkdirAll(filepath.Join(dir, n), 0o755)
		os.WriteFile(filepath.Join(dir, n, "name"), []byte(name+"\n"), 0o644)
	}
	old := sysfsVideo
	sysfsVideo = dir
	defer func() { sysfsVideo = old }()
	if got, err := ResolveV4L2("c920"); err != nil || got != "/dev/video2" {
		t.Fatalf("c920: %q %v", got, err)
	}
	if _, err := ResolveV4L2("Logitech Brio"); drivers.CodeOf(err) != drivers.CodeNotFound {
		t.Fatalf("brio: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for msg, want := range map[string]drivers.Code{
		`no element "foo"`:                                                            drivers.CodeConfig,
		"Cannot identify device '/dev/video9'.":                                       drivers.CodeNotFound,
		"Resource not found.":                                                         drivers.CodeNotFound,
		"Device '/dev/video0' is busy":                                                drivers.CodeBusy,
		"Could not open device: Permission denied":                                    drivers.CodePermission,
		"Could not read from resource.":                                               drivers.CodeDisconnected,
		"Error reading from device: No such device":                                   drivers.CodeDisconnected,
		"Could not determine type of stream.":                                         drivers.CodeProtocol,
		"Internal data stream error. (streaming stopped, reason not-negotiated (-4))": drivers.CodeProtocol,
		"Your GStreamer installation is missing a plug-in.":                           drivers.CodeNotBuilt,
		"Device '/dev/video1' is not a capture device.":                               drivers.CodeConfig,
		"something else entirely":                                                     drivers.CodeIO,
	} {
		if got := classify(msg, "", "read").Kind; got != want {
			t.Errorf("%q: %s, want %s", msg, got, want)
		}
	}
}
