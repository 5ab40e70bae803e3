package landmarks

import (
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// modelPath is Debian's libdlib-data model, the one the golden file was
// made with.
const modelPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

// Tolerances against dlib (testdata/golden.json, made by
// testdata/oracle). The landmarks agree to float rounding of the final
// double-precision scaling; dlib's rounded parts must match exactly.
const (
	pointTol = 1e-9 // px
	chipTol  = 1e-9 // relative to each coefficient's scale
)

var (
	loadOnce sync.Once
	loaded   *Predictor
	loadErr  error
)

// predictor loads the model once per test binary, or skips.
func predictor(tb testing.TB) *Predictor {
	tb.Helper()
	if _, err := os.Stat(modelPath); err != nil {
		tb.Skipf("dlib's 68-point model is not installed (%v): apt-get install libdlib-data", err)
	}
	loadOnce.Do(func() { loaded, loadErr = Load(modelPath) })
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	return loaded
}

type golden struct {
	Dlib  string `json:"dlib"`
	Cases []struct {
		Image  string       `json:"image"`
		Box    [4]int       `json:"box"` // dlib rectangle, inclusive
		Parts  [][2]float64 `json:"parts"`
		Points [][2]float64 `json:"points"`
		Chips  []goldenChip `json:"chips"`
		// The 5-point template on five of the parts.
		FiveParts []int        `json:"five_parts"`
		Chips5    []goldenChip `json:"chips5"`
	} `json:"cases"`
}

type goldenChip struct {
	Size    int           `json:"size"`
	Padding float64       `json:"padding"`
	ToChip  [2][3]float64 `json:"to_chip"`
}

func readGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("golden.json has no cases")
	}
	return g
}

func readGray(t testing.TB, name string) *image.Gray {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g
}

func TestGoldenAgainstDlib(t *testing.T) {
	p := predictor(t)
	g := readGolden(t)
	var maxPt, maxChip float64
	for _, c := range g.Cases {
		img := readGray(t, c.Image)
		box := image.Rect(c.Box[0], c.Box[1], c.Box[2]+1, c.Box[3]+1)
		pts := p.Detect(img, box)
		if len(pts) != len(c.Points) {
			t.Fatalf("%s: %d points, dlib %d", c.Image, len(pts), len(c.Points))
		}
		for i, pt := range pts {
			d := math.Max(math.Abs(pt.X-c.Points[i][0]), math.Abs(pt.Y-c.Points[i][1]))
			maxPt = math.Max(maxPt, d)
			if !(d <= pointTol) {
				t.Errorf("%s: point %d = (%.9f, %.9f), dlib (%.9f, %.9f)", c.Image, i, pt.X, pt.Y, c.Points[i][0], c.Points[i][1])
			}
		}
		parts := Rounded(pts)
		for i, pt := range parts {
			if pt.X != c.Parts[i][0] || pt.Y != c.Parts[i][1] {
				t.Errorf("%s: part %d = (%v, %v), dlib's operator() (%v, %v)", c.Image, i, pt.X, pt.Y, c.Parts[i][0], c.Parts[i][1])
			}
		}
		five := make([]Point, len(c.FiveParts))
		for i, k := range c.FiveParts {
			five[i] = parts[k]
		}
		if len(five) != 5 || len(c.Chips5) == 0 {
			t.Fatalf("%s: golden.json has no 5-point chip", c.Image)
		}
		for _, cs := range []struct {
			pts   []Point
			chips []goldenChip
		}{{parts, c.Chips}, {five, c.Chips5}} {
			for _, ch := range cs.chips {
				got := ChipTransform(cs.pts, ch.Size, ch.Padding)
				for r := 0; r < 2; r++ {
					for k := 0; k < 3; k++ {
						scale := math.Max(1, math.Abs(ch.ToChip[r][k]))
						d := math.Abs(got[r][k]-ch.ToChip[r][k]) / scale
						maxChip = math.Max(maxChip, d)
						if !(d <= chipTol) {
							t.Errorf("%s: %d-point chip %d/%v: [%d][%d] = %.12g, dlib %.12g", c.Image, len(cs.pts), ch.Size, ch.Padding, r, k, got[r][k], ch.ToChip[r][k])
						}
					}
				}
			}
		}
	}
	t.Logf("%d faces against dlib %s: max point deviation %.3g px, max relative chip-transform deviation %.3g", len(g.Cases), g.Dlib, maxPt, maxChip)
}

// The chip transform maps the landmarks near the template's place in the
// chip: the eyes of a 150 px, 0.25-padding chip sit near dlib's mean face.
func TestChipTransformPlacesEyes(t *testing.T) {
	p := predictor(t)
	img := readGray(t, "s1-3.png") // rotated 8 degrees
	pts := p.Detect(img, image.Rect(108, 165, 367, 424))
	m := ChipTransform(pts, 150, 0.25)
	for _, c := range []struct {
		part int
		x, y float64 // template position of dlib's mean face
	}{{36, 0.121737, 0.216423}, {45, 0.858516, 0.216423}, {30, 0.490127, 0.515625}} {
		want := Point{(0.25 + c.x) / 1.5 * 150, (0.25 + c.y) / 1.5 * 150}
		got := m.Apply(pts[c.part])
		if math.Hypot(got.X-want.X, got.Y-want.Y) > 6 {
			t.Errorf("part %d maps to %v in the chip, template %v", c.part, got, want)
		}
	}
	inv := m.Invert()
	back := inv.Apply(m.Apply(pts[0]))
	if math.Hypot(back.X-pts[0].X, back.Y-pts[0].Y) > 1e-9 {
		t.Errorf("Invert: %v back to %v", pts[0], back)
	}
}

// Detect reads img in its own coordinates: the same pixels placed at an
// offset, with the box moved alike, give the same points moved alike.
func TestDetectImageOffset(t *testing.T) {
	p := predictor(t)
	img := readGray(t, "s2-1.png")
	box := image.Rect(251, 136, 510, 395)
	off := image.Pt(1000, -500)
	moved := &image.Gray{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect.Add(off)}
	a, b := p.Detect(img, box), p.Detect(moved, box.Add(off))
	for i := range a {
		if math.Abs(b[i].X-a[i].X-1000) > 1e-9 || math.Abs(b[i].Y-a[i].Y+500) > 1e-9 {
			t.Errorf("point %d: %v, at offset %v", i, a[i], b[i])
		}
	}
	// Nil and empty images read as all zero and must not panic.
	_ = p.Detect(nil, box)
	_ = p.Detect(image.NewGray(image.Rectangle{}), image.Rectangle{})
}

func TestChipTransformPanicsOnBadInput(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("ChipTransform of 3 points did not panic")
		}
	}()
	ChipTransform(make([]Point, 3), 150, 0.25)
}

func BenchmarkDetect(b *testing.B) {
	p := predictor(b)
	img := readGray(b, "s1-1.png")
	box := image.Rect(194, 165, 453, 424)
	b.ReportAllocs()
	for b.Loop() {
		p.Detect(img, box)
	}
}

func BenchmarkLoad(b *testing.B) {
	predictor(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(modelPath); err != nil {
			b.Fatal(err)
		}
	}
}

// Detect may run on several goroutines at once (run with -race).
func TestDetectConcurrent(t *testing.T) {
	p := predictor(t)
	img := readGray(t, "s3-7.png")
	box := image.Rect(136, 136, 395, 395)
	want := p.Detect(img, box)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				got := p.Detect(img, box)
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("point %d: %v, alone %v", i, got[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
