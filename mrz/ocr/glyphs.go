package ocr

import (
	"fmt"
	"image"
	"math"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// DefaultFontDir is where Debian's fonts-ocr-b puts the OCR-B fonts.
const DefaultFontDir = "/usr/share/fonts/opentype/ocr-b"

// fontFiles are the OCR-B cuts the templates are rendered from. OCRB.otf
// has an empty '<' (as golang.org/x/image reads it); the sharp cut has one,
// and drawn chevrons of several proportions cover other renderings.
var fontFiles = []string{"OCRB.otf", "OCRBS.otf"}

// glyphBox is a rendered glyph's ink.
type glyphBox struct {
	class   int
	pl      *plane
	x0, x1  int // ink bounding box, columns
	y0, y1  int
	visible bool
}

func inkBox(pl *plane, thr float32) (x0, y0, x1, y1 int, ok bool) {
	x0, y0, x1, y1 = pl.w, pl.h, -1, -1
	for y := 0; y < pl.h; y++ {
		for x := 0; x < pl.w; x++ {
			if pl.p[y*pl.w+x] >= thr {
				if x < x0 {
					x0 = x
				}
				if x > x1 {
					x1 = x
				}
				if y < y0 {
					y0 = y
				}
				if y > y1 {
					y1 = y
				}
			}
		}
	}
	return x0, y0, x1 + 1, y1 + 1, x1 >= 0
}

func renderGlyphs(f *opentype.Font, unitPx float64) ([]glyphBox, error) {
	size := unitPx / 0.72 // the font's letters are about 0.72 em high
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	W, H := int(size*1.6), int(size*1.8)
	var out []glyphBox
	for ci := 0; ci < nClasses; ci++ {
		dst := image.NewAlpha(image.Rect(0, 0, W, H))
		d := font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.P(int(size*0.4), int(size*1.3))}
		d.DrawString(string(alphabet[ci]))
		pl := newPlane(W, H)
		for i, a := range dst.Pix {
			pl.p[i] = float32(a) / 255
		}
		g := glyphBox{class: ci, pl: pl}
		g.x0, g.y0, g.x1, g.y1, g.visible = inkBox(pl, 0.5)
		out = append(out, g)
	}
	return out, nil
}

// chevron draws a '<' of the given proportions (in units) into a plane.
func chevron(unit, wRatio, hRatio, stroke float64) glyphBox {
	W, H := int(unit*2), int(unit*2)
	pl := newPlane(W, H)
	cx, cy := float64(W)/2, float64(H)/2
	ax, ay := cx-wRatio*unit/2, cy
	bx := cx + wRatio*unit/2
	segs := [][4]float64{{ax, ay, bx, cy - hRatio*unit/2}, {ax, ay, bx, cy + hRatio*unit/2}}
	sw := stroke * unit / 2
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			d := 1e9
			for _, s := range segs {
				d = math.Min(d, segDist(px, py, s))
			}
			v := sw + 0.5 - d
			if v > 1 {
				v = 1
			}
			if v > 0 {
				pl.p[y*W+x] = float32(v)
			}
		}
	}
	g := glyphBox{class: classIndex('<'), pl: pl}
	g.x0, g.y0, g.x1, g.y1, g.visible = inkBox(pl, 0.5)
	return g
}

func segDist(px, py float64, s [4]float64) float64 {
	dx, dy := s[2]-s[0], s[3]-s[1]
	t := ((px-s[0])*dx + (py-s[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	x, y := s[0]+t*dx-px, s[1]+t*dy-py
	return math.Hypot(x, y)
}

func blurPlane(pl *plane, sigma float64) *plane {
	if sigma <= 0.1 {
		return pl
	}
	r := int(math.Ceil(sigma * 2.5))
	k := make([]float32, 2*r+1)
	var sum float32
	for i := -r; i <= r; i++ {
		k[i+r] = float32(math.Exp(-float64(i*i) / (2 * sigma * sigma)))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := newPlane(pl.w, pl.h)
	out := newPlane(pl.w, pl.h)
	for y := 0; y < pl.h; y++ {
		for x := 0; x < pl.w; x++ {
			var s float32
			for i := -r; i <= r; i++ {
				xx := min(max(x+i, 0), pl.w-1)
				s += pl.p[y*pl.w+xx] * k[i+r]
			}
			tmp.p[y*pl.w+x] = s
		}
	}
	for y := 0; y < pl.h; y++ {
		for x := 0; x < pl.w; x++ {
			var s float32
			for i := -r; i <= r; i++ {
				yy := min(max(y+i, 0), pl.h-1)
				s += tmp.p[yy*pl.w+x] * k[i+r]
			}
			out.p[y*pl.w+x] = s
		}
	}
	return out
}

func thresholdPlane(pl *plane, t float32) *plane {
	out := newPlane(pl.w, pl.h)
	for i, v := range pl.p {
		if v >= t {
			out.p[i] = 1
		}
	}
	return out
}

// buildClassifier renders the templates: each glyph of each OCR-B cut at a
// few sizes, sharp, blurred, bolder and thinner (ink spread and toner
// starvation), sampled exactly as a character read from a page is.
func buildClassifier(fontDir string) (*classifier, error) {
	c := &classifier{}
	var fonts []*opentype.Font
	for _, name := range fontFiles {
		b, err := os.ReadFile(fontDir + "/" + name)
		if err != nil {
			return nil, fmt.Errorf("OCR-B font: %w (install Debian's fonts-ocr-b)", err)
		}
		f, err := opentype.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("OCR-B font %s: %w", name, err)
		}
		fonts = append(fonts, f)
	}
	v := make([]float32, fdim)
	addVariants := func(gs []glyphBox, unit, cy float64) {
		for _, g := range gs {
			if !g.visible {
				continue
			}
			for vi, variant := range []func(*plane) *plane{
				func(p *plane) *plane { return p },
				func(p *plane) *plane { return blurPlane(p, unit*0.07) },
				func(p *plane) *plane { return blurPlane(thresholdPlane(blurPlane(p, unit*0.05), 0.3), unit*0.03) },
				func(p *plane) *plane { return blurPlane(thresholdPlane(blurPlane(p, unit*0.05), 0.7), unit*0.03) },
			} {
				p := variant(g.pl)
				x0, _, x1, _, ok := inkBox(p, 0.5)
				if !ok {
					continue
				}
				cx := float64(x0+x1) / 2
				scales := []float64{1}
				if vi == 0 {
					scales = []float64{0.93, 1, 1.07}
				}
				for _, s := range scales {
					sampleWindow(p, cx, cy, unit*s, v)
					c.add(g.class, append([]float32(nil), v...))
				}
			}
		}
	}
	for _, f := range fonts {
		for _, unitPx := range []float64{18, 30} {
			gs, err := renderGlyphs(f, unitPx)
			if err != nil {
				return nil, err
			}
			var hs, cys []float64
			for _, g := range gs {
				if g.visible {
					hs = append(hs, float64(g.y1-g.y0))
				}
			}
			unit := percentile(hs, 0.75)
			for _, g := range gs {
				if g.visible && float64(g.y1-g.y0) >= 0.8*unit {
					cys = append(cys, float64(g.y0+g.y1)/2)
				}
			}
			addVariants(gs, unit, percentile(cys, 0.5))
		}
	}
	// Chevrons as other OCR-B renderings draw them, centred on the line.
	for _, wr := range []float64{0.55, 0.75} {
		for _, hr := range []float64{0.6, 0.9} {
			g := chevron(24, wr, hr, 0.13)
			addVariants([]glyphBox{g}, 24, float64(g.pl.h)/2)
		}
	}
	c.finish()
	return c, nil
}
