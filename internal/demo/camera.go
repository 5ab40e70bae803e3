package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed demodata/face.png
var facePNG []byte

// Face is the demo face (a PNG): the simulated camera plays it, and the
// demo chips carry it as DG2.
func Face() []byte { return bytes.Clone(facePNG) }

// CameraTOML is the demo's camera: a file source playing a face.
func CameraTOML(dir string) (string, error) {
	path := filepath.Join(dir, "face.png")
	if err := os.WriteFile(path, facePNG, 0o600); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	t := fmt.Sprintf("[devices.camera]\nsource = \"file\"\nfiles = [%q]\n", abs)
	if m := faceModel(); m != "" {
		t += fmt.Sprintf("\n[face]\nmodelFile = %q\n", m)
	}
	return t, nil
}

// faceModel is the face model make deps converts (docs/camera.md),
// when it is installed: $XPT_FACE_MODEL, else var/models/ under the
// working directory. Without it the demo's verification is not_supported.
func faceModel() string {
	p := os.Getenv("XPT_FACE_MODEL")
	if p == "" {
		p = filepath.Join("var", "models", "face_recognition_dlib.onnx")
	}
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	return abs
}
