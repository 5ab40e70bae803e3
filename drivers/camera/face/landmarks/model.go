package landmarks

import (
	"fmt"
	"io"
	"os"
)

// Limits on what a model may declare. dlib's 68-point model has 15
// cascades of 500 trees of depth 4 over 400 feature pixels; these bounds
// are far above any real shape predictor and keep a corrupt length from
// asking for an absurd allocation. Storage also grows only as data
// actually arrives (see grow), so a lying length ends in a truncation
// error rather than a large allocation.
const (
	maxParts    = 1 << 10 // landmarks per shape
	maxCascades = 1 << 8
	maxTrees    = 1 << 14 // trees per cascade
	maxSplits   = 1 << 12 // split nodes per tree (depth 12)
	maxPixels   = 1 << 14 // feature pixels per cascade
)

// Predictor is a loaded dlib shape_predictor. It is immutable after Load
// or Read and safe for concurrent use by several goroutines.
type Predictor struct {
	parts    int       // landmarks per shape
	initial  []float32 // mean shape, x0 y0 x1 y1 ..., in box-normalised units
	cascades []cascade
	maxPix   int // largest feature-pixel count of any cascade
	maxTrees int // largest tree count of any cascade
}

type cascade struct {
	trees  []tree
	splits []split   // all trees' split nodes, tree by tree
	leaves []float32 // all trees' leaf vectors (2*parts floats each), tree by tree
	anchor []int32   // per feature pixel: the landmark it is relative to
	deltas []float32 // per feature pixel: dx dy from that landmark, in the mean shape's frame
}

// tree locates one regression tree's nodes in its cascade's slices.
type tree struct {
	split, nsplit int // splits[split : split+nsplit]
	leaf          int // leaves[leaf : leaf+(nsplit+1)*2*parts]
}

type split struct {
	idx1, idx2 int32
	thresh     float32
}

// NumParts is the number of landmarks in a shape (68 for dlib's model).
func (p *Predictor) NumParts() int { return p.parts }

// Load reads a dlib shape predictor file such as Debian's
// /usr/share/dlib/shape_predictor_68_face_landmarks.dat.
func Load(path string) (*Predictor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("landmarks: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	p, err := read(f, size)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return p, nil
}

// Read decodes a shape predictor serialized by dlib (serialize(sp, out) of
// a dlib::shape_predictor, the format of dlib's .dat landmark models). A
// truncated, corrupt or foreign stream is an error naming the byte offset;
// every index the model holds is checked, so Detect cannot go out of range.
func Read(r io.Reader) (*Predictor, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader, bytes.Buffer
		size = int64(l.Len())
	}
	return read(r, size)
}

// read decodes a model from r, whose length is size if size >= 0.
func read(r io.Reader, size int64) (*Predictor, error) {
	d := newDecoder(r, size)
	p := &Predictor{}
	p.read(d)
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// grow returns s with room for n more elements, growing by at most a
// bounded step, so memory follows the bytes actually read.
func grow[T any](s []T, n int) []T {
	const step = 1 << 16
	if n > step {
		n = step
	}
	if cap(s)-len(s) < n {
		ns := make([]T, len(s), len(s)+max(n, len(s)))
		copy(ns, s)
		s = ns
	}
	return s
}

func (p *Predictor) read(d *decoder) {
	d.what = "version"
	if v := d.int(4); d.err == nil && v != 1 {
		d.fail("not a dlib shape_predictor: version %d, want 1", v)
	}

	d.what = "initial shape"
	p.initial = d.floatColumn(nil, 2*maxParts)
	if d.err == nil && (len(p.initial) == 0 || len(p.initial)%2 != 0) {
		d.fail("initial shape has %d values, want a positive even number", len(p.initial))
	}
	p.parts = len(p.initial) / 2
	if d.err != nil {
		return
	}

	d.what = "forests"
	nc := d.count(maxCascades, "cascade")
	for c := 0; c < nc && d.err == nil; c++ {
		p.cascades = grow(p.cascades, nc-c)
		p.cascades = append(p.cascades, p.readForest(d, c))
		p.maxTrees = max(p.maxTrees, len(p.cascades[c].trees))
	}

	d.what = "anchor indices"
	if n := d.count(maxCascades, "cascade"); d.err == nil && n != nc {
		d.fail("%d anchor lists for %d cascades", n, nc)
	}
	for c := 0; c < nc && d.err == nil; c++ {
		cs := &p.cascades[c]
		n := d.count(maxPixels, "feature pixel")
		for i := 0; i < n && d.err == nil; i++ {
			a := d.uint()
			if d.err == nil && a >= uint64(p.parts) {
				d.fail("cascade %d: anchor %d is not one of the %d parts", c, a, p.parts)
			}
			cs.anchor = grow(cs.anchor, n-i)
			cs.anchor = append(cs.anchor, int32(a))
		}
	}

	d.what = "pixel deltas"
	if n := d.count(maxCascades, "cascade"); d.err == nil && n != nc {
		d.fail("%d delta lists for %d cascades", n, nc)
	}
	for c := 0; c < nc && d.err == nil; c++ {
		cs := &p.cascades[c]
		n := d.count(maxPixels, "feature pixel")
		if d.err == nil && n != len(cs.anchor) {
			d.fail("cascade %d: %d deltas for %d anchors", c, n, len(cs.anchor))
		}
		for i := 0; i < n && d.err == nil; i++ {
			x, y := d.float32(), d.float32()
			cs.deltas = grow(cs.deltas, 2*(n-i))
			cs.deltas = append(cs.deltas, x, y)
		}
		p.maxPix = max(p.maxPix, n)
	}
	if d.err != nil {
		return
	}

	// The trees index feature pixels; only now is each cascade's pixel
	// count known.
	for c := range p.cascades {
		cs := &p.cascades[c]
		npix := int32(len(cs.anchor))
		for _, s := range cs.splits {
			if s.idx1 >= npix || s.idx2 >= npix {
				d.what = "forests"
				d.fail("cascade %d: a split uses feature pixel %d/%d of %d", c, s.idx1, s.idx2, npix)
				return
			}
		}
	}
}

// readForest reads one cascade's std::vector<regression_tree>.
func (p *Predictor) readForest(d *decoder, c int) cascade {
	var cs cascade
	nt := d.count(maxTrees, "tree")
	for t := 0; t < nt && d.err == nil; t++ {
		tr := tree{split: len(cs.splits), leaf: len(cs.leaves)}
		tr.nsplit = d.count(maxSplits, "split")
		for i := 0; i < tr.nsplit && d.err == nil; i++ {
			a, b := d.uint(), d.uint()
			th := d.float32()
			if d.err == nil && (a >= maxPixels || b >= maxPixels) {
				d.fail("cascade %d tree %d: feature pixel index %d/%d out of range", c, t, a, b)
			}
			cs.splits = grow(cs.splits, tr.nsplit-i)
			cs.splits = append(cs.splits, split{int32(a), int32(b), th})
		}
		nl := d.count(maxSplits+1, "leaf")
		if d.err == nil && nl != tr.nsplit+1 {
			d.fail("cascade %d tree %d: %d leaves for %d splits, want splits+1", c, t, nl, tr.nsplit)
		}
		for i := 0; i < nl && d.err == nil; i++ {
			before := len(cs.leaves)
			cs.leaves = d.floatColumn(cs.leaves, 2*maxParts)
			if d.err == nil && len(cs.leaves)-before != 2*p.parts {
				d.fail("cascade %d tree %d: leaf of %d values, want %d", c, t, len(cs.leaves)-before, 2*p.parts)
			}
		}
		cs.trees = grow(cs.trees, nt-t)
		cs.trees = append(cs.trees, tr)
		if t == 0 && d.err == nil {
			cs.reserve(d, nt)
		}
	}
	return cs
}

// reserve sizes the cascade's storage for nt trees like its first, when
// the rest of the stream is known to be long enough to hold them (a split
// takes at least 8 bytes, a float 4), so that a 100 MB model is read
// without regrowing its largest slices. Otherwise storage grows as read.
func (cs *cascade) reserve(d *decoder, nt int) {
	ns, nl := len(cs.splits)*(nt-1), len(cs.leaves)*(nt-1)
	if !d.affords(ns, 8) || !d.affords(nl, 4) || !d.affords(ns*8+nl*4, 1) {
		return
	}
	cs.splits = append(make([]split, 0, len(cs.splits)+ns), cs.splits...)
	cs.leaves = append(make([]float32, 0, len(cs.leaves)+nl), cs.leaves...)
}

// floatColumn reads a dlib::matrix<float,0,1> and appends its values to
// dst. dlib writes the dimensions negated (its newer format) and accepts
// either sign.
func (d *decoder) floatColumn(dst []float32, maxRows int) []float32 {
	nr, nc := d.int(8), d.int(8)
	if d.err != nil {
		return dst
	}
	if nr < 0 {
		nr = -nr
	}
	if nc < 0 {
		nc = -nc
	}
	if nc != 1 && !(nc == 0 && nr == 0) {
		d.fail("matrix has %d columns, want a column vector", nc)
		return dst
	}
	if nr > int64(maxRows) {
		d.fail("column of %d values exceeds the limit %d", nr, maxRows)
		return dst
	}
	dst = grow(dst, int(nr))
	for i := int64(0); i < nr && d.err == nil; i++ {
		dst = append(dst, d.float32())
	}
	return dst
}
