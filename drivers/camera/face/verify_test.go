package face

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/tinyonnx"
)

// writeModel produces a small ONNX embedding model on this machine (no
// model is downloaded or shipped): see package tinyonnx.
func writeModel(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := os.WriteFile(p, tinyonnx.Embedding(112, 8, 64, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func jpeg(t testing.TB, m gocv.Mat) []byte {
	t.Helper()
	b, err := EncodeJPEG(m, 95)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNoModelIsNotSupported(t *testing.T) {
	c, err := NewComparator(ModelOptions{Detector: detector(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := c.Status()
	if st.Supported || !strings.Contains(st.String(), "not supported") || !strings.Contains(st.Detail, "modelFile") {
		t.Fatalf("status %+v / %s", st, st)
	}
	r := c.Compare(context.Background(), []byte("live"), Reference{Image: []byte("ref")})
	if r.Result != NotSupported || r.Score != nil || r.Threshold != nil || r.Name != CheckName {
		t.Fatalf("comparison %+v: want not_supported with no score", r)
	}
}

func TestUnloadableModel(t *testing.T) {
	for name, content := range map[string][]byte{
		"garbage.onnx": []byte("this is not a model at all"),
		"empty.onnx":   {},
	} {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, content, 0o644)
		c, err := NewComparator(ModelOptions{ModelFile: p, Threshold: 0.5, Detector: detector(t)})
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if c == nil || c.Status().Supported || c.Compare(context.Background(), nil, Reference{}).Result != NotSupported {
			t.Fatalf("%s: comparator %#v should be unsupported", name, c)
		}
		t.Logf("%s: %v", name, err)
	}
	_, err := NewComparator(ModelOptions{ModelFile: "/nonexistent/model.onnx", Threshold: 0.5, Detector: detector(t)})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestModelComparatorScores(t *testing.T) {
	d := detector(t)
	c, err := NewComparator(ModelOptions{ModelFile: writeModel(t), Threshold: 0.9, Detector: d})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := c.Status()
	if !st.Supported || !strings.Contains(st.Detail, "64-value") {
		t.Fatalf("status %+v", st)
	}
	f := makeFrames(t)
	defer f.Close()
	live := jpeg(t, f.good)

	same := c.Compare(context.Background(), live, Reference{Image: live})
	if same.Result != Successful || same.Score == nil || *same.Score < 0.9999 || *same.Threshold != 0.9 {
		t.Fatalf("same image: %+v", same)
	}

	// Another person: the top-left face of the four-face sample, cut out.
	four := read(t, "testdata/four-faces.jpg")
	defer four.Close()
	other := four.Region(imageRect(0, 0, four.Cols()/2, four.Rows()/2))
	otherFrame := place(other, 480, 80, 0)
	other.Close()
	defer otherFrame.Close()
	diff := c.Compare(context.Background(), live, Reference{Image: jpeg(t, otherFrame)})
	if diff.Score == nil || *diff.Score >= *same.Score || diff.Result != Failed {
		t.Fatalf("different people: %+v (same: %v)", diff, *same.Score)
	}
	t.Logf("same %.4f, different %.4f", *same.Score, *diff.Score)

	// A template made earlier compares like its image.
	mc := c.(*ModelComparator)
	tpl, err := mc.Template(live)
	if err != nil {
		t.Fatal(err)
	}
	viaTpl := c.Compare(context.Background(), live, Reference{Template: tpl})
	if viaTpl.Result != Successful || *viaTpl.Score < 0.9999 {
		t.Fatalf("template: %+v", viaTpl)
	}
	if r := c.Compare(context.Background(), live, Reference{Template: tpl[:10]}); r.Result != Undetermined || r.Score != nil {
		t.Fatalf("short template: %+v", r)
	}

	// No face in the reference: undetermined, no score.
	if r := c.Compare(context.Background(), live, Reference{Image: jpeg(t, f.blank)}); r.Result != Undetermined || r.Score != nil {
		t.Fatalf("faceless reference: %+v", r)
	}
	if r := c.Compare(context.Background(), []byte("not an image"), Reference{Image: live}); r.Result != Undetermined {
		t.Fatalf("bad live image: %+v", r)
	}
}

func TestModelNeedsThreshold(t *testing.T) {
	if _, err := NewComparator(ModelOptions{ModelFile: writeModel(t), Detector: detector(t)}); err == nil {
		t.Fatal("no error without a threshold")
	}
}

func TestWrongInputSize(t *testing.T) {
	// The model wants 112x112; a 100x100 crop cannot be pooled into its
	// fixed projection: a clear error, not a crash.
	_, err := NewComparator(ModelOptions{ModelFile: writeModel(t), Threshold: 0.5, InputSize: 100, Detector: detector(t)})
	if err == nil {
		t.Fatal("no error for a crop size the model does not take")
	}
	t.Logf("%v", err)
}
