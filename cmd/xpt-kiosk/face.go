package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/facecam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// openFace opens the camera station the configuration enables, its frames
// from GStreamer (gstcam). A camera that cannot be set up is reported on
// the technician console, and the kiosk runs without the face step (the
// decision policy then decides: requireFace).
func openFace(cfg *config.Config, log *slog.Logger) (*facecam.Device, deviceDesc) {
	c := cfg.Devices.Camera
	desc := deviceDesc{name: "camera", kind: c.Source, path: c.Device}
	if c.Source == "file" && len(c.Files) > 0 {
		desc.path = c.Files[0]
	}
	if !c.On() {
		desc.state = "disabled"
		return nil, desc
	}
	cc := c.Config
	cc.Name, cc.Logger = "camera", log
	f, err := facecam.Open(facecam.Options{
		Camera:   cc,
		Open:     gstcam.Open,
		Detector: face.Options{CascadeDir: cfg.Face.CascadeDir},
		Model:    face.ModelOptions{ModelFile: cfg.Face.ModelFile, Threshold: cfg.Face.Threshold, LandmarkFile: cfg.Face.LandmarkFile()},
		Window:   cfg.Face.CaptureWindow.Duration, Logger: log})
	if err != nil {
		desc.state, desc.code, desc.message = "fault", string(drivers.CodeOf(err)), err.Error()
		return nil, desc
	}
	desc.state = "ok"
	return f, desc
}

// faceMisconfigured says why a face check the configuration asks for cannot
// run: the camera is enabled but could not be set up, or a face model is
// configured but did not load. Empty when it can run, or was not asked for.
func faceMisconfigured(cfg *config.Config, f *facecam.Device, desc deviceDesc) string {
	switch {
	case !cfg.Devices.Camera.On():
		return ""
	case f == nil:
		return "camera: " + desc.message
	}
	return f.Misconfigured()
}

// faceStep is the camera station as the kiosk's face step
// (kiosk.FaceCapturer; its Describe is the station's).
type faceStep struct{ *facecam.Device }

// Capture runs one guided capture and the 1:1 verification.
func (f faceStep) Capture(ctx context.Context, reference []byte, guide func(code string)) kiosk.FaceResult {
	out := f.Run(ctx, reference, func(c face.Code) { guide(string(c)) })
	res := kiosk.FaceResult{Captured: out.Captured, Reason: string(out.Reason), JPEG: out.JPEG,
		Quality: out.Quality.Figures(), DeviceFault: out.DeviceFault,
		Verify: wire.Check{Name: out.Verify.Name, Result: string(out.Verify.Result), Score: out.Verify.Score,
			Threshold: out.Verify.Threshold, Detail: out.Verify.Detail}}
	if res.Verify.Name == "" {
		res.Verify.Name = face.CheckName
	}
	return res
}

func faceOrNil(f *facecam.Device) kiosk.FaceCapturer {
	if f == nil {
		return nil
	}
	return faceStep{f}
}

func previewOf(f *facecam.Device) http.Handler {
	if f == nil {
		return nil
	}
	return f.Preview()
}

// selftestFace says what the camera and face verification can do, and
// whether the camera sees a face now.
func selftestFace(cfg *config.Config) []checkResult {
	if !cfg.Devices.Camera.On() {
		return []checkResult{{Name: "camera", Status: "ok", Detail: "disabled"}}
	}
	f, desc := openFace(cfg, slog.New(slog.DiscardHandler))
	if f == nil {
		return []checkResult{{Name: "camera", Status: "fail", Detail: desc.message}}
	}
	defer f.Close()
	return faceChecks(f, desc)
}

// faceChecks are the camera station's self-test checks: the command
// line's on a camera it opened, the running agent's on the camera it runs.
func faceChecks(f *facecam.Device, desc deviceDesc) []checkResult {
	var out []checkResult
	for _, c := range f.SelfTest(strings.TrimSpace(desc.kind + " " + desc.path)) {
		out = append(out, checkResult(c))
	}
	return out
}
