package cvcam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/imgcodec"
)

// PreviewOptions configure the technician's live preview.
type PreviewOptions struct {
	// MaxFPS caps the frames sent to each viewer (5 by default): the
	// preview is for aiming the camera, not for watching travelers.
	MaxFPS float64
	// JPEGQuality of the frames (70 by default).
	JPEGQuality int
	// MaxViewers bounds simultaneous streams (2 by default); more get 503.
	MaxViewers int
	// Overlay, when not nil, draws on each frame before it is encoded (the
	// face package's Detector.Overlay draws the detection and guidance).
	// It runs on a copy; the camera's frame is never changed.
	Overlay func(img *gocv.Mat)
	// WriteTimeout drops a viewer that stops reading (5 s by default).
	WriteTimeout time.Duration
}

// Preview serves the camera as an MJPEG stream (multipart/x-mixed-replace,
// which browsers show in an <img>), or one JPEG with ?snapshot=1. Mount it
// in the technician console behind its authentication: the frames show
// travelers.
type Preview struct {
	cam     *camera.Camera
	o       PreviewOptions
	viewers atomic.Int32
}

// NewPreview returns the preview handler for cam.
func NewPreview(cam *camera.Camera, o PreviewOptions) *Preview {
	if o.MaxFPS <= 0 {
		o.MaxFPS = 5
	}
	if o.JPEGQuality <= 0 || o.JPEGQuality > 100 {
		o.JPEGQuality = 70
	}
	if o.MaxViewers <= 0 {
		o.MaxViewers = 2
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	return &Preview{cam: cam, o: o}
}

const boundary = "xptframe"

func (p *Preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if n := p.viewers.Add(1); int(n) > p.o.MaxViewers {
		p.viewers.Add(-1)
		http.Error(w, "too many preview viewers", http.StatusServiceUnavailable)
		return
	}
	defer p.viewers.Add(-1)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")

	frame := gocv.NewMat()
	defer frame.Close()
	ctx := r.Context()
	if r.URL.Query().Get("snapshot") != "" {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		jpg, err := p.Snapshot(tctx, nil)
		if errors.Is(err, errNoFrame) {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(jpg)
		return
	}

	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	interval := time.Duration(float64(time.Second) / p.o.MaxFPS)
	var seq uint64
	next := time.Now()
	for {
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
		}
		s, err := Next(ctx, p.cam, &frame, seq)
		if err != nil {
			return
		}
		seq = s
		next = time.Now().Add(interval)
		jpg, err := p.encode(&frame)
		if err != nil {
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(p.o.WriteTimeout))
		if _, err := fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", boundary, len(jpg)); err != nil {
			return
		}
		if _, err := w.Write(jpg); err != nil {
			return
		}
		if _, err := w.Write([]byte("\r\n")); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

var errNoFrame = errors.New("no frame from the camera")

// Snapshot takes the camera's next frame, shows it to look (when not nil:
// the technician console's camera capture measures its quality there)
// and returns it as JPEG with the overlay drawn.
func (p *Preview) Snapshot(ctx context.Context, look func(frame gocv.Mat)) ([]byte, error) {
	frame := gocv.NewMat()
	defer frame.Close()
	if _, err := Next(ctx, p.cam, &frame, 0); err != nil {
		return nil, fmt.Errorf("%w: %s", errNoFrame, p.health())
	}
	if look != nil {
		look(frame)
	}
	return p.encode(&frame)
}

func (p *Preview) health() string {
	if h := p.cam.Health(); h != nil {
		return h.Error()
	}
	return "no fault reported"
}

func (p *Preview) encode(frame *gocv.Mat) ([]byte, error) {
	if p.o.Overlay != nil {
		p.o.Overlay(frame)
	}
	// Go's encoder, not OpenCV's: see package imgcodec.
	return imgcodec.EncodeJPEG(*frame, p.o.JPEGQuality)
}
