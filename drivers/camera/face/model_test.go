package face

import (
	"context"
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// dlibModel is the converted face-api.js recognition network make deps
// writes (or $XPT_FACE_MODEL); tests that need it skip without it.
func dlibModel(t testing.TB) string {
	t.Helper()
	p := os.Getenv("XPT_FACE_MODEL")
	if p == "" {
		p = filepath.Join("..", "..", "..", "var", "models", "face_recognition_dlib.onnx")
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no converted face model (%v): make deps writes it", err)
	}
	return p
}

// landmarkFile is the landmark model the kiosk uses by default
// (XPT_FACE_LANDMARKS=none: chips placed from the face box, for the
// evaluation's comparison).
func landmarkFile(t testing.TB) string {
	t.Helper()
	p := os.Getenv("XPT_FACE_LANDMARKS")
	switch p {
	case "none":
		return ""
	case "":
		p = DefaultLandmarkFile
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no landmark model (%v): make deps installs libdlib-data", err)
	}
	return p
}

func dlibComparator(t testing.TB) *ModelComparator {
	t.Helper()
	// Recognised as the converted model: DlibOptions, DefaultThreshold.
	c, err := NewModelComparator(ModelOptions{ModelFile: dlibModel(t), Detector: detector(t), LandmarkFile: landmarkFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// referenceDescriptors runs face-api.js itself (model/reference.js, on its
// pure-JavaScript CPU backend) on 150x150 RGB crops.
func referenceDescriptors(t *testing.T, crops []gocv.Mat) [][]float32 {
	t.Helper()
	weights := filepath.Join("model", "node_modules", "@vladmandic", "face-api", "model")
	if _, err := os.Stat(filepath.Join("model", "node_modules", "face-api.js")); err != nil {
		t.Skipf("face-api.js is not installed (%v): make deps installs it", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	dir := t.TempDir()
	args := []string{"model/reference.js", weights}
	for i, c := range crops {
		rgb := gocv.NewMat()
		gocv.CvtColor(c, &rgb, gocv.ColorBGRToRGB)
		p := filepath.Join(dir, string(rune('a'+i))+".rgb")
		if err := os.WriteFile(p, rgb.ToBytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		rgb.Close()
		args = append(args, p)
	}
	out, err := exec.Command(node, args...).Output()
	if err != nil {
		t.Fatalf("reference.js: %v", err)
	}
	var d [][]float32
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// The converted ONNX model, run by OpenCV, gives face-api.js's own
// descriptors on the same crops.
func TestModelMatchesFaceAPI(t *testing.T) {
	c := dlibComparator(t)
	var crops []gocv.Mat
	for _, f := range []string{"testdata/face.jpg", "../../../internal/demo/demodata/face.png"} {
		m := read(t, f)
		q := c.o.Detector.Analyze(m)
		if q.Face.Empty() {
			t.Fatalf("%s: no face", f)
		}
		crop := c.Crop(m, q)
		m.Close()
		crops = append(crops, crop)
	}
	noise := gocv.NewMatWithSize(InputSizeDlib, InputSizeDlib, gocv.MatTypeCV8UC3)
	gocv.RandU(&noise, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	crops = append(crops, noise)
	defer func() {
		for _, m := range crops {
			m.Close()
		}
	}()
	ref := referenceDescriptors(t, crops)
	for i, crop := range crops {
		got, err := c.run(crop)
		if err != nil {
			t.Fatal(err)
		}
		if cos := Cosine(got, ref[i]); cos < 0.999 {
			t.Errorf("crop %d: cosine %.5f between OpenCV's and face-api.js's descriptors, want >= 0.999", i, cos)
		} else {
			t.Logf("crop %d: cosine %.6f", i, cos)
		}
	}
}

// The dlib model tells the same person from different people: the demo's
// face as a live capture (other size, place, tilts, light, JPEG) against
// it as the reference matches; the other faces of testdata and the ORL
// subjects do not; two ORL photos of one subject taken on different days
// match.
func TestDlibSameAndDifferentPeople(t *testing.T) {
	c := dlibComparator(t)
	if st := c.Status(); !st.Supported || st.Threshold != DefaultThreshold || !strings.Contains(st.Detail, "150x150 face crops") ||
		!strings.Contains(st.Detail, "to 128-value embeddings, score 1 - Euclidean distance") {
		t.Fatalf("status %+v", st)
	}
	face := read(t, "testdata/face.jpg")
	defer face.Close()
	ref := jpeg(t, face)
	for _, v := range variants("demo", face) {
		r := c.Compare(context.Background(), jpeg(t, v.frame), Reference{Image: ref})
		v.frame.Close()
		if strings.HasSuffix(v.name, "tilted14") && r.Result == Undetermined {
			// The face cascade does not find a face tilted 14 degrees:
			// undetermined (and no score), never a mismatch.
			continue
		}
		if r.Result != Successful || r.Score == nil || *r.Score < DefaultThreshold || *r.Threshold != DefaultThreshold {
			t.Errorf("%s against the reference: %+v", v.name, r)
		} else {
			t.Logf("%s: same person, score %.4f", v.name, *r.Score)
		}
	}
	four := read(t, "testdata/four-faces.jpg")
	defer four.Close()
	for i := 0; i < 4; i++ {
		h, w := four.Rows()/2, four.Cols()/2
		q := four.Region(image.Rect(i%2*w, i/2*h, i%2*w+w, i/2*h+h))
		other := place(q, 440, 100, 20)
		q.Close()
		r := c.Compare(context.Background(), jpeg(t, other), Reference{Image: ref})
		other.Close()
		if r.Result != Failed || r.Score == nil || *r.Score >= DefaultThreshold {
			t.Errorf("four-faces %d against the demo face: %+v", i, r)
		} else {
			t.Logf("four-faces %d: another person, score %.4f", i, *r.Score)
		}
	}
	orl := filepath.Join(gocvDir(t), "contrib", "att_faces")
	load := func(p string) []byte {
		g := read(t, filepath.Join(orl, p))
		defer g.Close()
		m := onCanvas(g, 300)
		defer m.Close()
		return jpeg(t, m)
	}
	s1a, s1b, s3 := load("s1/1.pgm"), load("s1/4.pgm"), load("s3/1.pgm")
	if r := c.Compare(context.Background(), s1a, Reference{Image: s1b}); r.Result != Successful {
		t.Errorf("ORL s1, two photos: %+v", r)
	}
	if r := c.Compare(context.Background(), s1a, Reference{Image: s3}); r.Result != Failed {
		t.Errorf("ORL s1 against s3: %+v", r)
	}
	// A template from the same model is a reference too.
	tmpl, err := c.Template(s1b)
	if err != nil || len(tmpl) != 128 {
		t.Fatalf("template: %d values, %v", len(tmpl), err)
	}
	if r := c.Compare(context.Background(), s1a, Reference{Template: tmpl}); r.Result != Successful {
		t.Errorf("ORL s1 against its template: %+v", r)
	}
}

// A configured model file that is missing is an error and Unsupported
// (cmd then refers every traveler: a misconfigured verifier never admits).
func TestMissingModelFile(t *testing.T) {
	c, err := NewComparator(ModelOptions{ModelFile: filepath.Join(t.TempDir(), "face_recognition_dlib.onnx"), Detector: detector(t)})
	if err == nil || c.Status().Supported || !strings.Contains(c.Status().Detail, "no such file") {
		t.Fatalf("err %v, status %+v", err, c.Status())
	}
	if r := c.Compare(context.Background(), []byte("x"), Reference{Image: []byte("y")}); r.Result != NotSupported || r.Score != nil {
		t.Fatalf("%+v", r)
	}
}

// Only the converted model has a default threshold: any other model with
// none configured does not load (and cmd refers).
func TestOtherModelsNeedAThreshold(t *testing.T) {
	c, err := NewComparator(ModelOptions{ModelFile: writeModel(t), Detector: detector(t)})
	if err == nil || c.Status().Supported || !strings.Contains(err.Error(), "threshold 0 must be between 0 and 1") {
		t.Fatalf("err %v, status %+v", err, c.Status())
	}
}

// Chips cut from the landmarks undo a head's tilt: a face turned 14° in
// the frame scores with its upright self as dlib's own alignment would
// have it, far above chips placed from the face box (docs/camera.md,
// "Alignment").
func TestLandmarkChipUndoesTilt(t *testing.T) {
	lm := dlibComparator(t)
	if lm.marks == nil {
		t.Skip("XPT_FACE_LANDMARKS=none")
	}
	box, err := NewModelComparator(ModelOptions{ModelFile: dlibModel(t), Detector: detector(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	if !strings.Contains(lm.Status().Detail, "68 landmarks") || !strings.Contains(box.Status().Detail, "face box") {
		t.Errorf("status does not say how chips are cut: %q / %q", lm.Status().Detail, box.Status().Detail)
	}
	four := read(t, "testdata/four-faces.jpg")
	defer four.Close()
	r := four.Region(image.Rect(0, 0, four.Cols()/2, four.Rows()/2))
	face := r.Clone()
	r.Close()
	defer face.Close()
	frames := map[string]gocv.Mat{}
	for _, l := range variants("four-0", face) {
		frames[strings.TrimPrefix(l.name, "four-0/")] = l.frame
		defer l.frame.Close()
	}
	score := func(c *ModelComparator) float64 {
		a, err := c.EmbedFrame(frames["reference"])
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.EmbedFrame(frames["tilted14"])
		if err != nil {
			t.Fatal(err)
		}
		return c.Score(a, b)
	}
	sl, sb := score(lm), score(box)
	t.Logf("upright against tilted 14°: landmark chips %.3f, face-box chips %.3f", sl, sb)
	if sl < 0.8 || sl < sb+0.1 {
		t.Errorf("landmark chips score %.3f (face-box chips %.3f): want at least 0.8 and 0.1 above", sl, sb)
	}
}

// A landmark model that is missing or not one is an error naming the key,
// never chips silently placed another way.
func TestBadLandmarkModel(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.dat")
	if err := os.WriteFile(bad, []byte("not a dlib model"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(t.TempDir(), "missing.dat"), bad} {
		c, err := NewComparator(ModelOptions{ModelFile: dlibModel(t), Detector: detector(t), LandmarkFile: f})
		if err == nil || !strings.Contains(err.Error(), "landmarkModel") {
			t.Errorf("%s: err %v, want one naming [face] landmarkModel", f, err)
		}
		if st := c.Status(); st.Supported {
			t.Errorf("%s: comparator supported: %+v", f, st)
		}
	}
}
