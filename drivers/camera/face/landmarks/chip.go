package landmarks

import (
	"fmt"
	"math"
)

// Affine is a 2x3 matrix [a b c; d e f] mapping (x, y) to
// (a*x + b*y + c, d*x + e*y + f).
type Affine [2][3]float64

// Apply maps pt through m.
func (m Affine) Apply(pt Point) Point {
	return Point{
		float64(m[0][0]*pt.X) + float64(m[0][1]*pt.Y) + m[0][2],
		float64(m[1][0]*pt.X) + float64(m[1][1]*pt.Y) + m[1][2],
	}
}

// Invert returns the inverse mapping. A singular m gives NaNs.
func (m Affine) Invert() Affine {
	det := m[0][0]*m[1][1] - m[0][1]*m[1][0]
	a, b := m[1][1]/det, -m[0][1]/det
	d, e := -m[1][0]/det, m[0][0]/det
	return Affine{
		{a, b, -(a*m[0][2] + b*m[1][2])},
		{d, e, -(d*m[0][2] + e*m[1][2])},
	}
}

// Mean face templates of dlib's get_face_chip_details
// (dlib/image_transforms/interpolation.h), in a unit square: for the
// 68-point model, landmarks 17 to 67; for the 5-point model, its 5.
var (
	meanFace68X = [51]float64{
		0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
		0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
		0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
		0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
		0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
		0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
		0.553364, 0.490127, 0.42689,
	}
	meanFace68Y = [51]float64{
		0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
		0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
		0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
		0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
		0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
		0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
		0.784792, 0.824182, 0.831803, 0.824182,
	}
	meanFace5 = [5]Point{
		{0.8595674595992, 0.2134981538014},
		{0.6460604764104, 0.2289674387677},
		{0.1205750620789, 0.2137274526848},
		{0.3340850613712, 0.2290642403242},
		{0.4901123135679, 0.6277975316475},
	}
)

// ChipTransform returns the mapping from IMAGE coordinates to CHIP
// coordinates of dlib's face chip for the landmarks pts: the transform
// dlib's extract_image_chip applies for get_face_chip_details(shape, size,
// padding), i.e. get_mapping_to_chip of those chip details. A chip pixel
// (u, v), 0 <= u, v < size, shows the image at ChipTransform(...).Invert()
// applied to (u, v). The matrix can be passed as is to OpenCV's
// warpAffine (without WARP_INVERSE_MAP) with a size x size destination.
// dlib's face recognition network uses size 150 and padding 0.25.
//
// pts are the 68 points of Detect (or the 5 of dlib's 5-point model).
// dlib computes the chip from its rounded parts; pass Rounded(pts) to
// reproduce its chip exactly, or pts as they are for sub-pixel accuracy.
//
// As dlib does, the chip fits the mean face template (eyebrows and lower
// lip left out) to the points with a least-squares similarity transform,
// then maps the corners of the chip's rectangle in the image, which spans
// size*scale-1 image pixels, to chip pixels 0 and size-1, so the mapping
// is not exactly the inverse of that similarity.
//
// ChipTransform panics, as dlib's assertion does, if len(pts) is neither
// 68 nor 5, size < 1 or padding < 0.
func ChipTransform(pts []Point, size int, padding float64) Affine {
	if (len(pts) != 68 && len(pts) != 5) || size < 1 || !(padding >= 0) {
		panic(fmt.Sprintf("landmarks: ChipTransform of %d points, size %d, padding %v: want 68 or 5 points, size >= 1, padding >= 0", len(pts), size, padding))
	}
	fs := float64(size)
	var from, to [51]Point
	n := 0
	add := func(tx, ty float64, img Point) {
		from[n] = Point{(padding + tx) / (2*padding + 1) * fs, (padding + ty) / (2*padding + 1) * fs}
		to[n] = img
		n++
	}
	if len(pts) == 5 {
		for i, t := range meanFace5 {
			add(t.X, t.Y, pts[i])
		}
	} else {
		for i := 27; i < 68; i++ { // 17-26 (eyebrows) are left out
			if (55 <= i && i <= 59) || (65 <= i && i <= 67) { // lower lip
				continue
			}
			add(meanFace68X[i-17], meanFace68Y[i-17], pts[i])
		}
	}
	m, t := similarityPoints(from[:n], to[:n])

	// chip_details: angle and scale of the chip-to-image similarity, and
	// the chip's rectangle centred on the image of the chip's centre.
	angle := math.Atan2(m[2], m[0])
	scale := math.Sqrt(float64(m[0]*m[0]) + float64(m[2]*m[2]))
	cx := float64(m[0]*fs/2) + float64(m[1]*fs/2) + t.X
	cy := float64(m[2]*fs/2) + float64(m[3]*fs/2) + t.Y
	half := (fs*scale - 1) / 2 // centered_drect: width-1
	l, r, top, b := cx-half, cx+half, cy-half, cy+half

	// get_mapping_to_chip: the rectangle's corners tl, tr, br, rotated
	// by angle about its centre, go to (0,0), (size-1,0), (size-1,size-1).
	ccx, ccy := (l+r)/2, (top+b)/2
	sin, cos := math.Sincos(angle)
	rot := func(x, y float64) Point {
		x, y = x-ccx, y-ccy
		return Point{float64(cos*x) - float64(sin*y) + ccx, float64(sin*x) + float64(cos*y) + ccy}
	}
	return threePoint([3]Point{rot(l, top), rot(r, top), rot(r, b)}, fs-1)
}

// threePoint returns the affine map taking f[0], f[1], f[2] to (0,0),
// (k,0), (k,k).
func threePoint(f [3]Point, k float64) Affine {
	// A * [e1 e2] = k*I with e1 = f1-f0 (to (k,0)) and e2 = f2-f1 (to (0,k)).
	e1x, e1y := f[1].X-f[0].X, f[1].Y-f[0].Y
	e2x, e2y := f[2].X-f[1].X, f[2].Y-f[1].Y
	det := e1x*e2y - e2x*e1y
	a, b := k*e2y/det, -k*e2x/det
	d, e := -k*e1y/det, k*e1x/det
	return Affine{
		{a, b, -(a*f[0].X + b*f[0].Y)},
		{d, e, -(d*f[0].X + e*f[0].Y)},
	}
}

// similarityPoints is find_similarity_transform in double precision with
// its translation: to ~ M*from + t.
func similarityPoints(from, to []Point) (m [4]float64, t Point) {
	var mf, mt Point
	for i := range from {
		mf.X += from[i].X
		mf.Y += from[i].Y
		mt.X += to[i].X
		mt.Y += to[i].Y
	}
	fn := float64(len(from))
	mf = Point{mf.X / fn, mf.Y / fn}
	mt = Point{mt.X / fn, mt.Y / fn}
	a, b, sigma := covariance(len(from), func(i int) (float64, float64, float64, float64) {
		return from[i].X - mf.X, from[i].Y - mf.Y, to[i].X - mt.X, to[i].Y - mt.Y
	})
	m = [4]float64{1, 0, 0, 1}
	if sigma != 0 {
		m = [4]float64{a / sigma, -b / sigma, b / sigma, a / sigma}
	}
	t = Point{mt.X - (float64(m[0]*mf.X) + float64(m[1]*mf.Y)), mt.Y - (float64(m[2]*mf.X) + float64(m[3]*mf.Y))}
	return m, t
}

// Rounded returns pts rounded to whole pixels as dlib rounds them into a
// full_object_detection (floor(v+0.5)).
func Rounded(pts []Point) []Point {
	out := make([]Point, len(pts))
	for i, p := range pts {
		out[i] = Point{math.Floor(p.X + 0.5), math.Floor(p.Y + 0.5)}
	}
	return out
}
