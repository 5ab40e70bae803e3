package main

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/cvcam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// faceDevice is the camera and its face pipeline as the kiosk uses them.
type faceDevice struct {
	cam     *camera.Camera
	det     *face.Detector
	cmp     face.Comparator
	station *face.Station
	preview http.Handler
}

// openFace opens the camera the configuration enables. A camera that cannot
// be set up is reported on the technician console, and the kiosk runs
// without the face step (the decision policy then decides: requireFace).
func openFace(cfg *config.Config, log *slog.Logger) (*faceDevice, deviceDesc) {
	c := cfg.Devices.Camera
	desc := deviceDesc{name: "camera", kind: c.Source, path: c.Device}
	if c.Source == "file" && len(c.Files) > 0 {
		desc.path = c.Files[0]
	}
	if !c.On() {
		desc.state = "disabled"
		return nil, desc
	}
	if c.Source == "test" {
		log.Warn("camera: the source is GStreamer's test pattern, which shows no face: every traveler is referred FACE_CAPTURE_FAILED")
	}
	det, err := face.NewDetector(face.Options{CascadeDir: cfg.Face.CascadeDir})
	if err != nil {
		desc.state, desc.code, desc.message = "fault", string(drivers.CodeOf(err)), err.Error()
		log.Error("face detector not available; running without the face step", "err", err)
		return nil, desc
	}
	cam, err := gstcam.Open(camera.Config{Name: "camera", Source: c.Source, Device: c.Device, Width: c.Width, Height: c.Height,
		FPS: c.FPS, Files: c.Files, Pipeline: c.Pipeline, Logger: log})
	if err != nil {
		det.Close()
		desc.state, desc.code, desc.message = "fault", string(drivers.CodeOf(err)), err.Error()
		log.Error("camera not available; running without the face step", "err", err)
		return nil, desc
	}
	cmp, err := face.NewComparator(face.ModelOptions{ModelFile: cfg.Face.ModelFile, Threshold: cfg.Face.Threshold, Detector: det, Logger: log})
	if err != nil {
		// The comparator is then Unsupported, with the reason: verification
		// reports not_supported and the console says why.
		log.Error("face model not loaded; verification is not_supported", "err", err)
	}
	f := &faceDevice{cam: cam, det: det, cmp: cmp}
	f.station = &face.Station{Detector: det, Comparator: cmp, Logger: log,
		Source: func() face.FrameSource { return cvcam.NewReader(cam) },
		Health: func() string {
			if h := cam.Health(); h != nil {
				return string(h.Code())
			}
			return ""
		},
		Options: face.CaptureOptions{Window: cfg.Face.CaptureWindow.Duration}}
	f.preview = cvcam.NewPreview(cam, cvcam.PreviewOptions{Overlay: det.Overlay})
	desc.state = "ok"
	return f, desc
}

// faceMisconfigured says why a face check the configuration asks for cannot
// run: the camera is enabled but could not be set up, or a face model is
// configured but did not load. Empty when it can run, or was not asked for.
func faceMisconfigured(cfg *config.Config, f *faceDevice, desc deviceDesc) string {
	switch {
	case !cfg.Devices.Camera.On():
		return ""
	case f == nil:
		return "camera: " + desc.message
	case cfg.Face.ModelFile != "" && !f.cmp.Status().Supported:
		return "face model: " + f.cmp.Status().Detail
	}
	return ""
}

// Capture runs one guided capture and the 1:1 verification.
func (f *faceDevice) Capture(ctx context.Context, reference []byte, guide func(code string)) kiosk.FaceResult {
	out := f.station.Run(ctx, reference, func(c face.Code) { guide(string(c)) })
	res := kiosk.FaceResult{Captured: out.Captured, Reason: string(out.Reason), JPEG: out.JPEG,
		Quality: out.Quality.Figures(), DeviceFault: out.DeviceFault,
		Verify: wire.Check{Name: out.Verify.Name, Result: string(out.Verify.Result), Score: out.Verify.Score,
			Threshold: out.Verify.Threshold, Detail: out.Verify.Detail}}
	if res.Verify.Name == "" {
		res.Verify.Name = face.CheckName
	}
	return res
}

// Describe says plainly what capture and verification can do, as the
// kiosk's technician page wants it: what capture checks, and verification
// as "ok: …" or "not_supported: why" (kiosk.FaceCapturer). Selftest prints
// the station's own sentences.
func (f *faceDevice) Describe() (string, string) {
	capture, _ := f.station.Describe()
	var st face.Status
	if f.cmp != nil {
		st = f.cmp.Status()
	} else {
		st = face.Unsupported{Reason: face.NoModel}.Status()
	}
	return capture, verificationState(st)
}

// verificationState is a comparator's status as "state: why".
func verificationState(st face.Status) string {
	if !st.Supported {
		return "not_supported: " + st.Detail
	}
	return fmt.Sprintf("ok: %s (threshold %.3f)", st.Model, st.Threshold)
}

// Device is the camera as a drivers.Device (its faults and recoveries).
func (f *faceDevice) Device() drivers.Device { return f.cam }

func (f *faceDevice) Preview() http.Handler { return f.preview }

func (f *faceDevice) Close() error {
	err := f.cam.Close()
	f.cmp.Close()
	f.det.Close()
	return err
}

func faceOrNil(f *faceDevice) kiosk.FaceCapturer {
	if f == nil {
		return nil
	}
	return f
}

func previewOf(f *faceDevice) http.Handler {
	if f == nil {
		return nil
	}
	return f.preview
}

//go:embed demodata/face.png
var demoFace []byte

// demoCameraTOML is the demo's camera: a file source playing a face.
func demoCameraTOML(dir string) (string, error) {
	path := filepath.Join(dir, "face.png")
	if err := os.WriteFile(path, demoFace, 0o600); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	t := fmt.Sprintf("[devices.camera]\nsource = \"file\"\nfiles = [%q]\n", abs)
	if m := demoFaceModel(); m != "" {
		t += fmt.Sprintf("\n[face]\nmodelFile = %q\n", m)
	}
	return t, nil
}

// demoFaceModel is the face model make deps converts (docs/camera.md),
// when it is installed: $XPT_FACE_MODEL, else var/models/ under the
// working directory. Without it the demo's verification is not_supported.
func demoFaceModel() string {
	p := os.Getenv("XPT_FACE_MODEL")
	if p == "" {
		p = filepath.Join("var", "models", "face_recognition_dlib.onnx")
	}
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	return abs
}

// selftestLookWindow is how long selftest watches the camera for a face.
const selftestLookWindow = 3 * time.Second

// lookForFace reads the camera's frames for up to window and counts those
// with a face, stopping early after a few.
func (f *faceDevice) lookForFace(window time.Duration) (frames, withFace int) {
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	return f.det.CountFaces(ctx, cvcam.NewReader(f.cam), 3)
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
	return f.selftest(cfg, desc)
}

// selftest watches the camera for a face and says what verification can
// do: the command line's self-test on a camera it opened, the running
// agent's on the camera it runs.
func (f *faceDevice) selftest(cfg *config.Config, desc deviceDesc) []checkResult {
	capture, verify := f.station.Describe()
	where := strings.TrimSpace(desc.kind + " " + desc.path)
	look := selftestLookWindow
	frames, faces := f.lookForFace(look)
	var out []checkResult
	switch {
	case frames == 0:
		detail := fmt.Sprintf("%s: no frame in %s", where, look)
		if h := f.cam.Health(); h != nil {
			detail += ": " + h.Error()
		}
		out = append(out, checkResult{Name: "camera", Status: "fail",
			Detail: detail + " (is it plugged in? xpt-kiosk devices camera --snapshot FILE shows what it sees)"})
	case faces == 0:
		why := "is it pointed at where the traveler stands, and is someone there?"
		if cfg.Devices.Camera.Source == "test" {
			why = "the test source is a pattern with no face: configure the real camera"
		}
		out = append(out, checkResult{Name: "camera", Status: "warn", Detail: fmt.Sprintf(
			"%s: %d frames in %s, none with a face: travelers it cannot see are referred FACE_CAPTURE_FAILED (%s)", where, frames, look, why)})
	default:
		out = append(out, checkResult{Name: "camera", Status: "ok", Detail: fmt.Sprintf("%s: %s; a face in %d of %d frames", where, capture, faces, frames)})
	}
	status := "ok"
	if !f.cmp.Status().Supported {
		status = "warn"
	}
	return append(out, checkResult{Name: "face.verify", Status: status, Detail: verify})
}
