package camera

import (
	"errors"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Frame is one camera image in plain bytes: BGR, three bytes a pixel, rows
// packed one after the other (Width*3 bytes a row), as OpenCV's CV_8UC3
// Mats hold it. Package cvcam turns frames into Mats.
type Frame struct {
	Width, Height int
	Pix           []byte
}

// Empty reports whether f holds no image.
func (f *Frame) Empty() bool { return f.Width <= 0 || f.Height <= 0 || len(f.Pix) < f.Width*f.Height*3 }

// Resize makes f a w by h frame, reusing its buffer when it is big enough;
// the pixels are not cleared.
func (f *Frame) Resize(w, h int) {
	n := w * h * 3
	if cap(f.Pix) < n {
		f.Pix = make([]byte, n)
	}
	f.Pix = f.Pix[:n]
	f.Width, f.Height = w, h
}

// CopyFrom makes f a copy of src, reusing f's buffer.
func (f *Frame) CopyFrom(src Frame) {
	f.Resize(src.Width, src.Height)
	copy(f.Pix, src.Pix)
}

// A Source starts the pipelines the camera reads (package gstcam's is
// GStreamer). The camera asks for a new pipeline after each failure.
type Source interface {
	// Start builds launch and sets it playing, waiting up to timeout for
	// the state change. Errors are *drivers.Error; nothing is left running
	// on error.
	Start(launch string, timeout time.Duration) (Stream, error)
}

// A Stream is one started pipeline.
type Stream interface {
	// Pull waits up to timeout for the next frame and copies it into dst
	// (Frame.Resize reuses its buffer). It returns ErrNoSample when no
	// frame came in time and ErrEOS at the end of the stream; any other
	// error is a frame the camera cannot use.
	Pull(timeout time.Duration, dst *Frame) error
	// BusError returns the pipeline's first pending error (or end of
	// stream) as a device error, or nil when there is none.
	BusError() *drivers.Error
	// Stop tears the pipeline down and releases the device.
	Stop()
}

// Errors of Stream.Pull.
var (
	ErrNoSample = errors.New("no sample in time")
	ErrEOS      = errors.New("end of stream")
)
