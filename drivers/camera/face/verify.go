package face

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "dnn.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"math"
	"os"
	"sync"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face/landmarks"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face/model"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/imgcodec"
)

// CheckName is the name of the verification check in transaction events.
const CheckName = "face.verify"

// Result is a check's result, as in the central protocol's checks[].result.
type Result string

const (
	Successful   Result = "successful"    // the score reached the threshold
	Failed       Result = "failed"        // it did not: FACE_MISMATCH
	Undetermined Result = "undetermined"  // no comparison could run (no face in an image, unreadable image)
	NotSupported Result = "not_supported" // no face-embedding model is configured
	Aborted      Result = "aborted"       // the session ended before a comparison
)

// Comparison is the outcome of one 1:1 comparison. Score and Threshold are
// set only when a comparison ran; Detail says why one did not.
type Comparison struct {
	Name      string   `json:"name"`
	Result    Result   `json:"result"`
	Score     *float64 `json:"score,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Model     string   `json:"model,omitempty"`
	Detail    string   `json:"detail,omitempty"`
}

// Reference is what the live capture is compared with: an image of the
// holder (JPEG or PNG bytes) or a template made earlier by the same model.
type Reference struct {
	Image    []byte
	Template []float32
}

// Status says whether verification can run, for the technician console and
// selftest.
type Status struct {
	Supported bool    `json:"supported"`
	Model     string  `json:"model,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	Detail    string  `json:"detail"`
}

func (s Status) String() string {
	if !s.Supported {
		return "face verification: not supported: " + s.Detail
	}
	return fmt.Sprintf("face verification: %s (threshold %.3f): %s", s.Model, s.Threshold, s.Detail)
}

// Comparator compares a live capture with a reference, 1:1. Compare never
// fails as a Go error: every outcome is a Comparison the decision policy
// records (undetermined with a Detail when nothing could be compared).
type Comparator interface {
	Compare(ctx context.Context, live []byte, ref Reference) Comparison
	Status() Status
	Close() error
}

// Unsupported is the comparator when no model is installed: every
// comparison is not_supported, with no score.
type Unsupported struct{ Reason string }

func (u Unsupported) Compare(context.Context, []byte, Reference) Comparison {
	return Comparison{Name: CheckName, Result: NotSupported, Detail: u.Reason}
}
func (u Unsupported) Status() Status { return Status{Detail: u.Reason} }
func (u Unsupported) Close() error   { return nil }

// NoModel is the reason given when [face] modelFile is empty.
const NoModel = "no face-embedding model is configured ([face] modelFile); verification reports not_supported and the decision policy decides"

// ModelOptions configure the embedding comparator.
type ModelOptions struct {
	ModelFile string  // [face] modelFile: a model OpenCV's DNN module reads (ONNX, ...)
	Threshold float64 // [face] threshold: the least cosine similarity for a match
	// InputSize is the side of the square face crop the model takes (112).
	InputSize int
	// Scale and Mean normalise pixels: (p - Mean) * Scale (1/127.5 and
	// 127.5, giving -1..1). Set Scale to -1 for no scaling (1.0) and
	// Mean to -1 for none (0), as SFace wants.
	Scale, Mean float64
	// BGR feeds the crop in OpenCV's BGR order; by default it is RGB.
	BGR bool
	// Chip crops the face as dlib's face chips are cut (the eyes at
	// dlib's places in the crop), which the dlib ResNet descriptor
	// expects; by default the crop is the face box's square rotated
	// eyes-level (AlignedCrop). DlibOptions sets it.
	Chip bool
	// LandmarkFile is dlib's 68-point landmark model ([face]
	// landmarkModel; DefaultLandmarkFile, Debian's libdlib-data). With
	// Chip, the chip is then cut from the face's landmarks as dlib cuts
	// it (LandmarkChip); without one, from the face box (ChipCrop). A
	// file named that does not load is an error.
	LandmarkFile string
	// Euclidean scores a pair 1 - the Euclidean distance of the raw
	// descriptors (at least 0), the way dlib and face-api.js compare
	// theirs (distance 0.6 = score 0.4); by default the embeddings are
	// L2-normalised and the score is their cosine similarity.
	Euclidean bool
	// Detector finds the face in the live and reference images. Required.
	Detector *Detector
	Logger   *slog.Logger
}

// ModelComparator embeds aligned face crops with a DNN and compares the
// embeddings by cosine similarity.
type ModelComparator struct {
	o     ModelOptions
	log   *slog.Logger
	marks *landmarks.Predictor // nil: chips placed from the face box
	mu    sync.Mutex
	net   C.XptNet
	dim   int
}

// NewComparator returns the comparator the configuration asks for: with no
// model file, Unsupported (and no error); with one, a ModelComparator, or
// Unsupported saying why plus the error when the model cannot be loaded and
// run.
func NewComparator(o ModelOptions) (Comparator, error) {
	if o.ModelFile == "" {
		return Unsupported{Reason: NoModel}, nil
	}
	c, err := NewModelComparator(o)
	if err != nil {
		return Unsupported{Reason: err.Error()}, err
	}
	return c, nil
}

// NewModelComparator loads the model and checks that it runs on a crop of
// the configured size and gives a vector.
//
// A model cmd/facemodel converted (face-api.js's dlib descriptor) is
// recognised by its producer name: unless InputSize is set, it gets
// DlibOptions, and a zero Threshold is DefaultThreshold.
func NewModelComparator(o ModelOptions) (*ModelComparator, error) {
	if o.Detector == nil {
		return nil, errors.New("face comparator: no detector")
	}
	if o.InputSize == 0 {
		made, err := model.Made(o.ModelFile)
		if err != nil {
			return nil, fmt.Errorf("face model: %w", err)
		}
		if made {
			d := DlibOptions(o.ModelFile, o.Detector, o.Logger)
			if o.Threshold != 0 {
				d.Threshold = o.Threshold
			}
			d.LandmarkFile = o.LandmarkFile
			o = d
		}
	}
	if o.Threshold <= 0 || o.Threshold >= 1 {
		return nil, fmt.Errorf("face model %s: threshold %v must be between 0 and 1", o.ModelFile, o.Threshold)
	}
	if o.InputSize <= 0 {
		o.InputSize = 112
	}
	switch {
	case o.Scale == 0:
		o.Scale = 1 / 127.5
	case o.Scale < 0:
		o.Scale = 1
	}
	switch {
	case o.Mean == 0:
		o.Mean = 127.5
	case o.Mean < 0:
		o.Mean = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(o.ModelFile); err != nil {
		return nil, fmt.Errorf("face model: %w", err)
	}
	var marks *landmarks.Predictor
	if o.Chip && o.LandmarkFile != "" {
		var err error
		if marks, err = landmarks.Load(o.LandmarkFile); err != nil {
			return nil, fmt.Errorf("face landmark model ([face] landmarkModel): %w", err)
		}
		if n := marks.NumParts(); n != 68 && n != 5 {
			return nil, fmt.Errorf("face landmark model ([face] landmarkModel) %s: %d landmarks; a face chip needs dlib's 68- or 5-point layout", o.LandmarkFile, n)
		}
	}
	cpath := C.CString(o.ModelFile)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	net := C.xpt_net_read(cpath, &cerr)
	if net == nil {
		return nil, fmt.Errorf("face model %s: %s", o.ModelFile, takeErr(cerr))
	}
	c := &ModelComparator{o: o, log: o.Logger, marks: marks, net: net}
	probe := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), o.InputSize, o.InputSize, gocv.MatTypeCV8UC3)
	defer probe.Close()
	v, err := c.run(probe)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("face model %s does not run on a %dx%d crop: %w", o.ModelFile, o.InputSize, o.InputSize, err)
	}
	c.dim = len(v)
	return c, nil
}

func takeErr(p *C.char) string {
	if p == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}

// Close frees the model.
func (c *ModelComparator) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.net != nil {
		C.xpt_net_free(c.net)
		c.net = nil
	}
	return nil
}

// Status reports the model in use.
func (c *ModelComparator) Status() Status {
	return Status{Supported: true, Model: c.o.ModelFile, Threshold: c.o.Threshold,
		Detail: fmt.Sprintf("loaded; %dx%d face crops %s to %d-value embeddings, %s", c.o.InputSize, c.o.InputSize, c.alignment(), c.dim, c.metric())}
}

func (c *ModelComparator) alignment() string {
	switch {
	case c.marks != nil:
		return "aligned on 68 landmarks (" + c.o.LandmarkFile + ")"
	case c.o.Chip:
		return "placed from the face box (no landmark model)"
	}
	return "aligned on the eyes"
}

func (c *ModelComparator) metric() string {
	if c.o.Euclidean {
		return "score 1 - Euclidean distance"
	}
	return "cosine similarity"
}

const maxEmbedding = 1 << 16

// run embeds a face crop, L2-normalised (raw with Euclidean).
func (c *ModelComparator) run(crop gocv.Mat) ([]float32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.net == nil {
		return nil, errors.New("comparator closed")
	}
	out := make([]float32, 4096)
	var cerr *C.char
	swap := C.int(1)
	if c.o.BGR {
		swap = 0
	}
	n := C.xpt_net_embed(c.net, unsafe.Pointer(crop.Ptr()), C.int(c.o.InputSize), C.double(c.o.Scale), C.double(c.o.Mean), swap,
		(*C.float)(unsafe.Pointer(&out[0])), C.int(len(out)), &cerr)
	if n < 0 {
		return nil, errors.New(takeErr(cerr))
	}
	if int(n) > len(out) {
		if int(n) > maxEmbedding {
			return nil, fmt.Errorf("the model gives %d values, too many for an embedding", int(n))
		}
		out = make([]float32, int(n))
		n = C.xpt_net_embed(c.net, unsafe.Pointer(crop.Ptr()), C.int(c.o.InputSize), C.double(c.o.Scale), C.double(c.o.Mean), swap,
			(*C.float)(unsafe.Pointer(&out[0])), C.int(len(out)), &cerr)
		if n < 0 {
			return nil, errors.New(takeErr(cerr))
		}
	}
	out = out[:int(n)]
	if n == 0 {
		return nil, errors.New("the model gives an empty output")
	}
	var norm float64
	for _, x := range out {
		norm += float64(x) * float64(x)
	}
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, errors.New("the model gives a zero or invalid embedding")
	}
	if c.o.Euclidean {
		return out, nil
	}
	k := float32(1 / math.Sqrt(norm))
	for i := range out {
		out[i] *= k
	}
	return out, nil
}

// Template embeds the face in an image (JPEG or PNG bytes): the largest
// face found, aligned on its eyes when both were found.
func (c *ModelComparator) Template(img []byte) ([]float32, error) {
	m, err := imgcodec.Decode(img)
	if err != nil {
		return nil, errors.New("the image cannot be decoded")
	}
	defer m.Close()
	return c.EmbedFrame(m)
}

// EmbedFrame embeds the largest face in a BGR frame.
func (c *ModelComparator) EmbedFrame(frame gocv.Mat) ([]float32, error) {
	q := c.o.Detector.Analyze(frame)
	if q.Face.Empty() {
		return nil, errors.New("no face found")
	}
	crop := c.Crop(frame, q)
	defer crop.Close()
	return c.run(crop)
}

// Crop cuts the face of q out of frame as the model wants it, at the
// model's input size. The caller closes it.
func (c *ModelComparator) Crop(frame gocv.Mat, q Quality) gocv.Mat {
	if c.marks != nil {
		return LandmarkChip(frame, q, c.o.InputSize, c.marks)
	}
	if c.o.Chip {
		return ChipCrop(frame, q, c.o.InputSize)
	}
	crop := AlignedCrop(frame, q)
	if crop.Cols() != c.o.InputSize || crop.Rows() != c.o.InputSize {
		r := gocv.NewMat()
		gocv.Resize(crop, &r, image.Pt(c.o.InputSize, c.o.InputSize), 0, 0, gocv.InterpolationLinear)
		crop.Close()
		crop = r
	}
	return crop
}

// Compare embeds the live capture and the reference and compares them.
func (c *ModelComparator) Compare(ctx context.Context, live []byte, ref Reference) Comparison {
	res := Comparison{Name: CheckName, Model: c.o.ModelFile}
	undetermined := func(why string) Comparison {
		res.Result, res.Detail = Undetermined, why
		c.log.Info("face comparison", "result", string(res.Result), "detail", why, "threshold", c.o.Threshold)
		return res
	}
	if ctx.Err() != nil {
		return undetermined("cancelled")
	}
	a, err := c.Template(live)
	if err != nil {
		return undetermined("live capture: " + err.Error())
	}
	b := ref.Template
	if b == nil {
		if len(ref.Image) == 0 {
			return undetermined("no reference image or template")
		}
		if b, err = c.Template(ref.Image); err != nil {
			return undetermined("reference: " + err.Error())
		}
	}
	if len(a) != len(b) {
		return undetermined(fmt.Sprintf("the reference template has %d values, the model gives %d", len(b), len(a)))
	}
	s := math.Round(c.Score(a, b)*10000) / 10000
	th := c.o.Threshold
	res.Score, res.Threshold = &s, &th
	res.Result = Failed
	if s >= th {
		res.Result = Successful
	}
	c.log.Info("face comparison", "result", string(res.Result), "score", s, "threshold", th)
	return res
}

// Score is how alike two templates of this model are, higher for more
// alike: 1 - their Euclidean distance (at least 0) with Euclidean, else
// their cosine similarity.
func (c *ModelComparator) Score(a, b []float32) float64 {
	if c.o.Euclidean {
		return max(0, 1-Euclidean(a, b))
	}
	return Cosine(a, b)
}

// Euclidean is the Euclidean distance of a and b.
func Euclidean(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// Cosine is the cosine similarity of a and b (0 when either is zero).
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// AlignedCrop cuts a square around the face of q out of frame, rotated so
// the eyes are level when both were found. The caller closes it.
func AlignedCrop(frame gocv.Mat, q Quality) gocv.Mat {
	face := q.Face
	src := frame
	rotated := false
	var rot gocv.Mat
	if len(q.Eyes) >= 2 {
		l, r := q.Eyes[0], q.Eyes[1]
		if l.X > r.X {
			l, r = r, l
		}
		if r.X-l.X > face.Dx()/5 {
			angle := math.Atan2(float64(r.Y-l.Y), float64(r.X-l.X)) * 180 / math.Pi
			if math.Abs(angle) > 1 {
				centre := l.Add(r).Div(2)
				m := gocv.GetRotationMatrix2D(centre, angle, 1)
				rot = gocv.NewMat()
				gocv.WarpAffine(frame, &rot, m, image.Pt(frame.Cols(), frame.Rows()))
				m.Close()
				src, rotated = rot, true
			}
		}
	}
	c := face.Min.Add(face.Max).Div(2)
	side := max(face.Dx(), face.Dy())
	sq := image.Rect(c.X-side/2, c.Y-side/2, c.X-side/2+side, c.Y-side/2+side).Intersect(image.Rect(0, 0, src.Cols(), src.Rows()))
	region := src.Region(sq)
	out := region.Clone()
	region.Close()
	if rotated {
		rot.Close()
	}
	return out
}

// Where dlib's face chips (get_face_chip_details, 150 px, padding 0.25)
// put the eyes, from its mean face shape: the eye centres 0.353 of the
// side apart, their midpoint at 0.4935 across and 0.311 down. The Haar
// face box gives the eyes: at 0.38 of its height, 0.40 of its width apart
// (measured on the sample faces).
const (
	chipEyeDist = 0.353
	chipEyeX    = 0.4935
	chipEyeY    = 0.311
	boxEyeY     = 0.38
	boxEyeDist  = 0.40
)

// ChipCrop cuts a size x size face chip the way dlib does for its face
// descriptor, scaled so the eyes are chipEyeDist of the side apart and
// their midpoint at (chipEyeX, chipEyeY), with the eyes placed from the
// face box. Placing them from the eye cascade's centres instead, or
// rotating by their angle, separated people less on the labelled set
// here (docs/camera.md, "The face model"): at this size the cascade's eye
// centres are noisier than the box, and a face tilted enough for rotation
// to matter is mostly not found by the face cascade at all. Pixels
// outside the frame are the border replicated. The caller closes it.
func ChipCrop(frame gocv.Mat, q Quality, size int) gocv.Mat {
	f := q.Face
	midX, midY := float64(f.Min.X+f.Max.X)/2, float64(f.Min.Y)+boxEyeY*float64(f.Dy())
	k := chipEyeDist * float64(size) / (boxEyeDist * float64(f.Dx()))
	return warpChip(frame, landmarks.Affine{{k, 0, chipEyeX*float64(size) - k*midX}, {0, k, chipEyeY*float64(size) - k*midY}}, size)
}

// warpChip cuts the size x size chip that a (image to chip coordinates)
// maps the frame onto, bilinear, the border replicated. The caller closes
// it.
func warpChip(frame gocv.Mat, a landmarks.Affine, size int) gocv.Mat {
	m := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer m.Close()
	for i := 0; i < 6; i++ {
		m.SetDoubleAt(i/3, i%3, a[i/3][i%3])
	}
	out := gocv.NewMat()
	gocv.WarpAffineWithParams(frame, &out, m, image.Pt(size, size), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	return out
}

// DefaultLandmarkFile is dlib's 68-point face landmark model as Debian's
// libdlib-data installs it.
const DefaultLandmarkFile = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

// chipPadding is dlib's face chip padding for its face descriptor
// (get_face_chip_details(shape, 150, 0.25)).
const chipPadding = 0.25

// dlibBox is the box dlib's frontal face detector would give for a face
// the Haar cascade found at f: dlib's landmark model was trained on that
// detector's boxes and places its first shape from the box. Measured on
// the evaluation set (64 faces both found, docs/camera.md): a square 0.92
// of the Haar box's side (median; spread 0.07), its centre 0.084 of the
// side lower (spread 0.047) and at the same x (0.006, spread 0.034).
func dlibBox(f image.Rectangle) image.Rectangle {
	w := float64(f.Dx())
	side := 0.92 * w
	cx := float64(f.Min.X+f.Max.X) / 2
	cy := float64(f.Min.Y+f.Max.Y)/2 + 0.084*w
	x0, y0 := int(math.Round(cx-side/2)), int(math.Round(cy-side/2))
	n := int(math.Round(side))
	return image.Rect(x0, y0, x0+n, y0+n)
}

// LandmarkChip cuts a size x size face chip as dlib does for its face
// descriptor: the 68 landmarks of pred in the face of q (its box mapped to
// dlib's, dlibBox), then get_face_chip_details' similarity transform of
// dlib's mean face onto them, padding 0.25. Eyes, nose and mouth land
// where they were in the faces the descriptor was trained on, whatever
// the face's tilt, size and place in the frame. Pixels outside the frame
// are the border replicated. The caller closes it.
func LandmarkChip(frame gocv.Mat, q Quality, size int, pred *landmarks.Predictor) gocv.Mat {
	pts := pred.Detect(grayImage(frame), dlibBox(q.Face))
	return warpChip(frame, landmarks.ChipTransform(pts, size, chipPadding), size)
}

// grayImage is frame (BGR, BGRA or grey) as a Go grey image, for the
// pure-Go landmark model.
func grayImage(frame gocv.Mat) *image.Gray {
	g := frame
	if frame.Channels() != 1 {
		g = gocv.NewMat()
		defer g.Close()
		code := gocv.ColorBGRToGray
		if frame.Channels() == 4 {
			code = gocv.ColorBGRAToGray
		}
		gocv.CvtColor(frame, &g, code)
	}
	return &image.Gray{Pix: g.ToBytes(), Stride: g.Cols(), Rect: image.Rect(0, 0, g.Cols(), g.Rows())}
}

// InputSizeDlib is the dlib descriptor's input side.
const InputSizeDlib = 150

// DefaultThreshold is the default [face] threshold for the dlib
// descriptor: the least score, 1 - the Euclidean distance of the two
// descriptors, for a match. 0.5 is distance 0.5, stricter than dlib's and
// face-api.js's usual 0.6 (score 0.4) for a border's false-match bound
// (see docs/camera.md for the figures behind it).
const DefaultThreshold = 0.5

// DlibOptions are the options for the face-api.js / dlib recognition
// network as cmd/facemodel converts it: 150x150 RGB crops cut as dlib's
// face chips, raw 0..255 pixels (the model normalises), threshold
// DefaultThreshold unless set.
func DlibOptions(file string, det *Detector, log *slog.Logger) ModelOptions {
	return ModelOptions{ModelFile: file, Threshold: DefaultThreshold, InputSize: InputSizeDlib, Scale: -1, Mean: -1,
		Chip: true, Euclidean: true, Detector: det, Logger: log}
}
