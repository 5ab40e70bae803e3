package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/cvcam"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
)

const devCameraUsage = `Usage: xpt-kiosk devices camera [--snapshot FILE] [--source SPEC] [--config FILE] [--preview ADDR]

Opens the camera as the kiosk does, runs the face quality rules on its
frames for up to --window, and prints the figures of the best frame:
faces found, face size and centring, sharpness, exposure, eyes, and the
guidance a traveler would see. With --snapshot, writes that frame as JPEG.
With --preview, also serves the live MJPEG preview with the detection
overlay at http://ADDR/ until Ctrl-C (open it in a browser).

Sources (--source, overriding [devices.camera] of --config):
  test                  GStreamer's test pattern (test:ball for another pattern)
  file:PATH[,PATH...]   images (.jpg, .png) or videos played in a loop
  v4l2:/dev/video0      a USB camera, by path or by (part of) its name
  pipeline:LAUNCH       a GStreamer launch string (ending before the conversion,
                        or in its own appsink name=xptsink fed with BGR)

Exit status: 0 when a frame was taken, 1 when the camera gave none, 2 for bad flags.

Flags:
`

// runDevicesCamera is 'xpt-kiosk devices camera'.
func runDevicesCamera(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices camera", devCameraUsage, stderr)
	snapshot := fs.String("snapshot", "", "write the best frame to this JPEG `file`")
	source := fs.String("source", "", "camera source `spec` (see above; default test, or the configuration's)")
	cfgPath := fs.String("config", "", "kiosk configuration `file` for [devices.camera] and [face]")
	window := fs.Duration("window", 3*time.Second, "how long to look for a good frame (at most 10s)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up when the camera gives no frame for this long")
	width := fs.Int("width", 0, "frame width (default 640, or the configuration's)")
	height := fs.Int("height", 0, "frame height (default 480, or the configuration's)")
	fps := fs.Int("fps", 0, "frames per second (default 15, or the configuration's)")
	cascades := fs.String("cascades", "", "cascade `dir` (default "+face.DefaultCascadeDir+", or [face] cascadeDir)")
	preview := fs.String("preview", "", "serve the MJPEG preview on this `host:port` until Ctrl-C")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	verbose := fs.Bool("v", false, "log the camera's pipeline and faults on stderr")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cc := camera.Config{Source: camera.SourceTest, Logger: log}
	fo := face.Options{}
	var model face.ModelOptions
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices camera: %v\n", err)
			return exitUsage
		}
		cc = c.Devices.Camera.Config
		cc.Logger = log
		fo.CascadeDir = c.Face.CascadeDir
		model = face.ModelOptions{ModelFile: c.Face.ModelFile, Threshold: c.Face.Threshold, LandmarkFile: c.Face.LandmarkFile()}
	}
	if *source != "" {
		if err := cc.ParseSourceSpec(*source); err != nil {
			return usageError(fs, "--source: %v", err)
		}
	}
	if *width > 0 {
		cc.Width = *width
	}
	if *height > 0 {
		cc.Height = *height
	}
	if *fps > 0 {
		cc.FPS = *fps
	}
	if *cascades != "" {
		fo.CascadeDir = *cascades
	}
	if *window <= 0 || *window > face.MaxWindow {
		return usageError(fs, "--window %v must be positive and at most %v", *window, face.MaxWindow)
	}

	det, err := face.NewDetector(fo)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices camera: %v\n", err)
		return exitFail
	}
	defer det.Close()
	model.Detector, model.Logger = det, log
	cmp, cmpErr := face.NewComparator(model)
	defer cmp.Close()

	cam, err := gstcam.Open(cc)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices camera: %v\n", err)
		return exitUsage
	}
	defer cam.Close()
	ctx, cancel := signalContext()
	defer cancel()

	// Wait for the first frame, or the camera's first fault.
	fctx, fcancel := context.WithTimeout(ctx, *timeout)
	_, err = cam.Next(fctx, nil, 0)
	fcancel()
	if err != nil {
		devCameraFault(stderr, cc, cam.Health(), *timeout)
		return exitFail
	}

	st := &face.Station{Detector: det, Comparator: cmp, Source: func() face.FrameSource { return cvcam.NewReader(cam) }}
	capDesc, verDesc := st.Describe()
	c, err := det.Capture(ctx, cvcam.NewReader(cam), face.CaptureOptions{Window: *window})
	var ce *face.CaptureError
	var q face.Quality
	var jpg []byte
	var frames int
	var elapsed time.Duration
	switch {
	case err == nil:
		q, jpg, frames, elapsed = c.Quality, c.JPEG, c.Frames, c.Elapsed
	case errors.As(err, &ce):
		q, jpg, frames, elapsed = ce.Quality, ce.JPEG, ce.Frames, ce.Elapsed
	default:
		fmt.Fprintf(stderr, "xpt-kiosk devices camera: %v\n", err)
		return exitFail
	}
	if len(jpg) == 0 {
		devCameraFault(stderr, cc, cam.Health(), *window)
		return exitFail
	}
	if *snapshot != "" {
		if err := os.WriteFile(*snapshot, jpg, 0o600); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices camera: --snapshot: %v\n", err)
			return exitFail
		}
	}
	if *asJSON {
		out := map[string]any{
			"source": cc.Source, "quality": q, "guidance": face.Guidance[q.Code], "frames": frames,
			"elapsedMs": elapsed.Milliseconds(), "capture": capDesc, "verification": cmp.Status(), "camera": cam.Stats(),
		}
		if *snapshot != "" {
			out["snapshot"] = *snapshot
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		verdict := "PASSES every rule"
		if !q.OK {
			verdict = "does not pass: " + string(q.Code)
		}
		fmt.Fprintf(stdout, "camera %s: %dx%d, best of %d frames in %v %s\n", cc.Source, q.Width, q.Height, frames, elapsed.Round(time.Millisecond), verdict)
		fmt.Fprintf(stdout, "  guidance    %s / %s\n", q.Code.Message("en"), q.Code.Message("fr"))
		fmt.Fprintf(stdout, "  faces       %d\n", q.Faces)
		if q.Faces > 0 {
			o := det.Options()
			fmt.Fprintf(stdout, "  face        %v, %.0f%% of the width (want %.0f-%.0f%%)\n", q.Face, q.FaceRatio*100, o.MinFaceRatio*100, o.MaxFaceRatio*100)
			fmt.Fprintf(stdout, "  centring    %.0f%% off centre (want at most %.0f%%)\n", q.Offset*100, o.MaxOffset*100)
			fmt.Fprintf(stdout, "  sharpness   %.0f (want at least %.0f)\n", q.Sharpness, o.MinSharpness)
			fmt.Fprintf(stdout, "  exposure    mean %.0f (want %.0f-%.0f), contrast %.0f (want at least %.0f)\n", q.Brightness, o.MinBrightness, o.MaxBrightness, q.Contrast, o.MinContrast)
			fmt.Fprintf(stdout, "  eyes        %d found, frontal %v\n", len(q.Eyes), q.Frontal)
			fmt.Fprintf(stdout, "  score       %.3f\n", q.Score)
		}
		if *snapshot != "" {
			fmt.Fprintf(stdout, "  snapshot    %s (%d bytes)\n", *snapshot, len(jpg))
		}
		fmt.Fprintf(stdout, "%s\n%s\n", capDesc, verDesc)
	}
	if cmpErr != nil {
		fmt.Fprintf(stderr, "warning: %v\n", cmpErr)
	}

	if *preview != "" {
		ln, err := net.Listen("tcp", *preview)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices camera: --preview: %v\n", err)
			return exitFail
		}
		srv := &http.Server{Handler: cvcam.NewPreview(cam, cvcam.PreviewOptions{Overlay: det.Overlay}), ReadHeaderTimeout: 5 * time.Second}
		fmt.Fprintf(stderr, "preview on http://%s/ (one JPEG: /?snapshot=1); Ctrl-C to stop\n", ln.Addr())
		go func() { <-ctx.Done(); srv.Close() }()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "xpt-kiosk devices camera: preview: %v\n", err)
			return exitFail
		}
	}
	return exitOK
}

// devCameraFault explains to a technician why the camera gave no frame.
func devCameraFault(stderr io.Writer, cc camera.Config, h *drivers.Error, waited time.Duration) {
	if h == nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices camera: no frame from the %s source within %v\n", cc.Source, waited)
		return
	}
	fmt.Fprintf(stderr, "xpt-kiosk devices camera: no frame: %v\n", h)
	switch h.Code() {
	case drivers.CodeNotFound:
		fmt.Fprintln(stderr, "  Is the camera plugged in? 'xpt-kiosk devices list' shows the video devices present.")
	case drivers.CodeBusy:
		fmt.Fprintln(stderr, "  Another program (the kiosk agent?) holds the camera: stop it and try again.")
	case drivers.CodePermission:
		fmt.Fprintln(stderr, "  Run as a user in the video group, or as root.")
	case drivers.CodeConfig:
		fmt.Fprintln(stderr, "  Check the source: a launch string must parse and end in BGR frames (see --help).")
	case drivers.CodeProtocol:
		fmt.Fprintln(stderr, "  The source gave data that is not a picture, or the camera does not offer that size and rate (v4l2-ctl --list-formats-ext).")
	case drivers.CodeNotBuilt:
		fmt.Fprintln(stderr, "  A GStreamer plug-in is missing: install gstreamer1.0-plugins-good (scripts/deps.sh).")
	}
}
