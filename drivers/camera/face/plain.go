package face

import (
	"context"
	"fmt"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/imgcodec"
)

// The functions here do in the face package what its callers (facecam,
// cmd) would otherwise do with gocv themselves: they pass and get plain Go
// types and never import OpenCV.

// CountFaces reads src's frames until ctx is done or enough of them showed
// a face, and says how many it read and how many had a face (the
// self-test's look at the camera).
func (d *Detector) CountFaces(ctx context.Context, src FrameSource, enough int) (frames, withFace int) {
	m := gocv.NewMat()
	defer m.Close()
	for withFace < enough {
		if err := src.Next(ctx, &m); err != nil {
			return frames, withFace
		}
		frames++
		if d.Analyze(m).Faces > 0 {
			withFace++
		}
	}
	return frames, withFace
}

// AnalyzeInto returns a function that analyses a frame into *q, for
// cvcam.Preview.Snapshot's look: the technician console's camera capture
// measures the frame it shows.
func (d *Detector) AnalyzeInto(q *Quality) func(frame gocv.Mat) {
	return func(frame gocv.Mat) { *q = d.Analyze(frame) }
}

// ImageToJPEG decodes an image with OpenCV, which also reads JPEG 2000
// (JP2 files and codestreams, through OpenJPEG), and encodes it with Go's
// JPEG encoder at quality 1-100 (the binary's OpenCV must not encode JPEG:
// see package imgcodec). The chip's DG2 photo goes through it.
func ImageToJPEG(data []byte, quality int) ([]byte, error) {
	m, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil || m.Empty() {
		if err == nil {
			m.Close()
		}
		return nil, fmt.Errorf("the image does not decode (%v)", err)
	}
	defer m.Close()
	return imgcodec.EncodeJPEG(m, quality)
}
