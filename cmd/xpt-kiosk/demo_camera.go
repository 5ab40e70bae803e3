package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed demodata/face.png
var demoFace []byte

// demoCameraTOML is the demo's camera: a file source playing a face.
func demoCameraTOML(dir string) (string, error) {
	path := filepath.Join(dir, "face.png")
	if err := os.WriteFile(path, demoFace, 0o600); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	t := fmt.Sprintf("[devices.camera]\nsource = \"file\"\nfiles = [%q]\n", abs)
	if m := demoFaceModel(); m != "" {
		t += fmt.Sprintf("\n[face]\nmodelFile = %q\n", m)
	}
	return t, nil
}

// demoFaceModel is the face model make deps converts (docs/camera.md),
// when it is installed: $XPT_FACE_MODEL, else var/models/ under the
// working directory. Without it the demo's verification is not_supported.
func demoFaceModel() string {
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
