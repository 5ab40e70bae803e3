// Package cvcam reads the camera's frames (camera.Frame, plain BGR bytes)
// into OpenCV Mats (gocv) and serves the technician's MJPEG preview. It
// does not import GStreamer: the frames come from whatever Source the
// camera runs on (gstcam's in the kiosk).
package cvcam

import (
	"context"
	"fmt"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
)

// Next waits for a frame of cam newer than number after and copies it
// into dst, reallocating dst only when the frame size changes; it returns
// the frame's number (see camera.Camera.Next). dst must be a Mat the caller
// owns and closes.
func Next(ctx context.Context, cam *camera.Camera, dst *gocv.Mat, after uint64) (uint64, error) {
	var err error
	s, nerr := cam.View(ctx, after, func(f camera.Frame) { err = ToMat(f, dst) })
	if nerr != nil {
		return s, nerr
	}
	return s, err
}

// ToMat copies f into dst as a CV_8UC3 Mat, reallocating dst only when the
// frame size changes.
func ToMat(f camera.Frame, dst *gocv.Mat) error {
	w, h := f.Width, f.Height
	if dst.Empty() || dst.Cols() != w || dst.Rows() != h || dst.Type() != gocv.MatTypeCV8UC3 {
		dst.Close()
		*dst = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	}
	data, err := dst.DataPtrUint8()
	if err != nil || len(data) < w*h*3 || len(f.Pix) < w*h*3 {
		return fmt.Errorf("frame buffer: %v", err)
	}
	copy(data, f.Pix[:w*h*3])
	return nil
}

// Reader is one consumer's view of the camera in Mats: each Next returns a
// frame newer than the one before. It is a face.FrameSource.
type Reader struct {
	cam *camera.Camera
	seq uint64
}

// NewReader returns a reader of cam that starts with the latest frame.
func NewReader(cam *camera.Camera) *Reader { return &Reader{cam: cam} }

// Next copies the next new frame into dst.
func (r *Reader) Next(ctx context.Context, dst *gocv.Mat) error {
	s, err := Next(ctx, r.cam, dst, r.seq)
	r.seq = s
	return err
}
