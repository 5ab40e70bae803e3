package issuer_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

// Without a file the photo is a placeholder JPEG of the size it says; a
// file must be a JPEG or JPEG 2000 image.
func TestPhoto(t *testing.T) {
	b, w, h, err := issuer.Photo("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != w || cfg.Height != h || w != 240 || h != 320 {
		t.Fatalf("placeholder %dx%d: %v %+v", w, h, err, cfg)
	}
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(photo, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, w, h, err := issuer.Photo(photo); err != nil || !bytes.Equal(got, b) || w != 240 || h != 320 {
		t.Fatalf("a JPEG file: %dx%d %v", w, h, err)
	}
	text := filepath.Join(dir, "photo.txt")
	if err := os.WriteFile(text, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := issuer.Photo(text); err == nil {
		t.Fatal("a text file taken as a photo")
	}
	if _, _, _, err := issuer.Photo(filepath.Join(dir, "gone.jpg")); err == nil {
		t.Fatal("a missing file taken as a photo")
	}
}
