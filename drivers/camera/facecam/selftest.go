package facecam

import (
	"context"
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/cvcam"
)

// Check is one self-test check: ok, warn or fail, and what it found.
type Check struct {
	Name   string
	Status string // ok | warn | fail
	Detail string
}

// SelfTestLookWindow is how long the self-test watches the camera for a face.
const SelfTestLookWindow = 3 * time.Second

// lookForFace reads the camera's frames for up to window and counts those
// with a face, stopping early after a few.
func (d *Device) lookForFace(window time.Duration) (frames, withFace int) {
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	return d.det.CountFaces(ctx, cvcam.NewReader(d.cam), 3)
}

// SelfTest watches the camera for a face and says what verification can
// do: the checks "camera" and "face.verify". where names the camera (its
// source and path) in the details. The command line's self-test runs it on
// a camera it opened, the running agent's on the camera it runs.
func (d *Device) SelfTest(where string) []Check {
	capture, verify := d.station.Describe()
	look := SelfTestLookWindow
	frames, faces := d.lookForFace(look)
	var out []Check
	switch {
	case frames == 0:
		detail := fmt.Sprintf("%s: no frame in %s", where, look)
		if h := d.cam.Health(); h != nil {
			detail += ": " + h.Error()
		}
		out = append(out, Check{Name: "camera", Status: "fail",
			Detail: detail + " (is it plugged in? xpt-kiosk devices camera --snapshot FILE shows what it sees)"})
	case faces == 0:
		why := "is it pointed at where the traveler stands, and is someone there?"
		if d.o.Camera.Source == camera.SourceTest {
			why = "the test source is a pattern with no face: configure the real camera"
		}
		out = append(out, Check{Name: "camera", Status: "warn", Detail: fmt.Sprintf(
			"%s: %d frames in %s, none with a face: travelers it cannot see are referred FACE_CAPTURE_FAILED (%s)", where, frames, look, why)})
	default:
		out = append(out, Check{Name: "camera", Status: "ok", Detail: fmt.Sprintf("%s: %s; a face in %d of %d frames", where, capture, faces, frames)})
	}
	status := "ok"
	if !d.Verification().Supported {
		status = "warn"
	}
	return append(out, Check{Name: "face.verify", Status: status, Detail: verify})
}
