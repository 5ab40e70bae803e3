package landmarks

import (
	"image"
	"math"
	"sync/atomic"
)

// Point is a landmark in image pixel coordinates.
type Point struct{ X, Y float64 }

// Detect finds the landmarks of the face in box, as dlib's
// shape_predictor::operator()(img, rect) does, and returns NumParts points
// in the image's coordinates (for the 68-point model, the iBUG 300-W
// markup: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).
//
// box is a Go rectangle, Max exclusive: dlib's rectangle(l, t, r, b) is
// image.Rect(l, t, r+1, b+1). Pixels are addressed in img's own
// coordinate space (img.Rect need not start at 0,0); reads outside
// img.Rect, or from a nil image, count as 0, as in dlib.
//
// The points are not rounded. dlib stores them rounded to whole pixels in
// its full_object_detection; Rounded gives those values.
func (p *Predictor) Detect(img *image.Gray, box image.Rectangle) []Point {
	shape := make([]float32, len(p.initial))
	copy(shape, p.initial)
	feats := make([]float32, p.maxPix)
	n := len(shape)
	leafOff := make([]int, p.maxTrees)
	var sink float32

	// unnormalizing_tform(rect): (0,0) to the top-left corner, (1,1) to
	// dlib's bottom-right corner, which is inclusive.
	sx := float64(box.Max.X - 1 - box.Min.X)
	sy := float64(box.Max.Y - 1 - box.Min.Y)
	ox, oy := float64(box.Min.X), float64(box.Min.Y)

	for c := range p.cascades {
		cs := &p.cascades[c]
		m := similarity(p.initial, shape)
		m00, m01, m10, m11 := float32(m[0]), float32(m[1]), float32(m[2]), float32(m[3])
		fv := feats[:len(cs.anchor)]
		for i, a := range cs.anchor {
			dx, dy := cs.deltas[2*i], cs.deltas[2*i+1]
			// float arithmetic as dlib's matrix<float,2,2>*vector<float,2>
			// plus the anchor's location; the float32 conversions stop the
			// compiler fusing multiply and add, which dlib's build does not.
			px := float32(float32(m00*dx)+float32(m01*dy)) + shape[2*a]
			py := float32(float32(m10*dx)+float32(m11*dy)) + shape[2*a+1]
			fv[i] = pixel(img, math.Floor(float64(sx*float64(px))+ox+0.5), math.Floor(float64(sy*float64(py))+oy+0.5))
		}
		// All trees of a cascade read the same feature values: find every
		// tree's leaf first, then add the leaves.
		offs := leafOff[:len(cs.trees)]
		for k, t := range cs.trees {
			splits := cs.splits[t.split : t.split+t.nsplit]
			i := 0
			for i < len(splits) {
				s := &splits[i]
				if fv[s.idx1]-fv[s.idx2] > s.thresh {
					i = 2*i + 1
				} else {
					i = 2*i + 2
				}
			}
			offs[k] = t.leaf + (i-len(splits))*n
		}
		sink += addLeaves(shape, cs.leaves, offs)
	}
	sinkBits.Store(math.Float32bits(sink))

	pts := make([]Point, p.parts)
	for i := range pts {
		pts[i] = Point{float64(sx*float64(shape[2*i])) + ox, float64(sy*float64(shape[2*i+1])) + oy}
	}
	return pts
}

// pixel reads img at the already rounded coordinates x, y, or 0 outside
// it. The comparisons are made in float64 so that no coordinate, however
// wild, is converted to an out-of-range integer.
func pixel(img *image.Gray, x, y float64) float32 {
	if img == nil {
		return 0
	}
	r := img.Rect
	if !(x >= float64(r.Min.X) && x < float64(r.Max.X) && y >= float64(r.Min.Y) && y < float64(r.Max.Y)) {
		return 0
	}
	return float32(img.Pix[(int(y)-r.Min.Y)*img.Stride+(int(x)-r.Min.X)])
}

// similarity returns the 2x2 part [m00 m01 m10 m11] of the least-squares
// similarity transform taking shape from to shape to (both x0 y0 x1 y1
// ...), as dlib's find_similarity_transform (Umeyama's method) computes it
// in double precision. For two dimensions its SVD reduces to a closed form:
// c*R = [a -b; b a] with a = (cov00+cov11)/sigma, b = (cov10-cov01)/sigma,
// where cov is the covariance of to against from and sigma the variance
// of from. The sums are taken in dlib's order.
func similarity(from, to []float32) [4]float64 {
	n := len(from) / 2
	if n < 2 {
		return [4]float64{1, 0, 0, 1} // dlib: identity for a single landmark
	}
	var mfx, mfy, mtx, mty float64
	for i := 0; i < n; i++ {
		mfx += float64(from[2*i])
		mfy += float64(from[2*i+1])
		mtx += float64(to[2*i])
		mty += float64(to[2*i+1])
	}
	fn := float64(n)
	mfx, mfy, mtx, mty = mfx/fn, mfy/fn, mtx/fn, mty/fn
	a, b, sigma := covariance(n, func(i int) (float64, float64, float64, float64) {
		return float64(from[2*i]) - mfx, float64(from[2*i+1]) - mfy, float64(to[2*i]) - mtx, float64(to[2*i+1]) - mty
	})
	if sigma == 0 {
		return [4]float64{1, 0, 0, 1}
	}
	return [4]float64{a / sigma, -b / sigma, b / sigma, a / sigma}
}

// covariance sums, over n centred point pairs (fx, fy) -> (tx, ty), the
// rotation terms a = cov00+cov11 and b = cov10-cov01 and the spread of the
// from points, each divided by n as dlib does.
func covariance(n int, pair func(i int) (fx, fy, tx, ty float64)) (a, b, sigma float64) {
	var c00, c01, c10, c11 float64
	for i := 0; i < n; i++ {
		fx, fy, tx, ty := pair(i)
		sigma += float64(fx*fx) + float64(fy*fy)
		c00 += float64(tx * fx)
		c01 += float64(tx * fy)
		c10 += float64(ty * fx)
		c11 += float64(ty * fy)
	}
	fn := float64(n)
	sigma, c00, c01, c10, c11 = sigma/fn, c00/fn, c01/fn, c10/fn, c11/fn
	return c00 + c11, c10 - c01, sigma
}

// lookahead is how many leaves ahead addLeaves reads.
const lookahead = 8

// sinkBits keeps addLeaves' reads ahead from being optimised away; it is
// atomic so that concurrent Detects do not race on it.
var sinkBits atomic.Uint32

// addLeaves adds to shape, one after the other in tree order as dlib does
// (float addition must keep its order to round alike), the leaf vectors
// at offs in leaves. The leaves lie scattered over 65 MB, so the time is
// in fetching them: while one leaf is added, one value of each 64-byte
// line of the leaf lookahead trees on is read, so that the fetches
// overlap the work (Go has no prefetch instruction). This measured about
// 10% faster than the plain loop. The sum returned is of no use.
func addLeaves(shape, leaves []float32, offs []int) (sink float32) {
	n := len(shape)
	for k, off := range offs {
		if k+lookahead < len(offs) {
			ahead := leaves[offs[k+lookahead]:][:n]
			for j := 0; j < n; j += 16 {
				sink += ahead[j]
			}
			sink += ahead[n-1]
		}
		leaf := leaves[off:][:n]
		for j := range shape {
			shape[j] += leaf[j]
		}
	}
	return sink
}
