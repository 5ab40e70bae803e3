package cvcam

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
)

// faceImage is the sample face the face package's tests use.
var faceImage, _ = filepath.Abs("../face/testdata/face.jpg")

// fastFacePipeline plays the sample face at fps frames per second: a
// camera loop faster than any kiosk camera.
func fastFacePipeline(w, h, fps int) string {
	return fmt.Sprintf("filesrc location=%s ! decodebin ! videoconvert ! videoscale ! video/x-raw,format=BGR,width=%d,height=%d,pixel-aspect-ratio=1/1 ! imagefreeze is-live=true ! video/x-raw,framerate=%d/1", quoted(faceImage), w, h, fps)
}

// runLoop reads n frames from cam the way the kiosk does: every frame is
// copied out, every analyseEvery-th is analysed, drawn on and encoded.
// sample, when not nil, is called every 1000 frames.
func runLoop(t testing.TB, cam *camera.Camera, det *face.Detector, n, analyseEvery int, sample func(i int)) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	frame := gocv.NewMat()
	defer frame.Close()
	r := NewReader(cam)
	for i := 1; i <= n; i++ {
		if err := r.Next(ctx, &frame); err != nil {
			t.Fatalf("frame %d: %v (health %v)", i, err, cam.Health())
		}
		if det != nil && i%analyseEvery == 0 {
			q := det.Analyze(frame)
			face.DrawOverlay(&frame, q)
			if _, err := face.EncodeJPEG(frame, 80); err != nil {
				t.Fatal(err)
			}
		}
		if sample != nil && i%1000 == 0 {
			sample(i)
		}
	}
}

// rssKB reads the resident set size of this process.
func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// TestLongRunMemory runs the camera loop for XPT_CAMERA_LONGRUN frames
// (10000 in scripts/bench-camera.sh) at 640x480 and checks the resident
// memory stays flat once warmed up. Skipped in the normal suite.
func TestLongRunMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("XPT_CAMERA_LONGRUN"))
	if n < 2000 {
		t.Skip("set XPT_CAMERA_LONGRUN=10000 to run (scripts/bench-camera.sh does)")
	}
	det, err := face.NewDetector(face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	cam, err := gstcam.Open(camera.Config{Source: camera.SourcePipeline, Pipeline: fastFacePipeline(640, 480, 120)})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	var samples []int
	start := time.Now()
	runLoop(t, cam, det, n, 10, func(i int) {
		runtime.GC()
		samples = append(samples, rssKB())
		t.Logf("frames %5d  rss %6d kB  (%.0f frames/s read)", i, samples[len(samples)-1], float64(i)/time.Since(start).Seconds())
	})
	warm := samples[1] // after 2000 frames
	last := samples[len(samples)-1]
	peak := 0
	for _, s := range samples[1:] {
		peak = max(peak, s)
	}
	t.Logf("RSS after 2000 frames %d kB, after %d frames %d kB (peak %d kB), camera stats %+v", warm, n, last, peak, cam.Stats())
	if last-warm > 16*1024 {
		t.Fatalf("RSS grew by %d kB from frame 2000 to %d", last-warm, n)
	}
}
