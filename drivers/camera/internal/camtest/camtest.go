// Package camtest opens GStreamer cameras for the camera packages' tests.
package camtest

import (
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/gstcam"
)

// Open starts a GStreamer camera with short back-offs (unless cfg sets
// them), closed when the test ends.
func Open(t testing.TB, cfg camera.Config) *camera.Camera {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 20 * time.Millisecond
		cfg.MaxBackoff = 100 * time.Millisecond
	}
	c, err := gstcam.Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
