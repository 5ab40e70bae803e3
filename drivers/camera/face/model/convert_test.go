package model

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadWeightsDequantizes(t *testing.T) {
	dir := t.TempDir()
	f := make([]byte, 8)
	binary.LittleEndian.PutUint32(f, math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(f[4:], math.Float32bits(-2))
	shard := string([]byte{0, 10, 255}) + string(f)
	write(t, dir, "w.bin", shard)
	write(t, dir, "m.json", `[{"paths":["w.bin"],"weights":[
		{"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},
		{"name":"f","shape":[2,1],"dtype":"float32"}]}]`)
	wm, err := ReadWeights(filepath.Join(dir, "m.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := wm["q"].Data; got[0] != -1 || got[1] != 4 || got[2] != 126.5 {
		t.Errorf("uint8 dequantized to %v, want [-1 4 126.5]", got)
	}
	if got := wm["f"]; got.Data[0] != 1.5 || got.Data[1] != -2 || len(got.Shape) != 2 {
		t.Errorf("float32 read as %+v", got)
	}
}

func TestReadWeightsCorrupt(t *testing.T) {
	good := `[{"paths":["w.bin"],"weights":[{"name":"q","shape":[4],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]`
	for _, tc := range []struct {
		name, manifest, shard, want string
	}{
		{"not json", `{"paths":`, "1234", "not a TensorFlow.js weights manifest"},
		{"an object", `{"weights":[]}`, "1234", "not a TensorFlow.js weights manifest"},
		{"empty", `[]`, "1234", "no weight groups"},
		{"truncated shard", good, "123", "a shard is truncated or missing"},
		{"shard too long", good, "12345", "wrong shard or manifest"},
		{"missing shard", strings.Replace(good, "w.bin", "gone.bin", 1), "1234", "gone.bin"},
		{"path outside", strings.Replace(good, "w.bin", "../w.bin", 1), "1234", "not a plain relative name"},
		{"bad shape", strings.Replace(good, "[4]", "[0]", 1), "1234", "bad shape"},
		{"huge shape", strings.Replace(good, "[4]", "[100000,100000,100000]", 1), "1234", "bad shape"},
		{"unknown quantization", strings.Replace(good, `"uint8"`, `"int4"`, 1), "1234", "not supported"},
		{"unknown dtype", strings.Replace(good, `"dtype":"float32"`, `"dtype":"string"`, 1), "1234", "only float32"},
		{"duplicate", `[{"paths":["w.bin"],"weights":[{"name":"q","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":1,"min":0}},{"name":"q","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":1,"min":0}}]}]`, "1234", "appears twice"},
		{"float32 NaN", `[{"paths":["w.bin"],"weights":[{"name":"q","shape":[1],"dtype":"float32"}]}]`, "\x00\x00\xc0\x7f", "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "m.json", tc.manifest)
			write(t, dir, "w.bin", tc.shard)
			_, err := ReadWeights(filepath.Join(dir, "m.json"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestBuildNamesAMissingWeight(t *testing.T) {
	_, err := Build(map[string]Tensor{})
	if err == nil || !strings.Contains(err.Error(), "conv32_down/conv/filters is missing") {
		t.Fatalf("err = %v", err)
	}
	_, err = Build(map[string]Tensor{"conv32_down/conv/filters": {Shape: []int{7, 7, 1, 32}, Data: make([]float32, 7*7*32)}})
	if err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("err = %v", err)
	}
}

// installed is face-api.js's model directory as make deps installs it.
func installed(t *testing.T) string {
	dir := filepath.Join("node_modules", "@vladmandic", "face-api", "model")
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err != nil {
		t.Skipf("face-api's weights are not installed (%v): make deps installs them", err)
	}
	return dir
}

func TestConvertInstalledWeights(t *testing.T) {
	dir := installed(t)
	out := filepath.Join(t.TempDir(), "sub", "face.onnx")
	if err := Convert(dir, out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	// 6.4 M weights as float32, plus the 0.25 shortcut kernels.
	if st.Size() < 24e6 || st.Size() > 27e6 {
		t.Errorf("model is %d bytes, want about 24 MB", st.Size())
	}
	if ok, err := Made(out); !ok || err != nil {
		t.Errorf("Made(converted model) = %v, %v", ok, err)
	}
	if ok, _ := Made(filepath.Join(dir, ManifestName)); ok {
		t.Error("Made(a JSON file) = true")
	}
	if _, err := Made(filepath.Join(dir, "nothing.onnx")); err == nil {
		t.Error("Made(a missing file) gives no error")
	}
	// OpenCV runs it and face-api.js agrees: drivers/camera/face's
	// TestModelMatchesFaceAPI.
}

func TestConvertCorruptInstalledShard(t *testing.T) {
	src := installed(t)
	for _, tc := range []struct {
		name string
		edit func(shard []byte) []byte
		want string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-1000] }, "truncated"},
		{"empty", func(b []byte) []byte { return nil }, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m, err := os.ReadFile(filepath.Join(src, ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, ManifestName, string(m))
			shard, err := os.ReadFile(filepath.Join(src, "face_recognition_model.bin"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, "face_recognition_model.bin", string(tc.edit(shard)))
			out := filepath.Join(dir, "face.onnx")
			err = Convert(dir, out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a model was written from corrupt weights")
			}
		})
	}
	t.Run("garbage manifest", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, ManifestName, "\x89PNG garbage")
		if err := Convert(dir, filepath.Join(dir, "face.onnx")); err == nil || !strings.Contains(err.Error(), "not a TensorFlow.js weights manifest") {
			t.Fatalf("err = %v", err)
		}
	})
}
