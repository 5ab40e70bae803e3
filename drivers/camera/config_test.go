package camera

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

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

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Source: "webcam"},
		{Source: SourceV4L2},
		{Source: SourceFile},
		{Source: SourcePipeline},
		{Source: SourceTest, FPS: 500},
	} {
		_, err := Open(cfg, nil)
		if drivers.CodeOf(err) != drivers.CodeConfig {
			t.Errorf("%+v: %v, want a config error", cfg, err)
		}
		var de *drivers.Error
		if !errors.As(err, &de) {
			t.Errorf("not a *drivers.Error: %T", err)
		}
	}
}
