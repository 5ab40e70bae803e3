package face

import (
	"bytes"
	"context"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

func TestGuidanceTableComplete(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes {
		m, ok := Guidance[c]
		if !ok || m.EN == "" || m.FR == "" {
			t.Errorf("%s: no English and French message", c)
		}
		if len(m.EN) > 50 || len([]rune(m.FR)) > 50 {
			t.Errorf("%s: message too long for one line: %q / %q", c, m.EN, m.FR)
		}
		seen[c] = true
	}
	if len(seen) != len(Guidance) {
		t.Errorf("Codes lists %d codes, Guidance has %d", len(seen), len(Guidance))
	}
	for c, want := range map[Code][2]string{
		MoveCloser:    {"Move closer", "Approchez-vous"},
		MultipleFaces: {"Only one person, please", "Une seule personne, s'il vous plaît"},
		HoldStill:     {"Hold still", "Ne bougez plus"},
		MoreLight:     {"More light needed", "Plus de lumière nécessaire"},
	} {
		if c.Message("en") != want[0] || c.Message("fr") != want[1] {
			t.Errorf("%s: %q / %q, want %q / %q", c, c.Message("en"), c.Message("fr"), want[0], want[1])
		}
	}
}

// Each rule, on measured figures: the first failing rule gives the code.
func TestVerdictRules(t *testing.T) {
	d := detector(t)
	good := Quality{Faces: 1, FaceRatio: 0.35, Offset: 0.05, Sharpness: 500, Brightness: 130, Contrast: 40, Frontal: true}
	for _, tc := range []struct {
		name string
		mod  func(q *Quality)
		want Code
	}{
		{"good", func(q *Quality) {}, OK},
		{"two people", func(q *Quality) { q.Faces = 2 }, MultipleFaces},
		{"far", func(q *Quality) { q.FaceRatio = 0.1 }, MoveCloser},
		{"near", func(q *Quality) { q.FaceRatio = 0.9 }, MoveBack},
		{"aside", func(q *Quality) { q.Offset = 0.3 }, CenterFace},
		{"dark", func(q *Quality) { q.Brightness = 30 }, MoreLight},
		{"flat", func(q *Quality) { q.Contrast = 5 }, MoreLight},
		{"bright", func(q *Quality) { q.Brightness = 240 }, LessLight},
		{"blurred", func(q *Quality) { q.Sharpness = 20 }, HoldStill},
		{"profile", func(q *Quality) { q.Frontal = false }, LookAtCamera},
		{"two people far and dark", func(q *Quality) { q.Faces, q.FaceRatio, q.Brightness = 3, 0.1, 20 }, MultipleFaces},
		{"far and blurred", func(q *Quality) { q.FaceRatio, q.Sharpness = 0.1, 10 }, MoveCloser},
	} {
		q := good
		tc.mod(&q)
		if got := d.verdict(q); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// The rules on real images: a sample face from opencv-doc placed in a
// 640x480 frame in different ways.
func TestAnalyzeImages(t *testing.T) {
	d := detector(t)
	f := makeFrames(t)
	defer f.Close()
	for _, tc := range []struct {
		name  string
		frame gocv.Mat
		want  Code
	}{
		{"good", f.good, OK},
		{"small", f.small, MoveCloser},
		{"off centre", f.offCentre, CenterFace},
		{"four people", f.four, MultipleFaces},
		{"dark", f.dark, MoreLight},
		{"blurred", f.blurred, HoldStill},
		{"nobody", f.blank, NoFace},
	} {
		q := d.Analyze(tc.frame)
		if q.Code != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, q.Code, tc.want, q)
		}
		if (q.Code == OK) != q.OK {
			t.Errorf("%s: OK %v with code %s", tc.name, q.OK, q.Code)
		}
	}
	if q := d.Analyze(gocv.NewMat()); q.Code != CameraUnavailable {
		t.Errorf("empty frame: %s", q.Code)
	}
}

func TestCaptureKeepsBestAndStopsEarly(t *testing.T) {
	d := detector(t)
	f := makeFrames(t)
	defer f.Close()
	src := &script{frames: []gocv.Mat{f.blank, f.four, f.small, f.blurred, f.good, f.good, f.good, f.good}}
	var codes []Code
	c, err := d.Capture(context.Background(), src, CaptureOptions{Window: 5 * time.Second, OnFrame: func(q Quality) { codes = append(codes, q.Code) }})
	if err != nil {
		t.Fatalf("Capture: %v (codes %v)", err, codes)
	}
	if !c.Quality.OK || c.Frames != 7 {
		t.Fatalf("capture %+v after %d frames, want ok after 7 (codes %v)", c.Quality, c.Frames, codes)
	}
	want := []Code{NoFace, MultipleFaces, MoveCloser, HoldStill, OK, OK, OK}
	if len(codes) != len(want) {
		t.Fatalf("guidance %v, want %v", codes, want)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("guidance %v, want %v", codes, want)
		}
	}
	img, err := gocv.IMDecode(c.JPEG, gocv.IMReadColor)
	if err != nil || img.Cols() != 640 || img.Rows() != 480 {
		t.Fatalf("JPEG does not decode to 640x480: %v", err)
	}
	img.Close()
	if !bytes.HasPrefix(c.JPEG, []byte{0xFF, 0xD8}) {
		t.Fatal("not a JPEG")
	}
}

func TestCaptureFailsWithReason(t *testing.T) {
	d := detector(t)
	f := makeFrames(t)
	defer f.Close()
	src := &script{frames: []gocv.Mat{f.four}, interval: 20 * time.Millisecond}
	start := time.Now()
	_, err := d.Capture(context.Background(), src, CaptureOptions{Window: 400 * time.Millisecond})
	var ce *CaptureError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want a CaptureError", err)
	}
	if ce.Reason != MultipleFaces || ce.Frames == 0 || len(ce.JPEG) == 0 {
		t.Fatalf("%+v", ce)
	}
	if !strings.HasPrefix(ce.Error(), FailedReason) {
		t.Errorf("error %q does not start with %s", ce.Error(), FailedReason)
	}
	if e := time.Since(start); e > 2*time.Second {
		t.Errorf("window of 400 ms took %v", e)
	}
}

func TestCaptureWithoutFrames(t *testing.T) {
	d := detector(t)
	_, err := d.Capture(context.Background(), silent{}, CaptureOptions{Window: 200 * time.Millisecond})
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.Reason != CameraUnavailable {
		t.Fatalf("err %v, want camera_unavailable", err)
	}
}

func TestCaptureCancelled(t *testing.T) {
	d := detector(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err := d.Capture(ctx, silent{}, CaptureOptions{Window: 5 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want cancelled", err)
	}
}

func TestWindowBounded(t *testing.T) {
	d := detector(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A window over the maximum is cut to MaxWindow; here we only check the
	// option is accepted and a silent camera fails by the window, not later.
	_, err := d.Capture(ctx, silent{}, CaptureOptions{Window: 300 * time.Millisecond})
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

func TestOverlayDraws(t *testing.T) {
	d := detector(t)
	f := makeFrames(t)
	defer f.Close()
	img := f.good.Clone()
	defer img.Close()
	d.Overlay(&img)
	diff := gocv.NewMat()
	defer diff.Close()
	gocv.AbsDiff(img, f.good, &diff)
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(diff, &gray, gocv.ColorBGRToGray)
	if gocv.CountNonZero(gray) == 0 {
		t.Fatal("overlay drew nothing")
	}
}

func TestLBPCascadeDir(t *testing.T) {
	d, err := NewDetector(Options{CascadeDir: "/usr/share/opencv4/lbpcascades"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fc, ec := d.Cascades()
	if !strings.Contains(fc, "lbpcascade_frontalface") || !strings.Contains(ec, "haarcascades/haarcascade_eye") {
		t.Fatalf("cascades %s, %s", fc, ec)
	}
	f := makeFrames(t)
	defer f.Close()
	if q := d.Analyze(f.good); q.Faces != 1 {
		t.Fatalf("LBP: %+v", q)
	}
}

func TestMissingCascadeDir(t *testing.T) {
	if _, err := NewDetector(Options{CascadeDir: t.TempDir()}); err == nil {
		t.Fatal("no error for a folder without cascades")
	}
}

var _ = image.Pt
