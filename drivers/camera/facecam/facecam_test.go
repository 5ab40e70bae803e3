package facecam

import (
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
)

// The technician page's verification line is "state: why", the state
// first, whatever the comparator's own sentence says.
func TestVerificationState(t *testing.T) {
	if got := VerificationState(face.Unsupported{Reason: face.NoModel}.Status()); got != "not_supported: "+face.NoModel {
		t.Errorf("%q", got)
	}
	if got := VerificationState(face.Status{Supported: true, Model: "arcface.onnx", Threshold: 0.42, Detail: "loaded"}); got != "ok: arcface.onnx (threshold 0.420)" {
		t.Errorf("%q", got)
	}
}
