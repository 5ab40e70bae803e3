package ocr

import (
	"bufio"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

type truth struct {
	File   string   `json:"file"`
	Format string   `json:"format"`
	Level  string   `json:"level"`
	Lines  []string `json:"lines"`
}

func loadTruth(t *testing.T, dir string) []truth {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "truth.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []truth
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var tr truth
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
	return out
}

func reader(t testing.TB) *Reader {
	t.Helper()
	r, err := Default()
	if err != nil {
		t.Skipf("no OCR-B fonts: %v", err)
	}
	return r
}

// The committed corpus (rendered by imaging/docgen, see imaging/cmd/gendocs):
// TD1, TD2 and TD3 at every kind of degradation, every line exact.
func TestCorpusExact(t *testing.T) {
	r := reader(t)
	dir := "testdata/pages"
	for _, tr := range loadTruth(t, dir) {
		t.Run(tr.File, func(t *testing.T) {
			m := gocv.IMRead(filepath.Join(dir, tr.File), gocv.IMReadColor)
			if m.Empty() {
				t.Fatal("cannot read the page")
			}
			defer m.Close()
			t0 := time.Now()
			z, err := r.Read(m)
			if err != nil {
				t.Fatal(err)
			}
			if !z.Found {
				t.Fatalf("no MRZ found (%s, %s)", tr.Format, tr.Level)
			}
			if got, want := strings.Join(z.Lines, "\n"), strings.Join(tr.Lines, "\n"); got != want {
				t.Fatalf("read\n%s\nwant\n%s\nraw\n%s", got, want, strings.Join(z.Raw, "\n"))
			}
			if z.Format != tr.Format {
				t.Errorf("format %s, want %s", z.Format, tr.Format)
			}
			res := mrz.Parse(z.Lines, mrz.Options{Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Correct: true})
			if !res.Valid {
				t.Errorf("mrz.Parse says invalid: %v", res.Errors)
			}
			t.Logf("%s in %v, rotation %d, confidence %.2f", z.Format, time.Since(t0).Round(time.Millisecond), z.Rotation, z.Confidence)
		})
	}
}

// A page with text but no MRZ says so.
func TestNoMRZ(t *testing.T) {
	r := reader(t)
	img := image.NewGray(image.Rect(0, 0, 1200, 900))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
	for i := 0; i < 30; i++ {
		d.Dot = fixed.P(40, 40+i*25)
		d.DrawString("THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG 0123456789 " + strings.Repeat("<", i%5))
	}
	z, err := r.ReadImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if z.Found {
		t.Fatalf("found an MRZ on a page without one: %q", z.Lines)
	}
	if _, err := r.ReadImage(image.NewGray(image.Rect(0, 0, 0, 0))); err == nil {
		t.Error("an empty image gave no error")
	}
}

// The check digit search takes the cheapest runner-up that satisfies a
// failing check digit, and only where the format allows that character.
func TestDecodeUsesAlternatives(t *testing.T) {
	lines := []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}
	s := make(zoneScores, 2)
	for li, l := range lines {
		s[li] = make([][nClasses]float32, len(l))
		for p := range l {
			for c := range s[li][p] {
				s[li][p][c] = 0.2
			}
			s[li][p][classIndex(l[p])] = 0.95
		}
	}
	// birth date digit 7408[1]2: the classifier prefers 7, 1 is second
	s[1][17][classIndex('7')] = 0.96
	s[1][17][classIndex('1')] = 0.9
	// a name letter read as a digit is not allowed there: O wins over 0
	s[0][9][classIndex('0')] = 0.97
	d := decode(&layoutTD3, s)
	if d.failed != 0 {
		t.Fatalf("%d checks failed", d.failed)
	}
	for i := range lines {
		if string(d.lines[i]) != lines[i] {
			t.Errorf("line %d: %s, want %s", i+1, d.lines[i], lines[i])
		}
	}
	if d.raw[1][17] != '7' || d.changed != 1 {
		t.Errorf("raw %s, changed %d", d.raw[1], d.changed)
	}
}

func BenchmarkCorpus(b *testing.B) {
	r := reader(b)
	var mats []gocv.Mat
	ents, _ := filepath.Glob("testdata/pages/*.jpg")
	for _, e := range ents {
		mats = append(mats, gocv.IMRead(e, gocv.IMReadGrayScale))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Read(mats[i%len(mats)])
	}
}
