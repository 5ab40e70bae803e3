package cvcam

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/camtest"
)

func TestPreviewMJPEG(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceTest, Width: 320, Height: 240, FPS: 30})
	var drawn atomic.Int32
	p := NewPreview(c, PreviewOptions{MaxFPS: 10, Overlay: func(img *gocv.Mat) { drawn.Add(1) }})
	srv := httptest.NewServer(p)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	start := time.Now()
	const n = 6
	for i := 0; i < n; i++ {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		b, _ := io.ReadAll(part)
		if part.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
			t.Fatalf("part %d is not a JPEG", i)
		}
		img, err := gocv.IMDecode(b, gocv.IMReadColor)
		if err != nil || img.Cols() != 320 {
			t.Fatalf("part %d does not decode: %v", i, err)
		}
		img.Close()
	}
	// Rate limit: 6 frames at 10 fps take at least 0.5 s though the camera
	// gives 30.
	if e := time.Since(start); e < 450*time.Millisecond {
		t.Fatalf("%d frames in %v: not rate-limited", n, e)
	}
	if int(drawn.Load()) < n {
		t.Fatalf("overlay called %d times", drawn.Load())
	}
}

func TestPreviewSnapshotAndLimits(t *testing.T) {
	c := camtest.Open(t, camera.Config{Source: camera.SourceTest, Width: 160, Height: 120, FPS: 30})
	p := NewPreview(c, PreviewOptions{MaxViewers: 1})
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/?snapshot=1", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(rec.Body.Bytes(), []byte{0xFF, 0xD8}) {
		t.Fatalf("snapshot: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
	// One viewer streaming: a second is refused.
	srv := httptest.NewServer(p)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	resp2, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second viewer: %d", resp2.StatusCode)
	}
}
