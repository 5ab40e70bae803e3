//go:build matprofile

package cvcam

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/tinyonnx"
)

// TestNoMatLeaks runs every path that makes Mats (the camera loop with
// frame-size changes and pipeline rebuilds, analysis, overlay, capture,
// preview, the comparator) and checks gocv's Mat profile is back to where
// it started once everything is closed. Run with
//
//	go test -tags matprofile -run TestNoMatLeaks ./drivers/camera/cvcam/
func TestNoMatLeaks(t *testing.T) {
	before := gocv.MatProfile.Count()

	det, err := face.NewDetector(face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The camera loop, many frames, analysed every 5th.
	cam, err := gstcam.Open(camera.Config{Source: camera.SourcePipeline, Pipeline: fastFacePipeline(320, 240, 200)})
	if err != nil {
		t.Fatal(err)
	}
	runLoop(t, cam, det, 2000, 5, nil)
	// The profile is live: the reader's frame and the detector's scratch
	// Mats are open now (the camera itself holds plain bytes).
	mid := gocv.MatProfile.Count()
	if mid <= before {
		t.Fatalf("Mat profile count %d mid-run, %d before: is the profile recording?", mid, before)
	}
	if s := cam.Stats(); s.Frames < 2000 {
		t.Fatalf("camera delivered %d frames", s.Frames)
	}

	// Capture, and the preview with the overlay.
	c, err := det.Capture(context.Background(), NewReader(cam), face.CaptureOptions{Window: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPreview(cam, PreviewOptions{Overlay: det.Overlay})
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/?snapshot=1", nil))
	if rec.Code != 200 {
		t.Fatalf("snapshot %d", rec.Code)
	}
	cam.Close()

	// A file source that changes frame size on every file and rebuilds its
	// pipeline each time, plus a fault and recovery.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.png")
	os.WriteFile(a, c.JPEG, 0o644)
	small := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	gocv.IMWrite(b, small)
	small.Close()
	cam2, err := gstcam.Open(camera.Config{Source: camera.SourceFile, Files: []string{a, b, filepath.Join(dir, "missing.jpg")}, FPS: 60, ImageDuration: 50 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runLoop(t, cam2, det, 60, 3, nil)
	cam2.Close()

	// The comparator on a produced model.
	model := filepath.Join(dir, "tiny.onnx")
	os.WriteFile(model, tinyonnx.Embedding(112, 8, 64, 1), 0o644)
	cmp, err := face.NewComparator(face.ModelOptions{ModelFile: model, Threshold: 0.5, Detector: det})
	if err != nil {
		t.Fatal(err)
	}
	if r := cmp.Compare(context.Background(), c.JPEG, face.Reference{Image: c.JPEG}); r.Result != face.Successful {
		t.Fatalf("compare %+v", r)
	}
	cmp.Close()
	det.Close()

	if after := gocv.MatProfile.Count(); after != before {
		var buf bytes.Buffer
		gocv.MatProfile.WriteTo(&buf, 1)
		t.Fatalf("%d Mats not closed (profile count %d, was %d):\n%s", after-before, after, before, buf.String())
	}
	t.Logf("Mat profile count %d before, %d mid-run, back to %d after closing", before, mid, before)
}
