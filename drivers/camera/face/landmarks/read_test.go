package landmarks

import (
	"bytes"
	"image"
	"io"
	"math"
	"os"
	"strings"
	"testing"
)

// enc writes dlib's serialization format, for hand-made models.
type enc struct{ bytes.Buffer }

// int writes dlib's integer encoding: sign and length byte, then the
// magnitude's bytes, least significant first.
func (e *enc) int(v int64) {
	ctl := byte(0)
	mag := uint64(v)
	if v < 0 {
		ctl, mag = 0x80, uint64(-v)
	}
	var b []byte
	for {
		b = append(b, byte(mag))
		mag >>= 8
		if mag == 0 {
			break
		}
	}
	e.WriteByte(ctl | byte(len(b)))
	e.Write(b)
}

// float writes a float32 as float_details does: frexp's fraction scaled
// to 24 bits, with whole zero low bytes shifted off.
func (e *enc) float(f float32) {
	frac, exp := math.Frexp(float64(f))
	man := int64(frac * (1 << 24))
	exp -= 24
	for i := 0; i < 8 && man&0xff == 0; i++ {
		man >>= 8
		exp += 8
	}
	e.int(man)
	e.int(int64(exp))
}

func (e *enc) column(v ...float32) {
	e.int(-int64(len(v)))
	e.int(-1)
	for _, f := range v {
		e.float(f)
	}
}

// tinyHead is the start of tinyModel: its version and initial shape.
func tinyHead() *enc {
	var e enc
	e.int(1)                       // version
	e.column(0.25, 0.5, 0.75, 0.5) // initial shape
	return &e
}

// tinyModel is a valid predictor of 2 parts with one cascade of one tree
// with one split: if feature pixel 0 is brighter than pixel 1 by more
// than 10, leaf 0 moves part 0 right by 0.1 box widths; otherwise leaf 1
// moves part 1 down by 0.1. The pixels sit on the two parts.
func tinyModel() []byte {
	e := tinyHead()
	e.int(1) // cascades
	e.int(1) // trees
	e.int(1) // splits
	e.int(0)
	e.int(1)
	e.float(10)
	e.int(2) // leaves
	e.column(0.1, 0, 0, 0)
	e.column(0, 0, 0, 0.1)
	e.int(1) // anchor lists
	e.int(2)
	e.int(0)
	e.int(1)
	e.int(1) // delta lists
	e.int(2)
	e.float(0)
	e.float(0)
	e.float(0)
	e.float(0)
	return e.Bytes()
}

func TestReadTinyModel(t *testing.T) {
	p, err := Read(bytes.NewReader(tinyModel()))
	if err != nil {
		t.Fatal(err)
	}
	if p.NumParts() != 2 {
		t.Fatalf("NumParts = %d", p.NumParts())
	}
	img := image.NewGray(image.Rect(0, 0, 101, 101))
	box := image.Rect(0, 0, 101, 101) // dlib's rectangle (0,0)-(100,100): scale 100
	moved := 100 * float64(float32(0.25)+float32(0.1))
	down := 100 * float64(float32(0.5)+float32(0.1))
	// Dark: 0-0 > 10 is false, the right leaf moves part 1 down.
	if got := p.Detect(img, box); got[0] != (Point{25, 50}) || got[1] != (Point{75, down}) {
		t.Errorf("dark image: %v, want [{25 50} {75 %v}]", got, down)
	}
	// Bright under part 0: the left leaf moves part 0 right.
	img.Pix[50*img.Stride+25] = 200
	if got := p.Detect(img, box); got[0] != (Point{moved, 50}) || got[1] != (Point{75, 50}) {
		t.Errorf("bright part 0: %v, want [{%v 50} {75 50}]", got, moved)
	}
	// The same pixel outside the image reads 0: box moved so part 0 falls
	// left of the image.
	if got := p.Detect(img, box.Add(image.Pt(-60, 0))); got[0].X != 25-60 {
		t.Errorf("part 0 outside the image: %v", got)
	}
}

// Every truncation of a valid model is an error, never a panic.
func TestReadTruncated(t *testing.T) {
	m := tinyModel()
	for n := 0; n < len(m); n++ {
		_, err := Read(bytes.NewReader(m[:n]))
		if err == nil {
			t.Fatalf("model cut to %d of %d bytes: no error", n, len(m))
		}
		if !strings.Contains(err.Error(), "truncated") {
			t.Errorf("cut to %d bytes: %v", n, err)
		}
	}
	// Through a plain io.Reader (length unknown) too.
	if _, err := Read(io.LimitReader(bytes.NewReader(m), int64(len(m)-1))); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("io.Reader cut by one byte: %v", err)
	}
}

// The real model cut short or damaged in the middle gives an error.
func TestLoadTruncatedRealModel(t *testing.T) {
	if _, err := os.Stat(modelPath); err != nil {
		t.Skipf("dlib's 68-point model is not installed (%v): apt-get install libdlib-data", err)
	}
	data, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 1000, len(data) / 2, len(data) - 1} {
		if _, err := Read(bytes.NewReader(data[:n])); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("cut to %d bytes: %v", n, err)
		}
	}
	path := t.TempDir() + "/cut.dat"
	if err := os.WriteFile(path, data[:len(data)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of a cut file: %v", err)
	}
	// A byte in the forests set to a control byte dlib never writes.
	bad := bytes.Clone(data)
	bad[len(bad)/2] = 0x7f
	bad[len(bad)/2+1] = 0x7f
	if _, err := Read(bytes.NewReader(bad)); err == nil {
		t.Error("damaged model: no error")
	} else {
		t.Log(err)
	}
}

func TestReadCorrupt(t *testing.T) {
	tiny := tinyModel()
	patch := func(at int, b ...byte) []byte {
		m := bytes.Clone(tiny)
		copy(m[at:], b)
		return m
	}
	var huge enc // version, then an initial shape claiming 2^62 rows
	huge.int(1)
	huge.int(-(1 << 62))
	huge.int(-1)
	hugeTrees := tinyHead()
	hugeTrees.int(1)       // cascades
	hugeTrees.int(1 << 40) // trees
	negative := tinyHead()
	negative.Write([]byte{0x81, 1}) // cascade count -1
	var badSplit enc                // the tiny model with split pixel 1 made 5
	badSplit.Write(bytes.Replace(tiny, []byte{1, 0, 1, 1}, []byte{1, 0, 1, 5}, 1))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"version 2", patch(1, 2), "version 2"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "control byte"},
		{"text", []byte("hello, this is not a model"), "control byte"},
		{"unsigned with sign bit", negative.Bytes(), "negative"},
		{"huge shape", huge.Bytes(), "exceeds the limit"},
		{"huge tree count", hugeTrees.Bytes(), "exceeds the limit"},
		{"split pixel out of range", badSplit.Bytes(), "feature pixel"},
	} {
		_, err := Read(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if _, err := Load(t.TempDir() + "/absent.dat"); err == nil {
		t.Error("Load of an absent file: no error")
	}
}

func FuzzRead(f *testing.F) {
	m := tinyModel()
	f.Add(m)
	f.Add(m[:len(m)/2])
	f.Add([]byte{1, 1, 0x81, 4})
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data))
		if err != nil {
			if p != nil {
				t.Fatal("a predictor with an error")
			}
			return
		}
		if pts := p.Detect(img, image.Rect(4, 4, 28, 28)); len(pts) != p.NumParts() {
			t.Fatalf("%d points of %d parts", len(pts), p.NumParts())
		}
	})
}
