package model

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/onnxpb"
	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// The recognition network's input, as face-api.js and dlib feed it: a
// 150x150 RGB crop, (p - mean) / 256 per channel. The ONNX model takes the
// raw 0..255 RGB pixels and has the normalisation folded into its first
// convolution (exact: that convolution pads nothing).
const (
	InputSize  = 150
	Descriptor = 128
)

// MeanRGB is dlib's and face-api.js's per-channel mean.
var MeanRGB = [3]float32{122.782, 117.001, 104.298}

// ManifestName is the recognition network's manifest in face-api.js's
// model directory (@vladmandic/face-api: model/; face-api.js: weights/).
const ManifestName = "face_recognition_model-weights_manifest.json"

type shape struct{ c, h, w int }

type builder struct {
	g  onnxpb.Graph
	wm map[string]Tensor
}

func (b *builder) get(name string, dims ...int) (Tensor, error) {
	t, ok := b.wm[name]
	if !ok {
		return Tensor{}, fmt.Errorf("weight %s is missing: not face-api.js's face recognition network", name)
	}
	if len(t.Shape) != len(dims) {
		return Tensor{}, fmt.Errorf("weight %s: shape %v, want %d dimensions: %w", name, t.Shape, len(dims), errShape)
	}
	for i, d := range dims {
		if d >= 0 && t.Shape[i] != d {
			return Tensor{}, fmt.Errorf("weight %s: shape %v, want %v (-1 any): %w", name, t.Shape, dims, errShape)
		}
	}
	return t, nil
}

// conv is face-api.js's convLayer: conv2d, + bias, * scale.weights +
// scale.biases, optional relu; folded into one Conv (+ Relu). norm folds
// the input normalisation in (only for a layer without padding).
func (b *builder) conv(prefix, x string, in shape, stride int, same, relu, norm bool) (string, shape, error) {
	f, err := b.get(prefix+"/conv/filters", -1, -1, in.c, -1)
	if err != nil {
		return "", shape{}, err
	}
	k, out := f.Shape[0], f.Shape[3]
	if f.Shape[1] != k || k%2 == 0 {
		return "", shape{}, fmt.Errorf("weight %s: shape %v is not an odd square kernel: %w", prefix, f.Shape, errShape)
	}
	bias, err := b.get(prefix+"/conv/bias", out)
	if err != nil {
		return "", shape{}, err
	}
	sw, err := b.get(prefix+"/scale/weights", out)
	if err != nil {
		return "", shape{}, err
	}
	sb, err := b.get(prefix+"/scale/biases", out)
	if err != nil {
		return "", shape{}, err
	}
	w := make([]float32, out*in.c*k*k)
	bb := make([]float32, out)
	for o := 0; o < out; o++ {
		s := sw.Data[o]
		bb[o] = bias.Data[o]*s + sb.Data[o]
		for i := 0; i < in.c; i++ {
			for y := 0; y < k; y++ {
				for xx := 0; xx < k; xx++ {
					v := f.Data[((y*k+xx)*in.c+i)*out+o] * s
					if norm {
						v /= 256
						bb[o] -= v * MeanRGB[i]
					}
					w[((o*in.c+i)*k+y)*k+xx] = v
				}
			}
		}
	}
	pad := 0
	if same {
		if stride != 1 {
			return "", shape{}, fmt.Errorf("%s: same padding with stride %d is not used by this network", prefix, stride)
		}
		pad = k / 2
	}
	if norm && pad != 0 {
		return "", shape{}, fmt.Errorf("%s: the input normalisation cannot be folded into a padded convolution", prefix)
	}
	wn := b.g.Init(prefix+"/W", []int64{int64(out), int64(in.c), int64(k), int64(k)}, w)
	bn := b.g.Init(prefix+"/B", []int64{int64(out)}, bb)
	y := b.g.Node("Conv", []string{x, wn, bn}, onnxpb.AttrInts("kernel_shape", int64(k), int64(k)),
		onnxpb.AttrInts("strides", int64(stride), int64(stride)), onnxpb.AttrInts("pads", int64(pad), int64(pad), int64(pad), int64(pad)))
	if relu {
		y = b.g.Node("Relu", []string{y})
	}
	os := shape{out, (in.h+2*pad-k)/stride + 1, (in.w+2*pad-k)/stride + 1}
	if os.h <= 0 || os.w <= 0 {
		return "", shape{}, fmt.Errorf("%s: the map is too small (%dx%d)", prefix, in.h, in.w)
	}
	return y, os, nil
}

// residual: conv, conv without relu, + x, relu.
func (b *builder) residual(prefix, x string, in shape) (string, shape, error) {
	y, s, err := b.conv(prefix+"/conv1", x, in, 1, true, true, false)
	if err != nil {
		return "", shape{}, err
	}
	y, s, err = b.conv(prefix+"/conv2", y, s, 1, true, false, false)
	if err != nil {
		return "", shape{}, err
	}
	if s != in {
		return "", shape{}, fmt.Errorf("%s: the residual branch gives %v, the input is %v: %w", prefix, s, in, errShape)
	}
	return b.g.Node("Relu", []string{b.g.Node("Add", []string{y, x})}), s, nil
}

// residualDown: convDown (3x3, stride 2, valid), conv without relu; the
// shortcut is a 2x2 average pool with zero channels appended, done as one
// 2x2 stride-2 convolution (0.25 on the diagonal); a branch one row and
// column short is padded with zeros at the bottom and right, as
// face-api.js concatenates zeros; + shortcut, relu.
func (b *builder) residualDown(prefix, x string, in shape) (string, shape, error) {
	y, s, err := b.conv(prefix+"/conv1", x, in, 2, false, true, false)
	if err != nil {
		return "", shape{}, err
	}
	y, s, err = b.conv(prefix+"/conv2", y, s, 1, true, false, false)
	if err != nil {
		return "", shape{}, err
	}
	ps := shape{s.c, in.h / 2, in.w / 2}
	if s.c < in.c {
		return "", shape{}, fmt.Errorf("%s: %d channels out of %d in: %w", prefix, s.c, in.c, errShape)
	}
	w := make([]float32, s.c*in.c*4)
	for c := 0; c < in.c; c++ {
		for j := 0; j < 4; j++ {
			w[(c*in.c+c)*4+j] = 0.25
		}
	}
	wn := b.g.Init(prefix+"/shortcut", []int64{int64(s.c), int64(in.c), 2, 2}, w)
	sc := b.g.Node("Conv", []string{x, wn}, onnxpb.AttrInts("kernel_shape", 2, 2), onnxpb.AttrInts("strides", 2, 2), onnxpb.AttrInts("pads", 0, 0, 0, 0))
	dh, dw := ps.h-s.h, ps.w-s.w
	if dh < 0 || dh > 1 || dw < 0 || dw > 1 || dh != dw {
		return "", shape{}, fmt.Errorf("%s: branch %v against shortcut %v: %w", prefix, s, ps, errShape)
	}
	if dh == 1 {
		y = b.g.Node("Pad", []string{y}, onnxpb.AttrString("mode", "constant"), onnxpb.AttrFloat("value", 0),
			onnxpb.AttrInts("pads", 0, 0, 0, 0, 0, 0, 1, 1))
	}
	return b.g.Node("Relu", []string{b.g.Node("Add", []string{y, sc})}), ps, nil
}

// Build returns the ONNX model of face-api.js's FaceRecognitionNet made
// from its weights: input "input" 1x3x150x150 raw RGB pixels (0..255),
// output "descriptor" 1x128, the face descriptor face-api.js computes
// (Euclidean distance 0.6 is its usual same-person bound).
func Build(wm map[string]Tensor) ([]byte, error) {
	b := &builder{wm: wm}
	s := shape{3, InputSize, InputSize}
	x, s, err := b.conv("conv32_down", "input", s, 2, false, true, true)
	if err != nil {
		return nil, err
	}
	x = b.g.Node("MaxPool", []string{x}, onnxpb.AttrInts("kernel_shape", 3, 3), onnxpb.AttrInts("strides", 2, 2), onnxpb.AttrInts("pads", 0, 0, 0, 0))
	s = shape{s.c, (s.h-3)/2 + 1, (s.w-3)/2 + 1}
	for _, l := range []struct {
		name string
		down bool
	}{
		{"conv32_1", false}, {"conv32_2", false}, {"conv32_3", false},
		{"conv64_down", true}, {"conv64_1", false}, {"conv64_2", false}, {"conv64_3", false},
		{"conv128_down", true}, {"conv128_1", false}, {"conv128_2", false},
		{"conv256_down", true}, {"conv256_1", false}, {"conv256_2", false},
		{"conv256_down_out", true},
	} {
		if l.down {
			x, s, err = b.residualDown(l.name, x, s)
		} else {
			x, s, err = b.residual(l.name, x, s)
		}
		if err != nil {
			return nil, err
		}
	}
	x = b.g.Node("GlobalAveragePool", []string{x})
	x = b.g.Node("Flatten", []string{x}, onnxpb.AttrInt("axis", 1))
	fc, err := b.get("fc", s.c, Descriptor)
	if err != nil {
		return nil, err
	}
	// Gemm with transB, B as Descriptor x channels: the layout OpenCV's
	// importer takes (it reads B as the fully connected layer's weights).
	wt := make([]float32, len(fc.Data))
	for i := 0; i < s.c; i++ {
		for j := 0; j < Descriptor; j++ {
			wt[j*s.c+i] = fc.Data[i*Descriptor+j]
		}
	}
	fn := b.g.Init("fc/W", []int64{Descriptor, int64(s.c)}, wt)
	cn := b.g.Init("fc/B", []int64{Descriptor}, make([]float32, Descriptor))
	out := "descriptor"
	b.g.Named(out, "Gemm", []string{x, fn, cn}, onnxpb.AttrInt("transB", 1))
	doc := "face-api.js FaceRecognitionNet (dlib ResNet face descriptor), converted by xpt-kiosk facemodel; " +
		"input: 1x3x150x150 RGB 0..255; output: 128-value descriptor"
	// IR 4, opset 9: Pad takes its pads as an attribute, which every
	// OpenCV version reads.
	return b.g.Model(onnxpb.Model{Name: "face_recognition_net", Doc: doc, Producer: Producer, IRVersion: 4, Opset: 9,
		Input: "input", InDims: []int64{1, 3, InputSize, InputSize}, Output: out, OutDims: []int64{1, Descriptor}}), nil
}

// Convert reads the recognition network's weights from dir (face-api.js's
// model or weights directory, holding ManifestName and its shards) and
// writes the ONNX model to out atomically (a temporary file renamed).
func Convert(dir, out string) error {
	wm, err := ReadWeights(filepath.Join(dir, ManifestName))
	if err != nil {
		return err
	}
	m, err := Build(wm)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteWith(out, atomicfile.Options{Perm: 0o644}, func(w io.Writer) error {
		_, err := w.Write(m)
		return err
	})
}
