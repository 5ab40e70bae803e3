package ocr

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"sync"

	"gocv.io/x/gocv"
)

// Options tune a Reader. The zero value is ready to use.
type Options struct {
	// FontDir holds the OCR-B fonts (DefaultFontDir when empty).
	FontDir string
	// MaxSide is the longest side, in pixels, of the downscaled copy of the
	// page the zone is searched in (1600 when zero).
	MaxSide int
}

// Reader finds and reads machine readable zones. It is safe for concurrent
// use; build one and keep it (building renders the templates, ~0.1 s).
type Reader struct {
	opt Options
	cls *classifier
}

// NewReader renders the OCR-B templates.
func NewReader(opt Options) (*Reader, error) {
	if opt.FontDir == "" {
		opt.FontDir = DefaultFontDir
	}
	if opt.MaxSide <= 0 {
		opt.MaxSide = 1600
	}
	cls, err := buildClassifier(opt.FontDir)
	if err != nil {
		return nil, err
	}
	return &Reader{opt: opt, cls: cls}, nil
}

var (
	defaultOnce   sync.Once
	defaultReader *Reader
	defaultErr    error
)

// Default returns a shared Reader with the default options.
func Default() (*Reader, error) {
	defaultOnce.Do(func() { defaultReader, defaultErr = NewReader(Options{}) })
	return defaultReader, defaultErr
}

// Alt is one reading of a character and its similarity to the template (-1..1).
type Alt struct {
	Char  byte
	Score float32
}

// Zone is what was read. Lines are after the check digit search; Raw is the
// classifier's best reading (restricted to what each position may hold).
type Zone struct {
	Found      bool
	Format     string // TD1, TD2, TD3, MRVA, MRVB
	Lines      []string
	Raw        []string
	Confidence float64 // mean similarity of the chosen characters
	// ChecksFailed counts check digits no alternative could satisfy.
	ChecksFailed int
	// Rotation is how far the page is turned clockwise (0, 90, 180, 270).
	Rotation int
	// Corners of the zone in the input image: top-left, top-right,
	// bottom-right, bottom-left as the zone reads.
	Corners [4]image.Point
	// Chars holds, per line and position, the best alternatives.
	Chars [][][]Alt
}

// ErrEmpty is returned for an empty image.
var ErrEmpty = errors.New("mrz/ocr: empty image")

// ReadImage reads the MRZ in a Go image.
func (r *Reader) ReadImage(img image.Image) (*Zone, error) {
	g := toGray(img)
	m, err := gocv.NewMatFromBytes(g.Rect.Dy(), g.Rect.Dx(), gocv.MatTypeCV8U, g.Pix)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return r.Read(m)
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok && g.Stride == g.Rect.Dx() {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch s := img.(type) {
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			row := s.Pix[y*s.Stride:]
			out := g.Pix[y*g.Stride:]
			for x := 0; x < b.Dx(); x++ {
				p := row[4*x:]
				out[x] = uint8((299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000)
			}
		}
	case *image.NRGBA:
		for y := 0; y < b.Dy(); y++ {
			row := s.Pix[y*s.Stride:]
			out := g.Pix[y*g.Stride:]
			for x := 0; x < b.Dx(); x++ {
				p := row[4*x:]
				// composite on white
				a := uint32(p[3])
				l := (299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000
				out[x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				g.Pix[y*g.Stride+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
	}
	return g
}

// Read reads the MRZ in a grey (CV_8UC1) or colour (BGR, BGRA) Mat.
func (r *Reader) Read(src gocv.Mat) (*Zone, error) {
	if src.Empty() {
		return nil, ErrEmpty
	}
	gray := src
	switch src.Channels() {
	case 3:
		gray = gocv.NewMat()
		defer gray.Close()
		gocv.CvtColor(src, &gray, gocv.ColorBGRToGray)
	case 4:
		gray = gocv.NewMat()
		defer gray.Close()
		gocv.CvtColor(src, &gray, gocv.ColorBGRAToGray)
	case 1:
	default:
		return nil, fmt.Errorf("mrz/ocr: %d channels", src.Channels())
	}
	best := &Zone{}
	for _, quarter := range []bool{false, true} {
		img := gray
		if quarter {
			img = gocv.NewMat()
			defer img.Close()
			gocv.Rotate(gray, &img, gocv.Rotate90CounterClockwise)
		}
		z := r.readOriented(img)
		if z == nil {
			continue
		}
		if quarter {
			// the zone was read in a page turned a quarter counter-clockwise
			z.Rotation = (z.Rotation + 90) % 360
			w := gray.Cols()
			for i, p := range z.Corners {
				// (x', y') in the turned page is (w-1-y, x)... inverted:
				z.Corners[i] = image.Pt(w-1-p.Y, p.X)
			}
		}
		if better(z, best) {
			best = z
		}
		if best.Found && best.ChecksFailed == 0 {
			break
		}
	}
	return best, nil
}

func better(a, b *Zone) bool {
	if a.Found != b.Found {
		return a.Found
	}
	if a.ChecksFailed != b.ChecksFailed {
		return a.ChecksFailed < b.ChecksFailed
	}
	return a.Confidence > b.Confidence
}

// readOriented looks for zones of near-horizontal text (either way up).
func (r *Reader) readOriented(gray gocv.Mat) *Zone {
	scale := 1.0
	if s := max(gray.Cols(), gray.Rows()); s > r.opt.MaxSide {
		scale = float64(r.opt.MaxSide) / float64(s)
	}
	work := gray
	if scale < 1 {
		work = gocv.NewMat()
		defer work.Close()
		gocv.Resize(gray, &work, image.Point{}, scale, scale, gocv.InterpolationArea)
	}
	bin := gocv.NewMat()
	defer bin.Close()
	gocv.AdaptiveThreshold(work, &bin, 255, gocv.AdaptiveThresholdMean, gocv.ThresholdBinaryInv, 31, 12)
	cs := components(bin, func(c comp) bool {
		return c.h >= 6 && c.h <= 150 && c.w >= 2 && c.w <= 6*c.h && 5*c.w >= c.h && 10*c.area >= c.w*c.h
	})
	// short pieces may be parts of an MRZ line broken by a flaw: join first
	var lines []*textLine
	for _, l := range mergeCollinear(chainLines(cs, 3)) {
		if len(l.comps) >= 8 {
			lines = append(lines, l)
		}
	}
	zs := findZones(lines)
	var best *Zone
	for i, z := range zs {
		if i == 4 {
			break
		}
		got := r.readZone(gray, z, scale)
		if got == nil {
			continue
		}
		if best == nil || better(got, best) {
			best = got
		}
		if best.Found && best.ChecksFailed == 0 {
			break
		}
	}
	return best
}

func components(bin gocv.Mat, keep func(comp) bool) []comp {
	labels, stats, cents := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	defer labels.Close()
	defer stats.Close()
	defer cents.Close()
	n := gocv.ConnectedComponentsWithStats(bin, &labels, &stats, &cents)
	var cs []comp
	for i := 1; i < n; i++ {
		c := comp{
			x: int(stats.GetIntAt(i, 0)), y: int(stats.GetIntAt(i, 1)),
			w: int(stats.GetIntAt(i, 2)), h: int(stats.GetIntAt(i, 3)),
			area: int(stats.GetIntAt(i, 4)),
		}
		c.cx, c.cy = float64(c.x)+float64(c.w)/2, float64(c.y)+float64(c.h)/2
		if keep(c) {
			cs = append(cs, c)
		}
	}
	return cs
}

// minFoundScore is the least mean similarity of a zone that is reported as
// found; garbage read as a zone scores well below it.
const minFoundScore = 0.78

// rectPitch is the character pitch, in pixels, of the straightened zone.
const rectPitch = 30

// readZone straightens a candidate zone and reads it for each line length
// the number of lines allows.
func (r *Reader) readZone(gray gocv.Mat, z zone, scale float64) *Zone {
	L := len(z.lines)
	top, bot := z.lines[0], z.lines[L-1]
	pt := func(l *textLine, x float64) gocv.Point2f {
		return gocv.Point2f{X: float32(x / scale), Y: float32(l.yAt(x) / scale)}
	}
	// The lines of a zone start and end together: where one line's chain
	// caught a speck beyond its end, or lost a faint last character, agree on
	// the ends measured along the lines' direction.
	var sl float64
	for _, l := range z.lines {
		sl += l.slope
	}
	sl /= float64(L)
	norm := math.Sqrt(1 + sl*sl)
	proj := func(l *textLine, x float64) float64 { return (x + sl*l.yAt(x)) / norm }
	unproj := func(l *textLine, u float64) float64 { return (u*norm - sl*l.icpt) / (1 + sl*l.slope) }
	var us, ue, pitches []float64
	for _, l := range z.lines {
		us = append(us, proj(l, l.xl))
		ue = append(ue, proj(l, l.xr))
		if l.pitch > 0 {
			pitches = append(pitches, l.pitch)
		}
	}
	pitch0 := percentile(pitches, 0.5)
	consensus := func(v []float64, inner func(a, b float64) float64) float64 {
		if len(v) >= 3 {
			return percentile(v, 0.5)
		}
		if math.Abs(v[0]-v[1]) > 0.5*pitch0 {
			// two lines disagree: believe the one with clearly more
			// characters (the other lost some), else the shorter (the
			// other caught a speck)
			n0, n1 := len(z.lines[0].comps), len(z.lines[1].comps)
			switch {
			case n0 >= n1+3:
				return v[0]
			case n1 >= n0+3:
				return v[1]
			}
			return inner(v[0], v[1])
		}
		return (v[0] + v[1]) / 2
	}
	uL, uR := consensus(us, math.Max), consensus(ue, math.Min)
	src := []gocv.Point2f{pt(top, unproj(top, uL)), pt(top, unproj(top, uR)), pt(bot, unproj(bot, uR)), pt(bot, unproj(bot, uL))}
	span := uR - uL
	lengths := []int{30}
	if L == 2 {
		est := span/percentile(pitches, 0.5) + 1
		if math.Abs(est-36) < math.Abs(est-44) {
			lengths = []int{36, 44}
		} else {
			lengths = []int{44, 36}
		}
	}
	spacing := 0.0
	{
		x := (top.xl + top.xr) / 2
		spacing = (bot.yAt(x) - top.yAt(x)) / float64(L-1)
	}
	var best *Zone
	for _, n := range lengths {
		P := float64(rectPitch)
		pitch := span / float64(n-1)
		R := P * spacing / pitch
		m := 3 * P
		W := int(2*m + float64(n-1)*P)
		H := int(2*m + float64(L-1)*R)
		dst := []gocv.Point2f{{X: float32(m), Y: float32(m)}, {X: float32(m + float64(n-1)*P), Y: float32(m)},
			{X: float32(m + float64(n-1)*P), Y: float32(m + float64(L-1)*R)}, {X: float32(m), Y: float32(m + float64(L-1)*R)}}
		sv, dv := gocv.NewPoint2fVectorFromPoints(src), gocv.NewPoint2fVectorFromPoints(dst)
		M := gocv.GetPerspectiveTransform2f(sv, dv)
		sv.Close()
		dv.Close()
		rect := gocv.NewMat()
		gocv.WarpPerspectiveWithParams(gray, &rect, M, image.Pt(W, H), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
		M.Close()
		geo := rectGeom{n: n, lines: L, P: P, R: R, m: m}
		for _, flip := range []bool{false, true} {
			img := rect
			if flip {
				img = gocv.NewMat()
				gocv.Rotate(rect, &img, gocv.Rotate180Clockwise)
			}
			got := r.readRect(img, geo)
			if flip {
				img.Close()
			}
			if got == nil {
				continue
			}
			corners := [4]gocv.Point2f{src[0], src[1], src[2], src[3]}
			if flip {
				corners = [4]gocv.Point2f{src[2], src[3], src[0], src[1]}
				got.Rotation = 180
			}
			for i, c := range corners {
				got.Corners[i] = image.Pt(int(c.X+0.5), int(c.Y+0.5))
			}
			if best == nil || better(got, best) {
				best = got
			}
			if best.Found && best.ChecksFailed == 0 && best.Confidence >= 0.85 {
				break // read the right way up: no need to turn it over
			}
		}
		rect.Close()
		if best != nil && best.Found && best.ChecksFailed == 0 && best.Confidence >= 0.9 {
			break
		}
	}
	return best
}

// lineFit maps a line's cells to x (cx = a + b*i + c*i*i) and holds its
// centre line and the components in each cell.
type lineFit struct {
	a, b, c float64
	cy      float64 // centre line: cy + cySlp*x
	cySlp   float64
	cells   [][]comp
	hs      []float64
	nSingl  int
}

func (f *lineFit) x(i int) float64 { fi := float64(i); return f.a + f.b*fi + f.c*fi*fi }

// cell is the cell whose centre is nearest x, -1 beyond the line.
func (f *lineFit) cell(x float64, n int) int {
	best, bd := -1, math.Inf(1)
	i0 := int(math.Round((x - f.a) / f.b))
	for i := i0 - 2; i <= i0+2; i++ {
		if i < 0 || i >= n {
			continue
		}
		if d := math.Abs(f.x(i) - x); d < bd {
			best, bd = i, d
		}
	}
	if bd > 0.75*f.b {
		return -1
	}
	return best
}

// fitQuad is least squares y = a + b*x + c*x*x (a line when too few points).
func fitQuad(xs, ys []float64) (a, b, c float64) {
	if len(xs) < 8 {
		a, b = fitLine(xs, ys)
		return a, b, 0
	}
	var s [5]float64
	var t [3]float64
	for i := range xs {
		x, p := xs[i], 1.0
		for k := 0; k < 5; k++ {
			s[k] += p
			if k < 3 {
				t[k] += p * ys[i]
			}
			p *= x
		}
	}
	m := [3][4]float64{{s[0], s[1], s[2], t[0]}, {s[1], s[2], s[3], t[1]}, {s[2], s[3], s[4], t[2]}}
	for col := 0; col < 3; col++ {
		piv := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		m[col], m[piv] = m[piv], m[col]
		if math.Abs(m[col][col]) < 1e-12 {
			a, b = fitLine(xs, ys)
			return a, b, 0
		}
		for r := 0; r < 3; r++ {
			if r == col {
				continue
			}
			f := m[r][col] / m[col][col]
			for k := col; k < 4; k++ {
				m[r][k] -= f * m[col][k]
			}
		}
	}
	return m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]
}

type rectGeom struct {
	n, lines int
	P, R, m  float64
}

// readRect reads a straightened zone: cells at a known pitch, refined by the
// characters actually found.
func (r *Reader) readRect(rect gocv.Mat, g rectGeom) *Zone {
	W, H := rect.Cols(), rect.Rows()
	px := rect.ToBytes()
	// Background by a grey closing (removes the dark strokes), then ink as
	// the fraction of the background the stroke absorbs: uneven light gone.
	bg := gocv.NewMat()
	k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(int(g.P/2)|1, int(g.P/2)|1))
	gocv.MorphologyEx(rect, &bg, gocv.MorphClose, k)
	k.Close()
	bgx := bg.ToBytes()
	bg.Close()
	pl := newPlane(W, H)
	var hist [256]int
	for i := range px {
		b := float32(bgx[i])
		if b < 1 {
			b = 1
		}
		v := 1 - float32(px[i])/b
		if v < 0 {
			v = 0
		}
		pl.p[i] = v
		hist[int(v*255)]++
	}
	thr := float32(otsu(hist[:])) / 255
	if thr < 0.15 {
		thr = 0.15
	}
	binPx := make([]byte, len(px))
	for i, v := range pl.p {
		if v > thr {
			binPx[i] = 255
		}
	}
	bin, err := gocv.NewMatFromBytes(H, W, gocv.MatTypeCV8U, binPx)
	if err != nil {
		return nil
	}
	P := g.P
	cs := components(bin, func(c comp) bool {
		return float64(c.h) >= 0.25*P && float64(c.h) <= 2*P && c.w*c.h >= int(0.02*P*P)
	})
	bin.Close()
	fits := make([]lineFit, g.lines)
	var allH []float64
	for k := range fits {
		y := g.m + float64(k)*g.R
		f := &fits[k]
		f.a, f.b, f.cy = g.m, P, y
		f.cells = make([][]comp, g.n)
		var line []comp
		for _, c := range cs {
			if math.Abs(c.cy-y) > g.R/2 && math.Abs(c.cy-y) > 0.6*P {
				continue
			}
			line = append(line, c)
		}
		sort.Slice(line, func(a, b int) bool { return line[a].cx < line[b].cx })
		// Walk along the line numbering the characters by the local pitch
		// (robust to a drift of the straightening), anchor the numbering
		// where the straightening puts it, then fit a smooth curve
		// cell -> x through the single characters.
		var is, xs []float64
		rel, prev, prevX := 0, -1, 0.0
		var offs []float64
		for _, c := range line {
			if float64(c.w) > 1.1*P {
				continue
			}
			if prev >= 0 {
				rel += int(math.Round((c.cx - prevX) / P))
			}
			prev, prevX = rel, c.cx
			is = append(is, float64(rel))
			xs = append(xs, c.cx)
			offs = append(offs, math.Round((c.cx-g.m)/P)-float64(rel))
			f.hs = append(f.hs, float64(c.h))
		}
		allH = append(allH, f.hs...)
		f.nSingl = len(is)
		if len(is) >= 5 {
			off := percentile(offs, 0.5)
			// Characters the search missed at a line's end (in a shadow, say)
			// are in the margins here: when the line holds its whole length,
			// number it from its own ends.
			rmin, rmax := is[0], is[len(is)-1]
			if cnt := int(rmax-rmin) + 1; cnt >= g.n-1 && cnt <= g.n {
				a, b := -rmin, float64(g.n-1)-rmax
				if math.Abs(b-off) < math.Abs(a-off) {
					a = b
				}
				if math.Abs(a-off) <= 3 {
					off = a
				}
			}
			for j := range is {
				is[j] += off
			}
			a, b, c2 := fitQuad(is, xs)
			// one pass of outlier removal
			var is2, xs2 []float64
			for j := range is {
				if math.Abs(a+b*is[j]+c2*is[j]*is[j]-xs[j]) < 0.25*P {
					is2 = append(is2, is[j])
					xs2 = append(xs2, xs[j])
				}
			}
			if len(is2) >= 5 {
				a, b, c2 = fitQuad(is2, xs2)
			}
			if math.Abs(b-P) < 0.15*P && math.Abs(c2*float64(g.n)) < 0.1*P {
				f.a, f.b, f.c = a, b, c2
			}
		}
		for _, c := range line {
			i := f.cell(c.cx, g.n)
			if i >= 0 {
				f.cells[i] = append(f.cells[i], c)
			}
		}
	}
	if len(allH) < g.n/2 {
		return nil
	}
	unit := percentile(allH, 0.75)
	for k := range fits {
		f := &fits[k]
		var xs, ys []float64
		for _, cell := range f.cells {
			for _, c := range cell {
				if float64(c.h) >= 0.75*unit && float64(c.h) <= 1.3*unit {
					xs = append(xs, c.cx)
					ys = append(ys, c.cy)
				}
			}
		}
		if len(xs) >= 5 {
			a, b := fitLine(xs, ys)
			if math.Abs(b) < 0.1 {
				f.cy, f.cySlp = a, b
			}
		}
	}
	s := make(zoneScores, g.lines)
	heights := make([][]float64, g.lines)
	for k := range heights {
		heights[k] = make([]float64, g.n)
	}
	v := make([]float32, fdim)
	var sc [nClasses]float32
	for k := range fits {
		f := &fits[k]
		s[k] = make([][nClasses]float32, g.n)
		for i := 0; i < g.n; i++ {
			ex := f.x(i)
			x0, x1 := math.Inf(1), math.Inf(-1)
			y0, y1 := math.Inf(1), math.Inf(-1)
			for _, c := range f.cells[i] {
				if float64(c.w) > 1.1*P || math.Abs(c.cx-ex) > 0.45*P {
					continue
				}
				x0 = math.Min(x0, float64(c.x))
				x1 = math.Max(x1, float64(c.x+c.w))
				y0 = math.Min(y0, float64(c.y))
				y1 = math.Max(y1, float64(c.y+c.h))
			}
			if y1 > y0 {
				heights[k][i] = y1 - y0
			}
			cx := ex
			if x1 > x0 && math.Abs((x0+x1)/2-ex) < 0.3*P {
				cx = (x0 + x1) / 2
			}
			cy := f.cy + f.cySlp*cx
			best := [nClasses]float32{}
			for j := range best {
				best[j] = -2
			}
			for si, dx := range [3]float64{0, -0.07 * unit, 0.07 * unit} {
				sampleWindow(pl, cx+dx, cy, unit, v)
				r.cls.scores(v, &sc)
				top := float32(-2)
				for j := range sc {
					if sc[j] > best[j] {
						best[j] = sc[j]
					}
					top = max(top, best[j])
				}
				if si == 0 && top >= 0.85 {
					break // a clear match: no need to look beside it
				}
			}
			s[k][i] = best
		}
	}
	digitHeightHint(s, heights)
	var out *Zone
	for _, l := range layoutsFor(g.lines, g.n) {
		d := decode(l, s)
		if l == &layoutTD3 || l == &layoutTD2 {
			if d.lines[0][0] == 'V' {
				continue
			}
		} else if (l == &layoutMRVA || l == &layoutMRVB) && d.lines[0][0] != 'V' {
			continue
		}
		z := &Zone{Format: l.name, Confidence: d.score, ChecksFailed: d.failed}
		for k := range d.lines {
			z.Lines = append(z.Lines, string(d.lines[k]))
			z.Raw = append(z.Raw, string(d.raw[k]))
			row := make([][]Alt, g.n)
			for i := range row {
				row[i] = topAlts(s[k][i], 3)
			}
			z.Chars = append(z.Chars, row)
		}
		// Found: the characters look like OCR-B, and the check digits hold
		// (or the reading is so clean that a failing digit is the document's).
		z.Found = d.score >= minFoundScore && (d.failed == 0 || d.score >= 0.9)
		if out == nil || better(z, out) {
			out = z
		}
	}
	return out
}

// digitHeightHint separates look-alikes the correlation barely tells apart
// (O/0, B/8, S/5, Z/2, I/1, D/0): in OCR-B digits stand about 7 % taller
// than letters. The zone's own confident letters and digits give the two
// heights; each character's height then nudges digits against letters by
// at most hintWeight, enough to settle a near tie and no more.
func digitHeightHint(s zoneScores, heights [][]float64) {
	const hintWeight = 0.02
	var hl, hd []float64
	for k := range s {
		for i := range s[k] {
			h := heights[k][i]
			if h == 0 {
				continue
			}
			a := topAlts(s[k][i], 2)
			if a[0].Score < 0.9 || a[0].Score-a[1].Score < 0.05 {
				continue
			}
			switch c := a[0].Char; {
			case c >= '0' && c <= '9':
				hd = append(hd, h)
			case c >= 'A' && c <= 'Z' && c != 'Q' && c != 'J':
				hl = append(hl, h)
			}
		}
	}
	if len(hl) < 4 || len(hd) < 4 {
		return
	}
	mL, mD := percentile(hl, 0.5), percentile(hd, 0.5)
	if mD < mL*1.025 {
		return // not told apart at this resolution
	}
	mid, half := (mL+mD)/2, (mD-mL)/2
	for k := range s {
		for i := range s[k] {
			h := heights[k][i]
			if h == 0 {
				continue
			}
			b := float32(hintWeight * math.Max(-1, math.Min(1, (h-mid)/half)))
			for c := 0; c < 10; c++ {
				s[k][i][c] += b
			}
			for c := 10; c < 36; c++ {
				s[k][i][c] -= b
			}
		}
	}
}

func topAlts(s [nClasses]float32, n int) []Alt {
	idx := make([]int, nClasses)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] > s[idx[b]] })
	out := make([]Alt, n)
	for i := range out {
		out[i] = Alt{alphabet[idx[i]], s[idx[i]]}
	}
	return out
}

func fitLine(xs, ys []float64) (a, b float64) {
	var sx, sy, sxx, sxy float64
	n := float64(len(xs))
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if math.Abs(d) < 1e-9 {
		return sy / n, 0
	}
	b = (n*sxy - sx*sy) / d
	a = (sy - b*sx) / n
	return a, b
}

func otsu(hist []int) int {
	total := 0
	var sum float64
	for i, h := range hist {
		total += h
		sum += float64(i * h)
	}
	var sumB, wB float64
	best, bestT := -1.0, 0
	for t := range hist {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sum-sumB)/wF
		v := wB * wF * (mB - mF) * (mB - mF)
		if v > best {
			best, bestT = v, t
		}
	}
	return bestT
}
