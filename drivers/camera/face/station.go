package face

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Station is the face step of a kiosk session as one call: a guided
// capture from the camera, then 1:1 verification against the reference
// when there is one. facecam runs it on the kiosk's camera; it owns
// nothing and closes nothing.
type Station struct {
	Detector   *Detector
	Comparator Comparator // Unsupported when no model is configured
	// Source returns a fresh reader of the camera for each capture.
	Source func() FrameSource
	// Health, when not nil, reports the camera's current fault ("" when it
	// works), so a failed capture says whether the device was at fault.
	Health  func() string
	Options CaptureOptions
	Logger  *slog.Logger
}

// Outcome is what one face step produced.
type Outcome struct {
	Captured    bool
	Reason      Code   // when not captured: what the best frame lacked
	JPEG        []byte // the best frame (also when not captured, if there was one)
	Quality     Quality
	Frames      int
	Elapsed     time.Duration
	Verify      Comparison // always set: not_supported without a model, undetermined without a reference
	DeviceFault string     // the camera's fault during the capture, if any
}

// Run captures, calling guide with each new guidance code, and verifies.
func (s *Station) Run(ctx context.Context, reference []byte, guide func(Code)) Outcome {
	o := s.Options
	last := Code("")
	user := o.OnFrame
	o.OnFrame = func(q Quality) {
		if user != nil {
			user(q)
		}
		if guide != nil && q.Code != last {
			last = q.Code
			guide(q.Code)
		}
	}
	var out Outcome
	c, err := s.Detector.Capture(ctx, s.Source(), o)
	var ce *CaptureError
	switch {
	case err == nil:
		out = Outcome{Captured: true, JPEG: c.JPEG, Quality: c.Quality, Frames: c.Frames, Elapsed: c.Elapsed}
	case errors.As(err, &ce):
		out = Outcome{Reason: ce.Reason, JPEG: ce.JPEG, Quality: ce.Quality, Frames: ce.Frames, Elapsed: ce.Elapsed}
	default:
		out = Outcome{Reason: CameraUnavailable}
		out.Verify = Comparison{Name: CheckName, Result: Aborted, Detail: err.Error()}
		return out
	}
	if s.Health != nil {
		out.DeviceFault = s.Health()
	}
	if s.Logger != nil {
		// Figures only: never the image.
		s.Logger.Info("face capture", "captured", out.Captured, "reason", string(out.Reason), "frames", out.Frames,
			"elapsed", out.Elapsed.Round(time.Millisecond), "sharpness", int(out.Quality.Sharpness), "faceRatio", fmt.Sprintf("%.2f", out.Quality.FaceRatio))
	}
	cmp := s.Comparator
	if cmp == nil {
		cmp = Unsupported{Reason: NoModel}
	}
	switch {
	case !cmp.Status().Supported:
		out.Verify = cmp.Compare(ctx, nil, Reference{})
	case !out.Captured:
		out.Verify = Comparison{Name: CheckName, Result: Undetermined, Detail: "no face captured"}
	case len(reference) == 0:
		out.Verify = Comparison{Name: CheckName, Result: Undetermined, Detail: "no reference image"}
	default:
		out.Verify = cmp.Compare(ctx, out.JPEG, Reference{Image: reference})
	}
	return out
}

// Describe says plainly what the face step can do, for the technician
// console and selftest.
func (s *Station) Describe() (capture, verification string) {
	fc, ec := s.Detector.Cascades()
	o := s.Detector.Options()
	capture = fmt.Sprintf("face capture: cascades %s", fc)
	if ec != "" {
		capture += " + " + ec
	}
	capture += fmt.Sprintf("; face %.0f-%.0f%% of the frame width, sharpness >= %.0f", o.MinFaceRatio*100, o.MaxFaceRatio*100, o.MinSharpness)
	cmp := s.Comparator
	if cmp == nil {
		cmp = Unsupported{Reason: NoModel}
	}
	return capture, cmp.Status().String()
}
