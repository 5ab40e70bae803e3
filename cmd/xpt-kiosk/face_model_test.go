package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
)

// With the converted model configured (no threshold: the model's default),
// the kiosk's face step verifies: the technician sees "ok", and nothing is
// misconfigured. Skips when make deps has not converted the model.
func TestKioskVerifiesWithTheInstalledModel(t *testing.T) {
	m, _ := filepath.Abs(filepath.Join("..", "..", "var", "models", "face_recognition_dlib.onnx"))
	if _, err := os.Stat(m); err != nil {
		t.Skipf("no converted face model (%v): make deps writes it", err)
	}
	cfg, err := config.Parse([]byte(testKioskTOML("[devices.mrzReader]\nenabled = false\n[devices.cardReader]\nenabled = false\n" +
		"[devices.camera]\nsource = \"test\"\n[face]\nmodelFile = \"" + m + "\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	f, desc := openFace(cfg, slog.New(slog.DiscardHandler))
	if f == nil {
		t.Fatalf("openFace: %+v", desc)
	}
	defer f.Close()
	if why := faceMisconfigured(cfg, f, desc); why != "" {
		t.Fatalf("misconfigured: %s", why)
	}
	if _, v := f.Describe(); v != "ok: "+m+" (threshold 0.500)" {
		t.Fatalf("verification %q", v)
	}
	live := demo.Face()
	if r := f.Comparator().Compare(context.Background(), live, face.Reference{Image: live}); r.Result != face.Successful || *r.Score < 0.99 {
		t.Fatalf("the demo face against itself: %+v", r)
	}
}
