package main

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/chipcheck"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
)

// A DG2 in JPEG 2000 is converted to JPEG for the face step and the officer,
// by the converter openChip gives the chip reader (face.ImageToJPEG).
// testdata/face.jp2 is the demo face in JPEG 2000 (OpenCV's encoder, at 0.02
// of its lossless rate), so that this test needs no image codec of its own.
func TestChipJPEG2000Photo(t *testing.T) {
	src, err := png.DecodeConfig(bytes.NewReader(demo.Face()))
	if err != nil {
		t.Fatal(err)
	}
	photo, err := os.ReadFile(filepath.Join("testdata", "face.jp2"))
	if err != nil {
		t.Fatal(err)
	}
	out, orig, err := chipcheck.DG2JPEG(photo, "image/jp2", face.ImageToJPEG)
	if err != nil || orig != "image/jp2" {
		t.Fatalf("convert: %v %q", err, orig)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || img.Bounds().Dx() != src.Width || img.Bounds().Dy() != src.Height {
		t.Fatalf("converted JPEG: %v", err)
	}
	if _, _, err := chipcheck.DG2JPEG([]byte("not an image at all"), "image/jp2", face.ImageToJPEG); err == nil {
		t.Fatal("garbage JPEG 2000 converted")
	}
	if _, _, err := chipcheck.DG2JPEG([]byte{1, 2, 3}, "", face.ImageToJPEG); err == nil {
		t.Fatal("an untyped image converted")
	}
}
