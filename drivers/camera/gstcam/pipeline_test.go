package gstcam

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-gst/go-gst/gst"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
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
	for _, cfg := range []camera.Config{
		{Source: camera.SourceTest},
		{Source: camera.SourceV4L2, Device: "/dev/null"},
		{Source: camera.SourceFile, Files: []string{img}},
		{Source: camera.SourceFile, Files: []string{vid}},
		{Source: camera.SourcePipeline, Pipeline: "videotestsrc pattern=ball"},
		{Source: camera.SourcePipeline, Pipeline: "videotestsrc ! videoconvert ! video/x-raw,format=BGR ! appsink name=xptsink"},
	} {
		launch, err := cfg.LaunchString(0)
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
		if cfg.Source == camera.SourceFile && cfg.Files[0] == img {
			loc, _ := p.GetElementByName("filesrc0")
			if loc != nil {
				if v, _ := loc.GetProperty("location"); v != img {
					t.Errorf("location %q, want %q", v, img)
				}
			}
		}
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
