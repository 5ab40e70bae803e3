package main

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDevicesCameraSnapshot(t *testing.T) {
	dir := t.TempDir()
	// The sample face as PNG: GStreamer decodes it with libpng. (JPEG files
	// need the binary linked with -Wl,--exclude-libs,ALL: see docs/camera.md.)
	f, err := os.Open("../../drivers/camera/face/testdata/face.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// 8-bit RGBA: Go writes a YCbCr image as a 16-bit PNG, which GStreamer's
	// pngdec and videoconvert do not render faithfully.
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	facePNG := filepath.Join(dir, "face.png")
	var b bytes.Buffer
	png.Encode(&b, rgba)
	os.WriteFile(facePNG, b.Bytes(), 0o644)

	snap := filepath.Join(dir, "out.jpg")
	var stdout, stderr bytes.Buffer
	code := runDevicesCamera([]string{"--snapshot", snap, "--source", "file:" + facePNG, "--window", "5s"}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"PASSES every rule", "faces       1", "sharpness", "not supported"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	got, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(got))
	if err != nil || cfg.Width != 640 || cfg.Height != 480 {
		t.Fatalf("snapshot: %v %+v", err, cfg)
	}
}

func TestDevicesCameraErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runDevicesCamera([]string{"--source", "v4l2:/dev/video9", "--timeout", "2s"}, nil, &stdout, &stderr); code != exitFail {
		t.Fatalf("missing device: exit %d", code)
	}
	if !strings.Contains(stderr.String(), "not_found") || !strings.Contains(stderr.String(), "devices list") {
		t.Errorf("missing device: %s", stderr.String())
	}
	stderr.Reset()
	if code := runDevicesCamera([]string{"--source", "webcam"}, nil, &stdout, &stderr); code != exitUsage {
		t.Fatalf("bad source: exit %d", code)
	}
	stdout.Reset()
	if code := runDevicesCamera([]string{"--help"}, nil, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "--snapshot") {
		t.Fatalf("help: exit %d\n%s", code, stdout.String())
	}
}
