package face

import (
	"context"
	"image"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// A shared detector: loading cascades takes a while.
var (
	detOnce sync.Once
	det     *Detector
	detErr  error
)

func detector(t testing.TB) *Detector {
	t.Helper()
	detOnce.Do(func() { det, detErr = NewDetector(Options{}) })
	if detErr != nil {
		t.Fatalf("NewDetector: %v", detErr)
	}
	return det
}

func read(t testing.TB, path string) gocv.Mat {
	t.Helper()
	m := gocv.IMRead(path, gocv.IMReadColor)
	if m.Empty() {
		t.Fatalf("cannot read %s", path)
	}
	return m
}

// place draws img scaled to size side x side at (x, y) on a black 640x480
// frame, the way a kiosk camera would see a traveler at that place.
func place(img gocv.Mat, side, x, y int) gocv.Mat {
	out := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(30, 30, 30, 0), 480, 640, gocv.MatTypeCV8UC3)
	r := image.Rect(x, y, x+side, y+side).Intersect(image.Rect(0, 0, 640, 480))
	scaled := gocv.NewMat()
	gocv.Resize(img, &scaled, image.Pt(side, side), 0, 0, gocv.InterpolationLinear)
	src := scaled.Region(r.Sub(image.Pt(x, y)))
	dst := out.Region(r)
	src.CopyTo(&dst)
	src.Close()
	dst.Close()
	scaled.Close()
	return out
}

// frames is the frame set the tests use, built from testdata.
type frameSet struct {
	good, small, offCentre, four, dark, blurred, blank gocv.Mat
}

func makeFrames(t testing.TB) *frameSet {
	t.Helper()
	face := read(t, "testdata/face.jpg")
	defer face.Close()
	four := read(t, "testdata/four-faces.jpg")
	defer four.Close()
	f := &frameSet{
		good:      place(face, 480, 80, 0),
		small:     place(face, 260, 190, 110),
		offCentre: place(face, 360, 0, 60),
		four:      place(four, 480, 80, 0),
		blank:     gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 90, 90, 0), 480, 640, gocv.MatTypeCV8UC3),
		dark:      gocv.NewMat(),
		blurred:   gocv.NewMat(),
	}
	f.good.ConvertToWithParams(&f.dark, gocv.MatTypeCV8UC3, 0.3, 0)
	gocv.GaussianBlur(f.good, &f.blurred, image.Pt(41, 41), 0, 0, gocv.BorderDefault)
	return f
}

func (f *frameSet) Close() {
	for _, m := range []gocv.Mat{f.good, f.small, f.offCentre, f.four, f.dark, f.blurred, f.blank} {
		m.Close()
	}
}

// script is a FrameSource that plays frames in order, then repeats the
// last, one every interval.
type script struct {
	frames   []gocv.Mat
	interval time.Duration
	i        int
}

func (s *script) Next(ctx context.Context, dst *gocv.Mat) error {
	if s.interval > 0 {
		select {
		case <-time.After(s.interval):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.frames[min(s.i, len(s.frames)-1)].CopyTo(dst)
	s.i++
	return nil
}

// silent is a camera that never delivers.
type silent struct{}

func (silent) Next(ctx context.Context, dst *gocv.Mat) error {
	<-ctx.Done()
	return ctx.Err()
}

func imageRect(x0, y0, x1, y1 int) image.Rectangle { return image.Rect(x0, y0, x1, y1) }

func writeImg(path string, m gocv.Mat) bool { return gocv.IMWrite(path, m) }
