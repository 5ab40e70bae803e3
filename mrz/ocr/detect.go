package ocr

import (
	"math"
	"sort"
)

// Finding the zone: in a binarised, downscaled page, connected components of
// character size are chained left to right into text lines (neighbours of
// similar height, on the same line, close together: an MRZ line has no
// spaces, its fillers are ink). An MRZ is two or three long lines of the
// same length, parallel, left-aligned and evenly spaced. Text at 90° is found
// by running the same search on the page turned a quarter; upside-down text
// is settled later by reading both ways.

type comp struct {
	x, y, w, h int
	area       int
	cx, cy     float64
}

type textLine struct {
	comps       []comp
	slope, icpt float64 // cy = slope*cx + icpt
	unit        float64 // character height
	xl, xr      float64 // centres of the first and last character
	pitch       float64 // median distance between neighbouring characters
}

func (l *textLine) yAt(x float64) float64 { return l.slope*x + l.icpt }

type unionFind []int

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b int) { u[u.find(a)] = u.find(b) }

// chainLines groups components into text lines.
func chainLines(cs []comp, minChars int) []*textLine {
	sort.Slice(cs, func(i, j int) bool { return cs[i].x < cs[j].x })
	uf := make(unionFind, len(cs))
	for i := range uf {
		uf[i] = i
	}
	for i, a := range cs {
		best, bestGap := -1, math.MaxFloat64
		right := a.x + a.w
		for j := i + 1; j < len(cs); j++ {
			b := cs[j]
			hm := float64(max(a.h, b.h))
			gap := float64(b.x - right)
			if gap > 1.1*hm {
				if float64(b.x-right) > 1.1*150 {
					break
				}
				continue
			}
			if b.cx < a.cx+0.3*float64(a.w) || gap < -0.25*hm {
				continue
			}
			if math.Abs(a.cy-b.cy) > 0.3*hm {
				continue
			}
			r := float64(min(a.h, b.h)) / hm
			if r < 0.4 {
				continue
			}
			if gap < bestGap {
				best, bestGap = j, gap
			}
		}
		if best >= 0 {
			uf.union(i, best)
		}
	}
	groups := map[int][]comp{}
	for i := range cs {
		r := uf.find(i)
		groups[r] = append(groups[r], cs[i])
	}
	var lines []*textLine
	for _, g := range groups {
		if len(g) < minChars {
			continue
		}
		lines = append(lines, newTextLine(g))
	}
	return lines
}

func newTextLine(g []comp) *textLine {
	sort.Slice(g, func(i, j int) bool { return g[i].cx < g[j].cx })
	l := &textLine{comps: g}
	var hs, ws, ds []float64
	for _, c := range g {
		hs = append(hs, float64(c.h))
		ws = append(ws, float64(c.w))
	}
	// 0.9: a names line is mostly fillers, which may be smaller than letters
	l.unit = percentile(hs, 0.9)
	medW := percentile(ws, 0.5)
	for i := 1; i < len(g); i++ {
		if float64(g[i].w) < 1.3*l.unit && float64(g[i-1].w) < 1.3*l.unit {
			ds = append(ds, g[i].cx-g[i-1].cx)
		}
	}
	l.pitch = percentile(ds, 0.5)
	// least squares on the centres of full-height characters
	var sx, sy, sxx, sxy, n float64
	for _, c := range g {
		if float64(c.h) < 0.7*l.unit {
			continue
		}
		sx += c.cx
		sy += c.cy
		sxx += c.cx * c.cx
		sxy += c.cx * c.cy
		n++
	}
	if n >= 2 && n*sxx-sx*sx > 1e-6 {
		l.slope = (n*sxy - sx*sy) / (n*sxx - sx*sx)
		l.icpt = (sy - l.slope*sx) / n
	} else if n > 0 {
		l.icpt = sy / n
	}
	// Trim what the chain caught beyond the text's ends (a card edge, a
	// speck): a neighbour off the line's regular pitch.
	if l.pitch > 0 {
		single := func(c comp) bool { return float64(c.w) <= 1.3*medW }
		odd := func(c comp) bool {
			return float64(c.h) < 0.45*l.unit || float64(c.h) > 1.4*l.unit || float64(c.area) < 0.15*float64(c.w*c.h)
		}
		// an MRZ has no spaces: glyphs are about 0.3 of their height apart
		spaced := func(a, b comp) bool { return float64(b.x-(a.x+a.w)) > 0.75*l.unit }
		for len(g) > 10 && (spaced(g[0], g[1]) || single(g[0]) && single(g[1]) && (odd(g[0]) || math.Abs(g[1].cx-g[0].cx-l.pitch) > 0.4*l.pitch)) {
			g = g[1:]
		}
		for n := len(g); n > 10 && (spaced(g[n-2], g[n-1]) || single(g[n-1]) && single(g[n-2]) && (odd(g[n-1]) || math.Abs(g[n-1].cx-g[n-2].cx-l.pitch) > 0.4*l.pitch)); n = len(g) {
			g = g[:n-1]
		}
		l.comps = g
	}
	first, last := g[0], g[len(g)-1]
	l.xl, l.xr = first.cx, last.cx
	if float64(first.w) > 1.4*medW {
		l.xl = float64(first.x) + medW/2
	}
	if float64(last.w) > 1.4*medW {
		l.xr = float64(last.x+last.w) - medW/2
	}
	return l
}

// mergeCollinear joins pieces of one line broken by a gap (a fold, a flaw).
func mergeCollinear(lines []*textLine) []*textLine {
	sort.Slice(lines, func(i, j int) bool { return lines[i].xl < lines[j].xl })
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(lines) && !changed; i++ {
			for j := 0; j < len(lines) && !changed; j++ {
				a, b := lines[i], lines[j]
				if i == j || b.xl <= a.xr {
					continue
				}
				u := math.Max(a.unit, b.unit)
				if b.xl-a.xr > 4*u || math.Abs(a.yAt(b.xl)-b.yAt(b.xl)) > 0.4*u || math.Min(a.unit, b.unit)/u < 0.75 {
					continue
				}
				m := newTextLine(append(append([]comp(nil), a.comps...), b.comps...))
				lines[i] = m
				lines = append(lines[:j], lines[j+1:]...)
				changed = true
			}
		}
	}
	return lines
}

type zone struct {
	lines []*textLine
	score float64
}

// findZones returns the plausible MRZs among the text lines, best first.
func findZones(lines []*textLine) []zone {
	var long []*textLine
	for _, l := range lines {
		if (l.xr-l.xl)/l.unit >= 18 {
			long = append(long, l)
		}
	}
	mid := func(l *textLine) float64 { return l.yAt((l.xl + l.xr) / 2) }
	sort.Slice(long, func(i, j int) bool { return mid(long[i]) < mid(long[j]) })
	pairOK := func(a, b *textLine) (float64, bool) {
		u := (a.unit + b.unit) / 2
		if math.Min(a.unit, b.unit)/math.Max(a.unit, b.unit) < 0.65 {
			return 0, false
		}
		if math.Abs(a.slope-b.slope) > 0.08 {
			return 0, false
		}
		x := (a.xl + a.xr) / 2
		d := b.yAt(x) - a.yAt(x)
		if d < 1.1*u || d > 2.8*u {
			return 0, false
		}
		span := math.Max(a.xr-a.xl, b.xr-b.xl)
		tol := math.Max(1.5*u, 0.06*span)
		// the lines start and end together; a speck chained onto one end of
		// one line is allowed (the ends are agreed later)
		okL, okR := math.Abs(a.xl-b.xl) <= tol, math.Abs(a.xr-b.xr) <= tol
		overlap := math.Min(a.xr, b.xr) - math.Max(a.xl, b.xl)
		if !(okL && okR) && !((okL || okR) && overlap >= 0.85*math.Min(a.xr-a.xl, b.xr-b.xl) && math.Abs((a.xr-a.xl)-(b.xr-b.xl)) < 0.2*span) {
			return 0, false
		}
		return d, true
	}
	var zs []zone
	for i := 0; i < len(long); i++ {
		for j := i + 1; j < len(long); j++ {
			d1, ok := pairOK(long[i], long[j])
			if !ok {
				continue
			}
			found3 := false
			for k := j + 1; k < len(long); k++ {
				d2, ok := pairOK(long[j], long[k])
				if ok && math.Abs(d1-d2) < 0.35*d1 {
					z := zone{lines: []*textLine{long[i], long[j], long[k]}}
					zs = append(zs, z)
					found3 = true
				}
			}
			if !found3 {
				zs = append(zs, zone{lines: []*textLine{long[i], long[j]}})
			}
		}
	}
	for i := range zs {
		var s float64
		for _, l := range zs[i].lines {
			s += float64(len(l.comps))
		}
		zs[i].score = s
	}
	sort.SliceStable(zs, func(i, j int) bool { return zs[i].score > zs[j].score })
	return zs
}
