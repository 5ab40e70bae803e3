package ocr

import (
	"math"
	"sort"
)

// A plane is a grey image as ink intensity (higher is darker), row-major.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) *plane { return &plane{w, h, make([]float32, w*h)} }

func (pl *plane) at(x, y float64) float32 {
	// bilinear; outside the plane is paper (0 after normalisation is not
	// known here, so clamp to the edge).
	if x < 0 {
		x = 0
	}
	if y < 0 {
		y = 0
	}
	if x > float64(pl.w-1) {
		x = float64(pl.w - 1)
	}
	if y > float64(pl.h-1) {
		y = float64(pl.h - 1)
	}
	x0, y0 := int(x), int(y)
	x1, y1 := x0+1, y0+1
	if x1 >= pl.w {
		x1 = pl.w - 1
	}
	if y1 >= pl.h {
		y1 = pl.h - 1
	}
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a := pl.p[y0*pl.w+x0]*(1-fx) + pl.p[y0*pl.w+x1]*fx
	b := pl.p[y1*pl.w+x0]*(1-fx) + pl.p[y1*pl.w+x1]*fx
	return a*(1-fy) + b*fy
}

// The feature of a character: its window, centred on the glyph horizontally
// and on the line vertically, sampled on a fw x fh grid in units of the
// line's character height, then normalised (zero mean, unit length) so a
// dot product is a correlation, blind to contrast and brightness.
const (
	fw, fh = 14, 18
	fdim   = fw * fh
	winW   = 0.95 // window width, in character heights
	winH   = 1.25 // window height
)

func sampleWindow(pl *plane, cx, cy, unit float64, out []float32) {
	w, h := winW*unit, winH*unit
	x0, y0 := cx-w/2, cy-h/2
	sx, sy := w/fw, h/fh
	for j := 0; j < fh; j++ {
		for i := 0; i < fw; i++ {
			// 2x2 samples per cell: enough at the sizes we read.
			var s float32
			for _, dy := range [2]float64{0.25, 0.75} {
				for _, dx := range [2]float64{0.25, 0.75} {
					s += pl.at(x0+(float64(i)+dx)*sx, y0+(float64(j)+dy)*sy)
				}
			}
			out[j*fw+i] = s
		}
	}
	normalise(out)
}

func normalise(v []float32) {
	var m float64
	for _, x := range v {
		m += float64(x)
	}
	m /= float64(len(v))
	var n float64
	for i := range v {
		v[i] -= float32(m)
		n += float64(v[i]) * float64(v[i])
	}
	if n < 1e-9 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
}

func dot(a, b []float32) float32 {
	var s float32
	b = b[:len(a)]
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// classifier holds the templates: normalised features of rendered glyphs,
// grouped by class, and each class's mean for a quick first ranking.
type classifier struct {
	byClass [nClasses][][]float32
	mean    [nClasses][]float32
}

func (c *classifier) add(class int, v []float32) {
	c.byClass[class] = append(c.byClass[class], v)
}

func (c *classifier) finish() {
	for k := range c.byClass {
		m := make([]float32, fdim)
		for _, v := range c.byClass[k] {
			for i := range m {
				m[i] += v[i]
			}
		}
		normalise(m)
		c.mean[k] = m
	}
}

// shortlist is how many classes, ranked by their mean template, are
// compared template by template.
const shortlist = 6

// scores returns, per class, the best correlation with any of its
// templates (for the shortlisted classes; the others get their mean's
// correlation, which is lower).
func (c *classifier) scores(v []float32, out *[nClasses]float32) {
	var idx [nClasses]int
	for k := range out {
		out[k] = dot(v, c.mean[k])
		idx[k] = k
	}
	// partial selection of the best classes by mean
	for i := 0; i < shortlist; i++ {
		b := i
		for j := i + 1; j < nClasses; j++ {
			if out[idx[j]] > out[idx[b]] {
				b = j
			}
		}
		idx[i], idx[b] = idx[b], idx[i]
	}
	for _, k := range idx[:shortlist] {
		best := out[k]
		for _, t := range c.byClass[k] {
			if s := dot(v, t); s > best {
				best = s
			}
		}
		out[k] = best
	}
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(p * float64(len(s)-1))
	return s[i]
}
