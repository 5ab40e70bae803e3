// Package facecam is the kiosk's camera station: one camera's frames
// through the face pipeline (package face) for a traveler's guided capture
// and 1:1 verification, the technician's live preview and snapshot, and
// what the self-test says of the camera.
//
// It reads the camera's frames as OpenCV Mats through cvcam and never
// reaches GStreamer: the caller opens the camera (Options.Open; the binary
// passes gstcam.Open), and the two sides meet in camera.Camera's plain BGR
// frames. It knows nothing of the agent either: the caller maps its
// face.Outcome into the kiosk's result.
package facecam

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/cvcam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
)

// Options say which camera and which face pipeline a Device runs.
type Options struct {
	// Camera is the camera's configuration, as given to Open.
	Camera camera.Config
	// Open opens the camera: the frame source (gstcam.Open in the binary).
	Open func(camera.Config) (*camera.Camera, error)
	// Detector configures face detection and the quality rules.
	Detector face.Options
	// Model configures verification ([face] modelFile and threshold); its
	// Detector and Logger are the Device's.
	Model face.ModelOptions
	// Window bounds one guided capture ([face] captureWindow).
	Window time.Duration
	Logger *slog.Logger
}

// Device is the camera and its face pipeline as the kiosk uses them.
type Device struct {
	o       Options
	cam     *camera.Camera
	det     *face.Detector
	cmp     face.Comparator
	station *face.Station
	preview *cvcam.Preview
}

// Open builds the face detector, opens the camera and loads the face
// model. A detector or camera that cannot be set up is an error (a
// *drivers.Error for the camera), logged: the kiosk then runs without the
// face step. A model that does not load is no error: verification is then
// not_supported, with the reason (Misconfigured says it).
func Open(o Options) (*Device, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Camera.Source == camera.SourceTest {
		log.Warn("camera: the source is GStreamer's test pattern, which shows no face: every traveler is referred FACE_CAPTURE_FAILED")
	}
	det, err := face.NewDetector(o.Detector)
	if err != nil {
		log.Error("face detector not available; running without the face step", "err", err)
		return nil, err
	}
	cam, err := o.Open(o.Camera)
	if err != nil {
		det.Close()
		log.Error("camera not available; running without the face step", "err", err)
		return nil, err
	}
	o.Model.Detector, o.Model.Logger = det, log
	cmp, err := face.NewComparator(o.Model)
	if err != nil {
		// The comparator is then Unsupported, with the reason: verification
		// reports not_supported and the console says why.
		log.Error("face model not loaded; verification is not_supported", "err", err)
	}
	d := &Device{o: o, cam: cam, det: det, cmp: cmp}
	d.station = &face.Station{Detector: det, Comparator: cmp, Logger: log,
		Source: func() face.FrameSource { return cvcam.NewReader(cam) },
		Health: func() string {
			if h := cam.Health(); h != nil {
				return string(h.Code())
			}
			return ""
		},
		Options: face.CaptureOptions{Window: o.Window}}
	d.preview = cvcam.NewPreview(cam, cvcam.PreviewOptions{Overlay: det.Overlay})
	return d, nil
}

// Run is one guided capture and the 1:1 verification against reference
// (none: undetermined), calling guide with each new guidance code.
func (d *Device) Run(ctx context.Context, reference []byte, guide func(face.Code)) face.Outcome {
	return d.station.Run(ctx, reference, guide)
}

// Describe says plainly what capture and verification can do, as the
// kiosk's technician page wants it: what capture checks, and verification
// as "ok: …" or "not_supported: why" (kiosk.FaceCapturer). The self-test
// gives the station's own sentences.
func (d *Device) Describe() (capture, verification string) {
	capture, _ = d.station.Describe()
	return capture, VerificationState(d.Verification())
}

// Verification is the comparator's status.
func (d *Device) Verification() face.Status {
	if d.cmp == nil {
		return face.Unsupported{Reason: face.NoModel}.Status()
	}
	return d.cmp.Status()
}

// VerificationState is a comparator's status as "state: why".
func VerificationState(st face.Status) string {
	if !st.Supported {
		return "not_supported: " + st.Detail
	}
	return fmt.Sprintf("ok: %s (threshold %.3f)", st.Model, st.Threshold)
}

// Misconfigured says why verification the configuration asks for cannot
// run: a face model is configured but did not load. Empty otherwise.
func (d *Device) Misconfigured() string {
	if d.o.Model.ModelFile != "" && !d.Verification().Supported {
		return "face model: " + d.Verification().Detail
	}
	return ""
}

// Comparator is the face comparator (Unsupported without a model).
func (d *Device) Comparator() face.Comparator { return d.cmp }

// Device is the camera as a drivers.Device (its faults and recoveries).
func (d *Device) Device() drivers.Device { return d.cam }

// Preview is the live MJPEG preview with the detector's overlay.
func (d *Device) Preview() http.Handler { return d.preview }

// Snapshot is the camera's current frame as JPEG, with the detector's
// overlay and its quality figures (another reader of the frames: a capture
// in progress is not disturbed).
func (d *Device) Snapshot(ctx context.Context) ([]byte, face.Quality, error) {
	var q face.Quality
	jpg, err := d.preview.Snapshot(ctx, d.det.AnalyzeInto(&q))
	return jpg, q, err
}

// DetectorOptions are the quality rules' bounds, as the detector applies
// them.
func (d *Device) DetectorOptions() face.Options { return d.det.Options() }

func (d *Device) Close() error {
	err := d.cam.Close()
	d.cmp.Close()
	d.det.Close()
	return err
}
