package docgen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand"

	"gocv.io/x/gocv"
)

// Levels of degradation, from none to everything at once.
var Levels = []string{"clean", "skew", "rotate", "perspective", "blur", "noise", "light", "jpeg", "hard"}

func degrade(r *rand.Rand, src *image.RGBA, spec Spec, dpi float64) (image.Image, error) {
	m, err := gocv.NewMatFromBytes(src.Rect.Dy(), src.Rect.Dx(), gocv.MatTypeCV8UC4, src.Pix)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	img := gocv.NewMat()
	defer img.Close()
	gocv.CvtColor(m, &img, gocv.ColorRGBAToBGR)
	lv := spec.Level
	has := func(names ...string) bool {
		for _, n := range names {
			if lv == n {
				return true
			}
		}
		return false
	}
	known := false
	for _, l := range Levels {
		known = known || l == lv
	}
	if !known {
		return nil, fmt.Errorf("docgen: unknown level %q", lv)
	}
	// geometry
	angle := (r.Float64()*2 - 1) * 0.8
	quarter := 0
	persp := 0.0
	switch {
	case has("skew"):
		angle = (r.Float64()*2 - 1) * 10
	case has("rotate"):
		angle = (r.Float64()*2 - 1) * 3
		quarter = 1 + r.Intn(3)
	case has("perspective"):
		persp = 0.04 + r.Float64()*0.06
		angle = (r.Float64()*2 - 1) * 4
	case has("hard"):
		angle = (r.Float64()*2 - 1) * 8
		persp = 0.03 + r.Float64()*0.04
		quarter = r.Intn(4)
	}
	if spec.Camera {
		persp = math.Max(persp, 0.03+r.Float64()*0.05)
	}
	border := color.RGBA{250, 250, 250, 0}
	if spec.Camera {
		border = color.RGBA{uint8(60 + r.Intn(80)), uint8(50 + r.Intn(80)), uint8(40 + r.Intn(80)), 0}
	}
	{
		w, h := float64(img.Cols()), float64(img.Rows())
		src := []gocv.Point2f{{X: 0, Y: 0}, {X: float32(w), Y: 0}, {X: float32(w), Y: float32(h)}, {X: 0, Y: float32(h)}}
		a := angle * math.Pi / 180
		cs, sn := math.Cos(a), math.Sin(a)
		var dst []gocv.Point2f
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range src {
			x, y := float64(p.X)-w/2, float64(p.Y)-h/2
			x += (r.Float64()*2 - 1) * persp * w
			y += (r.Float64()*2 - 1) * persp * h
			X, Y := cs*x-sn*y, sn*x+cs*y
			dst = append(dst, gocv.Point2f{X: float32(X), Y: float32(Y)})
			minX, minY = math.Min(minX, X), math.Min(minY, Y)
			maxX, maxY = math.Max(maxX, X), math.Max(maxY, Y)
		}
		pad := 0.0
		if spec.Camera {
			pad = 0.08 * w
		}
		for i := range dst {
			dst[i].X += float32(-minX + pad)
			dst[i].Y += float32(-minY + pad)
		}
		sv, dv := gocv.NewPoint2fVectorFromPoints(src), gocv.NewPoint2fVectorFromPoints(dst)
		M := gocv.GetPerspectiveTransform2f(sv, dv)
		sv.Close()
		dv.Close()
		out := gocv.NewMat()
		gocv.WarpPerspectiveWithParams(img, &out, M, image.Pt(int(maxX-minX+2*pad), int(maxY-minY+2*pad)), gocv.InterpolationLinear, gocv.BorderConstant, border)
		M.Close()
		img.Close()
		img = out
		if spec.Camera {
			// a camera frame: 1600 px wide
			s := 1600 / float64(img.Cols())
			small := gocv.NewMat()
			gocv.Resize(img, &small, image.Point{}, s, s, gocv.InterpolationArea)
			img.Close()
			img = small
			dpi *= s
		}
		if quarter > 0 {
			rot := gocv.NewMat()
			gocv.Rotate(img, &rot, []gocv.RotateFlag{gocv.Rotate90Clockwise, gocv.Rotate180Clockwise, gocv.Rotate90CounterClockwise}[quarter-1])
			img.Close()
			img = rot
		}
	}
	if has("blur", "hard") {
		sigma := dpi / 300 * (1.0 + r.Float64()*1.2)
		if has("hard") {
			sigma = dpi / 300 * (0.6 + r.Float64()*0.6)
		}
		out := gocv.NewMat()
		gocv.GaussianBlur(img, &out, image.Point{}, sigma, sigma, gocv.BorderReplicate)
		img.Close()
		img = out
	}
	buf := img.ToBytes()
	w, h, ch := img.Cols(), img.Rows(), img.Channels()
	if has("light", "hard") {
		// a gradient across the page and a soft shadow
		gx, gy := r.Float64()*2-1, r.Float64()*2-1
		lo := 0.35 + r.Float64()*0.25
		if has("hard") {
			lo = 0.55 + r.Float64()*0.2
		}
		sx, sy, sr := r.Float64()*float64(w), r.Float64()*float64(h), (0.2+r.Float64()*0.3)*float64(max(w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				t := (gx*(float64(x)/float64(w)-0.5) + gy*(float64(y)/float64(h)-0.5) + 1) / 2
				f := lo + (1-lo)*t
				d := math.Hypot(float64(x)-sx, float64(y)-sy) / sr
				if d < 1 {
					f *= 0.75 + 0.25*d
				}
				for c := 0; c < ch; c++ {
					i := (y*w+x)*ch + c
					buf[i] = uint8(float64(buf[i]) * f)
				}
			}
		}
	}
	if has("noise", "hard") {
		sigma := 10 + r.Float64()*15
		if has("hard") {
			sigma = 6 + r.Float64()*8
		}
		for i := range buf {
			v := float64(buf[i]) + r.NormFloat64()*sigma
			buf[i] = uint8(math.Max(0, math.Min(255, v)))
		}
		if !has("hard") {
			for k := 0; k < len(buf)/ch/500; k++ {
				i := r.Intn(len(buf)/ch) * ch
				v := uint8(255 * r.Intn(2))
				for c := 0; c < ch; c++ {
					buf[i+c] = v
				}
			}
		}
	}
	out, err := gocv.NewMatFromBytes(h, w, img.Type(), buf)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	res, err := out.ToImage()
	if err != nil {
		return nil, err
	}
	if has("jpeg", "hard") {
		q := 20 + r.Intn(25)
		if has("hard") {
			q = 40 + r.Intn(20)
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, res, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		return jpeg.Decode(&b)
	}
	return res, nil
}
