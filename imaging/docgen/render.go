package docgen

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// FontDir is where the OCR-B fonts are read from.
var FontDir = "/usr/share/fonts/opentype/ocr-b"

// Spec says what to render.
type Spec struct {
	Format string // TD1, TD2 or TD3
	Level  string // one of Levels
	Seed   int64
	// Camera renders the document filling a camera frame instead of lying on
	// a scanner page.
	Camera bool
	// DPI of the scan (0: random 200..300). Camera frames ignore it.
	DPI int
	// Tight crops the scanner page close around the document (smaller files).
	Tight bool
	// Gray renders the page in grey levels only.
	Gray bool
}

// Page is a rendered page and its ground truth.
type Page struct {
	Image image.Image // *image.Gray or *image.RGBA
	Lines []string
	DPI   int
	Spec  Spec
}

type fonts struct {
	ocrb, ocrbs, regular, bold *opentype.Font
}

var (
	fontOnce sync.Once
	fontSet  fonts
	fontErr  error
)

func loadFonts() (fonts, error) {
	fontOnce.Do(func() {
		read := func(name string) *opentype.Font {
			if fontErr != nil {
				return nil
			}
			b, err := os.ReadFile(FontDir + "/" + name)
			if err != nil {
				fontErr = fmt.Errorf("docgen: %w (install fonts-ocr-b)", err)
				return nil
			}
			f, err := opentype.Parse(b)
			if err != nil {
				fontErr = err
			}
			return f
		}
		fontSet.ocrb = read("OCRB.otf")
		fontSet.ocrbs = read("OCRBS.otf")
		var err error
		if fontSet.regular, err = opentype.Parse(goregular.TTF); err != nil {
			fontErr = err
		}
		if fontSet.bold, err = opentype.Parse(gobold.TTF); err != nil {
			fontErr = err
		}
	})
	return fontSet, fontErr
}

func face(f *opentype.Font, px float64) font.Face {
	fc, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	return fc
}

// card sizes in millimetres
var cardMM = map[string][2]float64{"TD1": {85.6, 53.98}, "TD2": {105, 74}, "TD3": {125, 88}}

// Render draws a page for spec, degraded to its level.
func Render(spec Spec) (*Page, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	if _, ok := cardMM[spec.Format]; !ok {
		return nil, fmt.Errorf("docgen: unknown format %q", spec.Format)
	}
	r := rand.New(rand.NewSource(spec.Seed))
	lines := RandomMRZ(r, spec.Format)
	dpi := spec.DPI
	if dpi == 0 {
		dpi = 200 + r.Intn(101)
	}
	if spec.Camera {
		dpi = 260 + r.Intn(80)
	}
	card := renderCard(r, fs, spec.Format, lines, float64(dpi))
	var page *image.RGBA
	if spec.Camera {
		page = card
	} else {
		mmToPx := float64(dpi) / 25.4
		// a scanner page: A4 or the scanner's crop around the document
		var pw, ph int
		if r.Intn(2) == 0 && !spec.Tight {
			pw, ph = int(210*mmToPx), int(297*mmToPx)
		} else {
			pw = card.Bounds().Dx() + int((10+r.Float64()*30)*mmToPx)
			ph = card.Bounds().Dy() + int((10+r.Float64()*30)*mmToPx)
		}
		page = image.NewRGBA(image.Rect(0, 0, pw, ph))
		bg := uint8(235 + r.Intn(20))
		draw.Draw(page, page.Bounds(), &image.Uniform{color.RGBA{bg, bg, bg - uint8(r.Intn(8)), 255}}, image.Point{}, draw.Src)
		ox := r.Intn(max(1, pw-card.Bounds().Dx()))
		oy := r.Intn(max(1, ph-card.Bounds().Dy()))
		draw.Draw(page, card.Bounds().Add(image.Pt(ox, oy)), card, image.Point{}, draw.Src)
	}
	img, err := degrade(r, page, spec, float64(dpi))
	if err != nil {
		return nil, err
	}
	if spec.Gray {
		img = Gray(img)
	}
	return &Page{Image: img, Lines: lines, DPI: dpi, Spec: spec}, nil
}

func renderCard(r *rand.Rand, fs fonts, format string, lines []string, dpi float64) *image.RGBA {
	mm := dpi / 25.4
	sz := cardMM[format]
	W, H := int(sz[0]*mm), int(sz[1]*mm)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	// pastel background with a guilloche of sine curves
	base := color.RGBA{uint8(215 + r.Intn(40)), uint8(215 + r.Intn(40)), uint8(215 + r.Intn(40)), 255}
	draw.Draw(img, img.Bounds(), &image.Uniform{base}, image.Point{}, draw.Src)
	line := color.RGBA{base.R - uint8(20+r.Intn(40)), base.G - uint8(20+r.Intn(40)), base.B - uint8(10+r.Intn(30)), 255}
	nCurves := 10 + r.Intn(20)
	for c := 0; c < nCurves; c++ {
		amp := (2 + r.Float64()*8) * mm
		per := (10 + r.Float64()*40) * mm
		ph := r.Float64() * 2 * math.Pi
		y0 := r.Float64() * float64(H)
		for x := 0; x < W; x++ {
			y := int(y0 + amp*math.Sin(float64(x)/per*2*math.Pi+ph))
			if y >= 0 && y < H {
				img.SetRGBA(x, y, line)
			}
		}
	}
	// photo box
	pw, ph := int(float64(W)*0.28), int(float64(H)*0.5)
	px, py := int(4*mm), int(float64(H)*0.12)
	gray0 := uint8(120 + r.Intn(80))
	for y := py; y < py+ph; y++ {
		for x := px; x < px+pw; x++ {
			dx, dy := float64(x-px-pw/2)/float64(pw/3), float64(y-py-ph/3)/float64(ph/3)
			v := int(gray0) + int(float64(y-py)/float64(ph)*40)
			if dx*dx+dy*dy < 1 {
				v -= 60
			}
			if y > py+ph*2/3 && math.Abs(dx) < 1.6 {
				v -= 40
			}
			v = min(max(v, 0), 255)
			img.SetRGBA(x, y, color.RGBA{uint8(v), uint8(v), uint8(v * 9 / 10), 255})
		}
	}
	// labels and values in a sans serif
	ink := color.RGBA{uint8(r.Intn(50)), uint8(r.Intn(50)), uint8(r.Intn(70)), 255}
	lab := face(fs.regular, 1.6*mm)
	val := face(fs.bold, 2.6*mm)
	tx := float64(px+pw) + 4*mm
	ty := float64(py) + 3*mm
	fields := []string{"Type / Type", "Surname / Nom", "Given names / Prenoms", "Nationality", "Date of birth", "Date of expiry"}
	values := []string{format, "SPECIMEN", "SAMPLE DOCUMENT", "UTOPIA", "12 AUG 1974", "15 APR 2031"}
	for i := range fields {
		if ty > float64(H)*0.62 {
			break
		}
		d := font.Drawer{Dst: img, Src: &image.Uniform{ink}, Face: lab, Dot: fixed.P(int(tx), int(ty))}
		d.DrawString(fields[i])
		ty += 3 * mm
		d = font.Drawer{Dst: img, Src: &image.Uniform{ink}, Face: val, Dot: fixed.P(int(tx), int(ty))}
		d.DrawString(values[i])
		ty += 3.2 * mm
	}
	title := face(fs.bold, 3.5*mm)
	d := font.Drawer{Dst: img, Src: &image.Uniform{ink}, Face: title, Dot: fixed.P(int(4*mm), int(4.5*mm))}
	d.DrawString("REPUBLIC OF UTOPIA  PASSPORT  PASSEPORT")

	// the MRZ, OCR-B, nominal pitch 2.54 mm and character height ~2.4 mm,
	// both jittered; one of two cuts; ink weight varies
	pitch := 2.54 * mm * (0.93 + r.Float64()*0.12)
	capMM := 2.2 + r.Float64()*0.5
	em := capMM * mm / 0.713
	f1, f2 := fs.ocrb, fs.ocrbs
	if r.Intn(3) == 0 {
		f1 = fs.ocrbs
	}
	face1, face2 := face(f1, em), face(fs.ocrbs, em)
	_ = f2
	lineGap := (3.8 + r.Float64()*0.9) * mm
	n := len(lines[0])
	x0 := (float64(W) - float64(n)*pitch) / 2 * (0.6 + r.Float64()*0.8)
	if x0 < 1.5*mm {
		x0 = 1.5 * mm
	}
	yLast := float64(H) - (2.5+r.Float64()*2.5)*mm
	mrzInk := color.RGBA{uint8(r.Intn(60)), uint8(r.Intn(60)), uint8(r.Intn(60)), 255}
	// a white band behind the zone, as on most documents
	band := image.Rect(0, int(yLast-float64(len(lines))*lineGap-1*mm), W, H)
	if r.Intn(2) == 0 {
		draw.Draw(img, band, &image.Uniform{color.RGBA{248, 248, 246, 255}}, image.Point{}, draw.Src)
	}
	bold := r.Intn(4) == 0
	// some renderings draw a smaller filler chevron than OCR-B's own
	chevron := 0.0
	if r.Intn(4) == 0 {
		chevron = 0.55 + r.Float64()*0.3
	}
	for li, l := range lines {
		y := yLast - float64(len(lines)-1-li)*lineGap
		for i := 0; i < len(l); i++ {
			if l[i] == '<' && chevron > 0 {
				capPx := capMM * mm
				cx := x0 + float64(i)*pitch + pitch/2
				cy := y - capPx/2
				drawChevron(img, cx, cy, capPx*chevron*0.75, capPx*chevron, capPx*0.13, mrzInk)
				continue
			}
			fc := face1
			if l[i] == '<' || l[i] == '8' { // x/image cannot draw these two from OCRB.otf (CFF flex1)
				fc = face2
			}
			x := x0 + float64(i)*pitch + (pitch-0.723*em)/2
			for k := 0; k < 1+btoi(bold); k++ {
				d := font.Drawer{Dst: img, Src: &image.Uniform{mrzInk}, Face: fc,
					Dot: fixed.Point26_6{X: fixed.Int26_6((x + float64(k)*0.6) * 64), Y: fixed.Int26_6(y * 64)}}
				d.DrawString(string(l[i]))
			}
		}
	}
	return img
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// drawChevron draws a '<' centred on (cx, cy), w wide and h high.
func drawChevron(img *image.RGBA, cx, cy, w, h, stroke float64, ink color.RGBA) {
	ax, bx := cx-w/2, cx+w/2
	segs := [][4]float64{{ax, cy, bx, cy - h/2}, {ax, cy, bx, cy + h/2}}
	for y := int(cy - h); y <= int(cy+h); y++ {
		for x := int(ax - stroke); x <= int(bx+stroke); x++ {
			if !image.Pt(x, y).In(img.Rect) {
				continue
			}
			px, py := float64(x)+0.5, float64(y)+0.5
			d := math.Inf(1)
			for _, s := range segs {
				dx, dy := s[2]-s[0], s[3]-s[1]
				t := math.Max(0, math.Min(1, ((px-s[0])*dx+(py-s[1])*dy)/(dx*dx+dy*dy)))
				d = math.Min(d, math.Hypot(s[0]+t*dx-px, s[1]+t*dy-py))
			}
			a := stroke/2 + 0.5 - d
			if a <= 0 {
				continue
			}
			a = math.Min(a, 1)
			o := img.RGBAAt(x, y)
			mix := func(b, f uint8) uint8 { return uint8(float64(b)*(1-a) + float64(f)*a) }
			img.SetRGBA(x, y, color.RGBA{mix(o.R, ink.R), mix(o.G, ink.G), mix(o.B, ink.B), 255})
		}
	}
}
