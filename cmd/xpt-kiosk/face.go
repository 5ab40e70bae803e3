package main

import (
	"log/slog"
	"net/http"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
)

// faceDevice is the camera and face pipeline as the kiosk uses it.
type faceDevice interface {
	kiosk.FaceCapturer
	Close() error
	Preview() http.Handler
}

// openFace opens the camera the configuration enables.
func openFace(cfg *config.Config, log *slog.Logger) (faceDevice, deviceDesc) {
	if !cfg.Devices.Camera.On() {
		return nil, deviceDesc{name: "camera", kind: cfg.Devices.Camera.Source, state: "disabled"}
	}
	return nil, deviceDesc{name: "camera", kind: cfg.Devices.Camera.Source, state: "not_built",
		message: "face capture is not wired into this build yet"}
}

func faceOrNil(f faceDevice) kiosk.FaceCapturer {
	if f == nil {
		return nil
	}
	return f
}

func previewOf(f faceDevice) http.Handler {
	if f == nil {
		return nil
	}
	return f.Preview()
}

// demoCameraTOML is the demo's camera section.
func demoCameraTOML() string { return "[devices.camera]\nenabled = false\n" }

// selftestFace says what the camera and face verification can do.
func selftestFace(cfg *config.Config) []checkResult {
	if !cfg.Devices.Camera.On() {
		return []checkResult{{Name: "camera", Status: "ok", Detail: "disabled"}}
	}
	return []checkResult{{Name: "camera", Status: "warn", Detail: "face capture is not wired into this build yet"}}
}
