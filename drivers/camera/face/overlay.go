package face

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"
)

var (
	green  = color.RGBA{0, 200, 0, 0}
	orange = color.RGBA{255, 140, 0, 0}
	white  = color.RGBA{255, 255, 255, 0}
)

// DrawOverlay draws q on img: the face box (green when every rule passed),
// the eyes found, and the guidance in English, for the technician preview.
func DrawOverlay(img *gocv.Mat, q Quality) {
	c := orange
	if q.OK {
		c = green
	}
	if !q.Face.Empty() {
		gocv.Rectangle(img, q.Face, c, 2)
	}
	for _, e := range q.Eyes {
		gocv.Circle(img, e, 6, c, 2)
	}
	gocv.PutText(img, q.Code.Message("en"), image.Pt(10, 24), gocv.FontHersheySimplex, 0.7, c, 2)
	// The figures on a dark strip, readable over any background.
	gocv.Rectangle(img, image.Rect(0, img.Rows()-26, img.Cols(), img.Rows()), color.RGBA{0, 0, 0, 0}, -1)
	gocv.PutText(img, fmtFigures(q), image.Pt(10, img.Rows()-9), gocv.FontHersheySimplex, 0.45, white, 1)
}

func fmtFigures(q Quality) string {
	return fmt.Sprintf("faces %d  size %.0f%%  off %.0f%%  sharp %.0f  light %.0f/%.0f",
		q.Faces, q.FaceRatio*100, q.Offset*100, q.Sharpness, q.Brightness, q.Contrast)
}

// Overlay analyses img and draws the result on it: the hook the camera's
// preview takes.
func (d *Detector) Overlay(img *gocv.Mat) {
	DrawOverlay(img, d.Analyze(*img))
}
