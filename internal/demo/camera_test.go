package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// The demo uses the face model make deps installs, and only when it is there.
func TestDemoUsesTheInstalledFaceModel(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "face_recognition_dlib.onnx")
	if err := os.WriteFile(m, []byte("model"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XPT_FACE_MODEL", m)
	got, err := CameraTOML(dir)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Face struct {
			ModelFile string `toml:"modelFile"`
		} `toml:"face"`
	}
	if _, err := toml.Decode(got, &v); err != nil || v.Face.ModelFile != m {
		t.Fatalf("demo camera TOML %q: modelFile %q, %v", got, v.Face.ModelFile, err)
	}
	t.Setenv("XPT_FACE_MODEL", filepath.Join(dir, "gone.onnx"))
	if got, _ := CameraTOML(dir); strings.Contains(got, "[face]") {
		t.Fatalf("a missing model is configured: %q", got)
	}
}
