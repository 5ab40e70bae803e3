package face

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/imgcodec"
)

// FrameSource gives frames one after another: each call waits for a frame
// newer than the last and copies it into dst (a Mat the caller owns).
// cvcam.Reader implements it.
type FrameSource interface {
	Next(ctx context.Context, dst *gocv.Mat) error
}

// FailedReason is the reason code the decision policy uses when no face of
// sufficient quality was captured in time.
const FailedReason = "FACE_CAPTURE_FAILED"

// MaxWindow is the longest capture window allowed (BSI TR-03121-3).
const MaxWindow = 10 * time.Second

// CaptureOptions configure one guided capture.
type CaptureOptions struct {
	// Window is how long the capture may take ([face] captureWindow; 10 s
	// by default, and never more than MaxWindow).
	Window time.Duration
	// Stable is how many frames in a row must pass every rule before the
	// capture stops early with the best of them (3).
	Stable int
	// JPEGQuality of the result (90).
	JPEGQuality int
	// OnFrame, when not nil, is called with each analysed frame's quality
	// from the capture's goroutine: the traveler screen shows
	// q.Code.Message(lang). It must not block.
	OnFrame func(q Quality)
}

// Capture is a successful capture: the best frame and its figures.
type Capture struct {
	JPEG    []byte        `json:"-"`       // the best frame, whole, as JPEG
	Quality Quality       `json:"quality"` // its figures
	Frames  int           `json:"frames"`  // frames analysed
	Elapsed time.Duration `json:"elapsedNs"`
}

// CaptureError is a capture that found no good frame in its window. Reason
// is what the best frame lacked (camera_unavailable when no frame came).
// JPEG holds the best frame when there was one, for an officer to look at.
type CaptureError struct {
	Reason  Code
	Quality Quality
	Frames  int
	Elapsed time.Duration
	JPEG    []byte
}

func (e *CaptureError) Error() string {
	return fmt.Sprintf("%s: %s after %d frames in %s", FailedReason, e.Reason, e.Frames, e.Elapsed.Round(time.Millisecond))
}

// Capture runs the guided capture loop: it analyses frames from src for at
// most the window, keeps the best, and stops early once o.Stable frames in
// a row pass every rule. It returns the best frame as JPEG, or a
// *CaptureError (FACE_CAPTURE_FAILED) with the reason when none passed. A
// cancelled ctx returns ctx's error (the traveler left: aborted).
func (d *Detector) Capture(ctx context.Context, src FrameSource, o CaptureOptions) (*Capture, error) {
	if o.Window <= 0 || o.Window > MaxWindow {
		o.Window = MaxWindow
	}
	if o.Stable <= 0 {
		o.Stable = 3
	}
	if o.JPEGQuality <= 0 || o.JPEGQuality > 100 {
		o.JPEGQuality = 90
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, o.Window)
	defer cancel()

	frame := gocv.NewMat()
	defer frame.Close()
	best := gocv.NewMat()
	defer best.Close()
	var bestQ Quality
	have := false
	frames, stable := 0, 0
	for {
		err := src.Next(wctx, &frame)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			// The camera failed or closed: whatever we have decides.
			break
		}
		frames++
		q := d.Analyze(frame)
		if o.OnFrame != nil {
			o.OnFrame(q)
		}
		if !have || q.Better(bestQ) {
			frame.CopyTo(&best)
			bestQ, have = q, true
		}
		if q.OK {
			stable++
			if stable >= o.Stable {
				break
			}
		} else {
			stable = 0
		}
	}
	elapsed := time.Since(start)
	if !have {
		return nil, &CaptureError{Reason: CameraUnavailable, Quality: Quality{Code: CameraUnavailable}, Elapsed: elapsed}
	}
	jpg, err := encodeJPEG(best, o.JPEGQuality)
	if err != nil {
		return nil, err
	}
	if !bestQ.OK {
		return nil, &CaptureError{Reason: bestQ.Code, Quality: bestQ, Frames: frames, Elapsed: elapsed, JPEG: jpg}
	}
	return &Capture{JPEG: jpg, Quality: bestQ, Frames: frames, Elapsed: elapsed}, nil
}

// encodeJPEG uses Go's encoder, not OpenCV's: see package imgcodec.
func encodeJPEG(m gocv.Mat, quality int) ([]byte, error) { return imgcodec.EncodeJPEG(m, quality) }

// EncodeJPEG encodes a frame as JPEG.
func EncodeJPEG(m gocv.Mat, quality int) ([]byte, error) { return encodeJPEG(m, quality) }
