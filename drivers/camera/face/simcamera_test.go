package face

import (
	"context"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/cvcam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
)

// The simulated camera (a GStreamer file source playing the sample face in
// a loop) gives a good capture within seconds.
func TestCaptureFromSimulatedCamera(t *testing.T) {
	d := detector(t)
	cam, err := gstcam.Open(camera.Config{Source: camera.SourceFile, Files: []string{"testdata/face.jpg"}, FPS: 15})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var times []time.Duration
	for i := 0; i < 3; i++ {
		c, err := d.Capture(ctx, cvcam.NewReader(cam), CaptureOptions{Window: 10 * time.Second})
		if err != nil {
			t.Fatalf("capture %d: %v (camera health %v)", i, err, cam.Health())
		}
		if !c.Quality.OK || c.Quality.Width != 640 || c.Quality.Height != 480 {
			t.Fatalf("capture %d: %+v", i, c.Quality)
		}
		times = append(times, c.Elapsed)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	t.Logf("capture times %v", times)
	if times[1] > 3*time.Second {
		t.Fatalf("median capture time %v over 3 s", times[1])
	}
}

// A sequence of files (nobody, four people, then the traveler) plays as a
// traveler stepping up: the guidance follows and the capture succeeds.
func TestCaptureFromFileSequence(t *testing.T) {
	d := detector(t)
	dir := t.TempDir()
	f := makeFrames(t)
	defer f.Close()
	files := []string{dir + "/0-blank.png", dir + "/1-four.jpg", dir + "/2-good.jpg"}
	if !writeImg(files[0], f.blank) || !writeImg(files[1], f.four) || !writeImg(files[2], f.good) {
		t.Fatal("cannot write test frames")
	}
	cam, err := gstcam.Open(camera.Config{Source: camera.SourceFile, Files: files, FPS: 15, ImageDuration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	seen := map[Code]bool{}
	c, err := d.Capture(context.Background(), cvcam.NewReader(cam), CaptureOptions{Window: 10 * time.Second, OnFrame: func(q Quality) { seen[q.Code] = true }})
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	if !c.Quality.OK {
		t.Fatalf("%+v", c.Quality)
	}
	if !seen[NoFace] || !seen[MultipleFaces] {
		t.Fatalf("guidance seen: %v, want no_face and multiple_faces before ok", seen)
	}
}

// TestCaptureTimes measures the time to a good capture from the simulated
// camera, XPT_CAMERA_RUNS times: cold (open the camera, capture, close)
// and warm (capture on a running camera), and logs the medians.
// scripts/bench-camera.sh runs it; skipped in the normal suite.
func TestCaptureTimes(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("XPT_CAMERA_RUNS"))
	if runs < 1 {
		t.Skip("set XPT_CAMERA_RUNS=9 to run (scripts/bench-camera.sh does)")
	}
	d := detector(t)
	cfg := camera.Config{Source: camera.SourceFile, Files: []string{"testdata/face.jpg"}, FPS: 15}
	var cold, warm []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		cam, err := gstcam.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Capture(context.Background(), cvcam.NewReader(cam), CaptureOptions{Window: 10 * time.Second}); err != nil {
			t.Fatalf("cold capture %d: %v", i, err)
		}
		cold = append(cold, time.Since(start))
		c, err := d.Capture(context.Background(), cvcam.NewReader(cam), CaptureOptions{Window: 10 * time.Second})
		if err != nil {
			t.Fatalf("warm capture %d: %v", i, err)
		}
		warm = append(warm, c.Elapsed)
		cam.Close()
	}
	med := func(ds []time.Duration) time.Duration {
		s := append([]time.Duration(nil), ds...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	t.Logf("capture of a good face from the simulated camera (file source, 640x480 at 15 fps), %d runs:", runs)
	t.Logf("  cold (open camera + capture): median %v  all %v", med(cold).Round(time.Millisecond), cold)
	t.Logf("  warm (camera running):        median %v  all %v", med(warm).Round(time.Millisecond), warm)
	if med(cold) > 3*time.Second {
		t.Errorf("cold median %v over 3 s", med(cold))
	}
}
