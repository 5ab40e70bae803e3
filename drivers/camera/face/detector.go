package face

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sync"

	"gocv.io/x/gocv"
)

// DefaultCascadeDir is where Debian's opencv-data installs the Haar cascades.
const DefaultCascadeDir = "/usr/share/opencv4/haarcascades"

// Options are the detector's cascades and the quality bounds. Zero fields
// take the defaults shown.
type Options struct {
	// CascadeDir holds the cascades ([face] cascadeDir). The face cascade
	// is the first of haarcascade_frontalface_alt2.xml,
	// haarcascade_frontalface_default.xml, lbpcascade_frontalface_improved.xml,
	// lbpcascade_frontalface.xml found there; the eye cascade the first of
	// haarcascade_eye.xml, haarcascade_eye_tree_eyeglasses.xml found there
	// or in the sibling haarcascades folder (for an lbpcascades dir).
	CascadeDir string
	// FaceCascade and EyeCascade name files directly, overriding CascadeDir.
	FaceCascade, EyeCascade string

	// DetectWidth is the width frames are scaled to for face detection
	// (240: a face of the least acceptable size is then 48 pixels wide,
	// twice what the cascades need, and detection is cheap).
	DetectWidth int
	// MinFaceRatio and MaxFaceRatio bound the face's width as a fraction of
	// the frame's width (0.20 and 0.70).
	MinFaceRatio, MaxFaceRatio float64
	// MaxOffset bounds the distance of the face's centre from the frame's
	// centre, as a fraction of the frame's width or height (0.20).
	MaxOffset float64
	// MinSharpness is the least variance of the Laplacian of the face,
	// scaled to 160 pixels wide (100).
	MinSharpness float64
	// MinBrightness and MaxBrightness bound the mean grey level of the
	// face's centre (60 and 200, of 255); MinContrast its standard
	// deviation (18).
	MinBrightness, MaxBrightness, MinContrast float64
	// NoEyes turns the frontal rule (both eyes found) off.
	NoEyes bool
}

func (o *Options) defaults() {
	if o.CascadeDir == "" {
		o.CascadeDir = DefaultCascadeDir
	}
	if o.DetectWidth == 0 {
		o.DetectWidth = 240
	}
	if o.MinFaceRatio == 0 {
		o.MinFaceRatio = 0.20
	}
	if o.MaxFaceRatio == 0 {
		o.MaxFaceRatio = 0.70
	}
	if o.MaxOffset == 0 {
		o.MaxOffset = 0.20
	}
	if o.MinSharpness == 0 {
		o.MinSharpness = 100
	}
	if o.MinBrightness == 0 {
		o.MinBrightness = 60
	}
	if o.MaxBrightness == 0 {
		o.MaxBrightness = 200
	}
	if o.MinContrast == 0 {
		o.MinContrast = 18
	}
}

// Quality is what the rules measured on one frame and their verdict.
type Quality struct {
	Code       Code            `json:"guidance"`   // first rule failed, or ok
	OK         bool            `json:"ok"`         // every rule passed
	Faces      int             `json:"faces"`      // faces of comparable size found
	Face       image.Rectangle `json:"face"`       // the largest face, in frame pixels
	Eyes       []image.Point   `json:"eyes"`       // eye centres found in the face, frame pixels
	FaceRatio  float64         `json:"faceRatio"`  // face width / frame width
	Offset     float64         `json:"offset"`     // centre offset, fraction of the frame
	Sharpness  float64         `json:"sharpness"`  // variance of the Laplacian of the face
	Brightness float64         `json:"brightness"` // mean grey of the face, 0-255
	Contrast   float64         `json:"contrast"`   // standard deviation of that grey
	Frontal    bool            `json:"frontal"`    // a left and a right eye were found
	Score      float64         `json:"score"`      // 0-1, to pick the best of several frames
	Width      int             `json:"width"`      // frame size
	Height     int             `json:"height"`
}

// Better reports whether q is a better capture than o: a frame that passes
// every rule beats one that does not, then the higher score wins.
func (q Quality) Better(o Quality) bool {
	if q.OK != o.OK {
		return q.OK
	}
	return q.Score > o.Score
}

// Detector finds faces with OpenCV cascades and measures their quality.
// It is safe for concurrent use (calls are serialised: OpenCV's cascade
// classifier is not re-entrant) and must be closed.
type Detector struct {
	o        Options
	mu       sync.Mutex
	face     gocv.CascadeClassifier
	eyes     gocv.CascadeClassifier
	hasEyes  bool
	gray     gocv.Mat
	small    gocv.Mat
	norm     gocv.Mat
	lap      gocv.Mat
	mean     gocv.Mat
	std      gocv.Mat
	closed   bool
	faceFile string
	eyeFile  string
}

var faceCascades = []string{"haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_default.xml", "lbpcascade_frontalface_improved.xml", "lbpcascade_frontalface.xml"}
var eyeCascades = []string{"haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml"}

func findFile(dirs []string, names []string) string {
	for _, d := range dirs {
		for _, n := range names {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
	}
	return ""
}

// NewDetector loads the cascades. A missing face cascade is an error; a
// missing eye cascade too, unless o.NoEyes.
func NewDetector(o Options) (*Detector, error) {
	o.defaults()
	d := &Detector{o: o}
	d.faceFile = o.FaceCascade
	if d.faceFile == "" {
		d.faceFile = findFile([]string{o.CascadeDir}, faceCascades)
	}
	if d.faceFile == "" {
		return nil, fmt.Errorf("no face cascade in %s (install opencv-data, or set [face] cascadeDir)", o.CascadeDir)
	}
	if !o.NoEyes {
		d.eyeFile = o.EyeCascade
		if d.eyeFile == "" {
			d.eyeFile = findFile([]string{o.CascadeDir, filepath.Join(filepath.Dir(o.CascadeDir), "haarcascades")}, eyeCascades)
		}
		if d.eyeFile == "" {
			return nil, fmt.Errorf("no eye cascade in %s (install opencv-data, or turn the frontal rule off)", o.CascadeDir)
		}
	}
	d.face = gocv.NewCascadeClassifier()
	if !d.face.Load(d.faceFile) {
		d.face.Close()
		return nil, fmt.Errorf("cannot load face cascade %s", d.faceFile)
	}
	if d.eyeFile != "" {
		d.eyes = gocv.NewCascadeClassifier()
		if !d.eyes.Load(d.eyeFile) {
			d.face.Close()
			d.eyes.Close()
			return nil, fmt.Errorf("cannot load eye cascade %s", d.eyeFile)
		}
		d.hasEyes = true
	}
	d.gray, d.small, d.norm, d.lap, d.mean, d.std = gocv.NewMat(), gocv.NewMat(), gocv.NewMat(), gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	return d, nil
}

// Cascades names the cascade files in use (the eye cascade is "" when the
// frontal rule is off).
func (d *Detector) Cascades() (face, eyes string) { return d.faceFile, d.eyeFile }

// Options returns the options in force, defaults filled in.
func (d *Detector) Options() Options { return d.o }

// Close frees the cascades and buffers.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.face.Close()
	if d.hasEyes {
		d.eyes.Close()
	}
	for _, m := range []*gocv.Mat{&d.gray, &d.small, &d.norm, &d.lap, &d.mean, &d.std} {
		m.Close()
	}
	return nil
}

var errClosed = errors.New("face detector closed")

// Analyze measures one BGR frame. It never keeps or changes the frame.
func (d *Detector) Analyze(frame gocv.Mat) Quality {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := Quality{Width: frame.Cols(), Height: frame.Rows(), Code: NoFace}
	if d.closed || frame.Empty() {
		q.Code = CameraUnavailable
		return q
	}
	faces := d.detectFaces(frame)
	if len(faces) == 0 {
		return q
	}
	// The largest face is the traveler's; faces at least half its width
	// are people beside them. Smaller ones are far behind and tolerated.
	big := faces[0]
	for _, f := range faces[1:] {
		if f.Dx() > big.Dx() {
			big = f
		}
	}
	for _, f := range faces {
		if 2*f.Dx() >= big.Dx() {
			q.Faces++
		}
	}
	q.Face = big
	W, H := float64(q.Width), float64(q.Height)
	q.FaceRatio = float64(big.Dx()) / W
	c := big.Min.Add(big.Max).Div(2)
	q.Offset = math.Max(math.Abs(float64(c.X)-W/2)/W, math.Abs(float64(c.Y)-H/2)/H)
	d.measureFace(big, &q)
	q.Code = d.verdict(q)
	q.OK = q.Code == OK
	q.Score = d.score(q)
	return q
}

// detectFaces finds faces in a scaled, equalised grey copy of the frame and
// returns them in frame pixels.
func (d *Detector) detectFaces(frame gocv.Mat) []image.Rectangle {
	switch frame.Channels() {
	case 3:
		gocv.CvtColor(frame, &d.gray, gocv.ColorBGRToGray)
	case 4:
		gocv.CvtColor(frame, &d.gray, gocv.ColorBGRAToGray)
	default:
		frame.CopyTo(&d.gray)
	}
	w := d.o.DetectWidth
	if w > frame.Cols() {
		w = frame.Cols()
	}
	scale := float64(frame.Cols()) / float64(w)
	h := int(float64(frame.Rows())/scale + 0.5)
	gocv.Resize(d.gray, &d.small, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	gocv.EqualizeHist(d.small, &d.small)
	// Look for faces down to half the smallest acceptable size, so a
	// traveler who is too far away is told to come closer rather than
	// that there is no face. Smaller faces cost most of the time.
	minSide := int(float64(w) * d.o.MinFaceRatio / 2)
	if minSide < 24 {
		minSide = 24
	}
	found := d.face.DetectMultiScaleWithParams(d.small, 1.2, 3, 0, image.Pt(minSide, minSide), image.Pt(0, 0))
	out := make([]image.Rectangle, 0, len(found))
	for _, r := range found {
		out = append(out, image.Rect(int(float64(r.Min.X)*scale), int(float64(r.Min.Y)*scale), int(float64(r.Max.X)*scale), int(float64(r.Max.Y)*scale)).Intersect(image.Rect(0, 0, frame.Cols(), frame.Rows())))
	}
	return out
}

// normWidth is the width the face is scaled to before measuring sharpness,
// exposure and eyes, so the figures do not depend on the face's size.
const normWidth = 160

func (d *Detector) measureFace(face image.Rectangle, q *Quality) {
	roi := d.gray.Region(face)
	h := normWidth * face.Dy() / max(face.Dx(), 1)
	gocv.Resize(roi, &d.norm, image.Pt(normWidth, max(h, 1)), 0, 0, gocv.InterpolationArea)
	roi.Close()

	// Sharpness: variance of the Laplacian over the face.
	gocv.Laplacian(d.norm, &d.lap, gocv.MatTypeCV64F, 3, 1, 0, gocv.BorderDefault)
	gocv.MeanStdDev(d.lap, &d.mean, &d.std)
	sd := d.std.GetDoubleAt(0, 0)
	q.Sharpness = sd * sd

	// Exposure: the central part of the face (cheeks, nose, eyes), where
	// hair and background do not count.
	inner := image.Rect(normWidth/5, h/5, normWidth*4/5, h*4/5)
	if !inner.Empty() {
		in := d.norm.Region(inner)
		gocv.MeanStdDev(in, &d.mean, &d.std)
		in.Close()
		q.Brightness = d.mean.GetDoubleAt(0, 0)
		q.Contrast = d.std.GetDoubleAt(0, 0)
	}

	if !d.hasEyes {
		q.Frontal = true
		return
	}
	// Eyes: in the upper part of the face, one each side of the middle,
	// roughly level.
	top := image.Rect(0, h/6, normWidth, h*3/5)
	up := d.norm.Region(top)
	eyes := d.eyes.DetectMultiScaleWithParams(up, 1.1, 3, 0, image.Pt(normWidth/8, normWidth/8), image.Pt(normWidth/3, normWidth/3))
	up.Close()
	k := float64(face.Dx()) / normWidth
	var left, right *image.Point
	for _, e := range eyes {
		c := e.Min.Add(e.Max).Div(2).Add(top.Min)
		p := image.Pt(face.Min.X+int(float64(c.X)*k), face.Min.Y+int(float64(c.Y)*k))
		q.Eyes = append(q.Eyes, p)
		if c.X < normWidth/2 && left == nil {
			left = &q.Eyes[len(q.Eyes)-1]
		} else if c.X >= normWidth/2 && right == nil {
			right = &q.Eyes[len(q.Eyes)-1]
		}
	}
	if left != nil && right != nil {
		dy := math.Abs(float64(left.Y - right.Y))
		q.Frontal = dy < 0.15*float64(face.Dx())
	}
}

func (d *Detector) verdict(q Quality) Code {
	o := d.o
	switch {
	case q.Faces > 1:
		return MultipleFaces
	case q.FaceRatio < o.MinFaceRatio:
		return MoveCloser
	case q.FaceRatio > o.MaxFaceRatio:
		return MoveBack
	case q.Offset > o.MaxOffset:
		return CenterFace
	case q.Brightness < o.MinBrightness || q.Contrast < o.MinContrast:
		return MoreLight
	case q.Brightness > o.MaxBrightness:
		return LessLight
	case q.Sharpness < o.MinSharpness:
		return HoldStill
	case !q.Frontal:
		return LookAtCamera
	}
	return OK
}

// score rates a frame 0-1: sharpness counts most, then size, centring and
// exposure, then whether the eyes were found.
func (d *Detector) score(q Quality) float64 {
	o := d.o
	clamp := func(x float64) float64 { return math.Max(0, math.Min(1, x)) }
	sharp := clamp(q.Sharpness / (3 * o.MinSharpness))
	ideal := (o.MinFaceRatio + o.MaxFaceRatio) / 2
	size := clamp(1 - math.Abs(q.FaceRatio-ideal)/ideal)
	centre := clamp(1 - q.Offset/0.5)
	expo := clamp(1 - math.Abs(q.Brightness-128)/128)
	front := 0.0
	if q.Frontal {
		front = 1
	}
	s := 0.35*sharp + 0.2*size + 0.15*centre + 0.15*expo + 0.15*front
	if q.Faces > 1 {
		s /= 2
	}
	return math.Round(s*1000) / 1000
}

// Figures returns the measured figures by name, for events and telemetry
// (the agent's FaceResult.Quality).
func (q Quality) Figures() map[string]float64 {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	return map[string]float64{
		"faces": float64(q.Faces), "faceRatio": q.FaceRatio, "offset": q.Offset,
		"sharpness": q.Sharpness, "brightness": q.Brightness, "contrast": q.Contrast,
		"eyes": float64(len(q.Eyes)), "frontal": b(q.Frontal), "score": q.Score,
	}
}
