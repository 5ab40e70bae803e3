package gstcam_test

import (
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/camtest"
)

func frames(t *testing.T, c *camera.Camera, n int, timeout time.Duration) camera.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var m camera.Frame
	r := c.NewReader()
	for i := 0; i < n; i++ {
		if err := r.Next(ctx, &m); err != nil {
			t.Fatalf("frame %d: %v (health %v)", i, err, c.Health())
		}
	}
	return m
}

func TestTestSource(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceTest, Width: 320, Height: 240, FPS: 30})
	m := frames(t, c, 5, 10*time.Second)
	if m.Width != 320 || m.Height != 240 || len(m.Pix) != 320*240*3 {
		t.Fatalf("frame %dx%d with %d bytes, want 320x240 BGR", m.Width, m.Height, len(m.Pix))
	}
	if c.Health() != nil {
		t.Fatalf("health %v", c.Health())
	}
}

func TestNextReturnsNewerFrames(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceTest, Width: 160, Height: 120, FPS: 30})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m camera.Frame
	a, err := c.Next(ctx, &m, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Next(ctx, &m, a)
	if err != nil {
		t.Fatal(err)
	}
	if b <= a {
		t.Fatalf("second frame %d not after %d", b, a)
	}
}

// A slow reader must see the latest frame, never a backlog: after sleeping
// while several frames go by, the next frame number jumps.
func TestSlowReaderSkipsFrames(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceTest, Width: 160, Height: 120, FPS: 30})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m camera.Frame
	a, err := c.Next(ctx, &m, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	b, err := c.Next(ctx, &m, a)
	if err != nil {
		t.Fatal(err)
	}
	if b-a < 5 {
		t.Fatalf("after 500 ms at 30 fps the next frame is %d, only %d after %d", b, b-a, a)
	}
}

func waitEvent(t *testing.T, c *camera.Camera, timeout time.Duration) drivers.Event {
	t.Helper()
	select {
	case ev := <-c.Events():
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event in %v (health %v, stats %+v)", timeout, c.Health(), c.Stats())
	}
	return nil
}

func wantFault(t *testing.T, c *camera.Camera, code drivers.Code) drivers.Fault {
	t.Helper()
	ev := waitEvent(t, c, 10*time.Second)
	f, ok := ev.(drivers.Fault)
	if !ok {
		t.Fatalf("event %#v, want a fault", ev)
	}
	if f.Err.Code() != code {
		t.Fatalf("fault %v, want code %s", f.Err, code)
	}
	if c.Health() == nil {
		t.Fatalf("health nil during a fault")
	}
	return f
}

func TestBadLaunchStringIsConfigFault(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourcePipeline, Pipeline: "videotestsrc ! nosuchelement"})
	f := wantFault(t, c, drivers.CodeConfig)
	t.Logf("fault: %v", f.Err)
}

func TestPipelineWithoutAppsinkIsConfigFault(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourcePipeline, Pipeline: "videotestsrc ! fakesink"})
	wantFault(t, c, drivers.CodeConfig)
}

func TestMissingV4L2DeviceIsNotFound(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceV4L2, Device: "/dev/video9"})
	f := wantFault(t, c, drivers.CodeNotFound)
	if f.Err.Port != "/dev/video9" {
		t.Errorf("fault port %q", f.Err.Port)
	}
	// Only one fault per outage, however many retries.
	time.Sleep(300 * time.Millisecond)
	select {
	case ev := <-c.Events():
		t.Fatalf("second event %#v during one outage", ev)
	default:
	}
	if s := c.Stats(); s.Faults != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestMissingV4L2NameIsNotFound(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceV4L2, Device: "No Such Camera 3000"})
	wantFault(t, c, drivers.CodeNotFound)
}

func TestPipelineEOSIsDisconnectedThenRecovers(t *testing.T) {
	// A source that ends after 10 frames: each pipeline delivers frames,
	// then ends; the camera reports the end once and recovers on rebuild.
	c := camtest.Open(t, camera.Config{Source: camera.SourcePipeline, Pipeline: "videotestsrc num-buffers=10 ! video/x-raw,width=160,height=120,framerate=100/1"})
	wantFault(t, c, drivers.CodeDisconnected)
	ev := waitEvent(t, c, 10*time.Second)
	r, ok := ev.(drivers.Recovered)
	if !ok || r.After != drivers.CodeDisconnected {
		t.Fatalf("event %#v, want recovered after disconnected", ev)
	}
}

func TestRecoveryAfterSourceError(t *testing.T) {
	// The file source's only file is missing at first: not_found. When it
	// appears, the camera recovers on its own.
	dir := t.TempDir()
	img := filepath.Join(dir, "face.png")
	c := camtest.Open(t, camera.Config{Source: camera.SourceFile, Files: []string{img}, Width: 160, Height: 120, FPS: 15})
	wantFault(t, c, drivers.CodeNotFound)
	writeTestImage(t, img)
	ev := waitEvent(t, c, 10*time.Second)
	if r, ok := ev.(drivers.Recovered); !ok || r.After != drivers.CodeNotFound {
		t.Fatalf("event %#v, want recovered after not_found", ev)
	}
	if c.Health() != nil {
		t.Fatalf("health %v after recovery", c.Health())
	}
	frames(t, c, 2, 5*time.Second)
}

func TestCorruptFileIsProtocolFault(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "broken.jpg")
	if err := os.WriteFile(img, []byte("this is not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := camtest.Open(t, camera.Config{Source: camera.SourceFile, Files: []string{img}})
	f := wantFault(t, c, drivers.CodeProtocol)
	t.Logf("fault: %v", f.Err)
}

func TestFileSourceLoopsImages(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.png")
	b := filepath.Join(dir, "b.jpg")
	writeTestImage(t, a)
	writeTestImage(t, b)
	c := camtest.Open(t, camera.Config{Source: camera.SourceFile, Files: []string{a, b}, Width: 160, Height: 120, FPS: 30, ImageDuration: 100 * time.Millisecond})
	frames(t, c, 20, 10*time.Second)
	if s := c.Stats(); s.Loops < 2 || s.Faults != 0 {
		t.Fatalf("stats %+v: want at least 2 files played, no fault", s)
	}
}

// writeTestImage writes a plain 120x90 image (PNG or JPEG by path's
// extension), atomically: the camera never sees half a file.
func writeTestImage(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 200, 120, 40, 255
	}
	tmp := path + ".tmp" + filepath.Ext(path)
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(path) == ".png" {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, nil)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("write %s: %v", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// A path that exists but is not a capture device (a USB camera's metadata
// node, here /dev/null) is a configuration fault.
func TestNotACameraIsConfigFault(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceV4L2, Device: "/dev/null"})
	f := wantFault(t, c, drivers.CodeConfig)
	t.Logf("fault: %v", f.Err)
}

// A pipeline that plays but stops delivering frames is a timeout fault.
func TestStallIsTimeoutFault(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourcePipeline, Pipeline: "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=1/30",
		StallTimeout: 400 * time.Millisecond})
	f := wantFault(t, c, drivers.CodeTimeout)
	t.Logf("fault: %v", f.Err)
}
