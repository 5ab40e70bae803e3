// Package model turns face-api.js's face recognition network (the dlib
// ResNet-34-like face descriptor, 150x150 RGB in, 128 values out, shipped
// on npm as TensorFlow.js weights: a weights manifest plus binary shards)
// into an ONNX model that OpenCV's DNN module runs, for the kiosk's
// face.ModelComparator. It runs at install time (make deps, cmd/facemodel),
// never in the kiosk. Pure Go: no cgo, no network.
package model

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Tensor is one dequantized weight, in TensorFlow's layout (for a conv
// filter: height, width, in, out).
type Tensor struct {
	Shape []int
	Data  []float32
}

type manifestGroup struct {
	Paths   []string         `json:"paths"`
	Weights []manifestWeight `json:"weights"`
}

type manifestWeight struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	DType        string `json:"dtype"`
	Quantization *struct {
		DType string  `json:"dtype"`
		Scale float64 `json:"scale"`
		Min   float64 `json:"min"`
	} `json:"quantization"`
}

// maxWeights bounds what a manifest may ask for (the recognition net has
// 6.4 million values; 64 million leaves room and stops a corrupt shape).
const maxWeights = 64 << 20

// ReadWeights reads a TensorFlow.js weights manifest (…-weights_manifest.json)
// and the shards it names (relative to the manifest), and returns every
// weight by name, dequantized to float32. A manifest that does not parse,
// a missing or short shard, trailing bytes, a bad shape or an unknown
// dtype is an error naming the file and the weight.
func ReadWeights(manifest string) (map[string]Tensor, error) {
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	var groups []manifestGroup
	if err := json.Unmarshal(raw, &groups); err != nil {
		return nil, fmt.Errorf("%s: not a TensorFlow.js weights manifest: %w", manifest, err)
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("%s: no weight groups", manifest)
	}
	dir := filepath.Dir(manifest)
	out := map[string]Tensor{}
	total := 0
	for gi, g := range groups {
		if len(g.Paths) == 0 || len(g.Weights) == 0 {
			return nil, fmt.Errorf("%s: group %d has no paths or no weights", manifest, gi)
		}
		var data []byte
		for _, p := range g.Paths {
			if p == "" || filepath.IsAbs(p) || strings.Contains(p, "..") {
				return nil, fmt.Errorf("%s: shard path %q is not a plain relative name", manifest, p)
			}
			b, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				return nil, fmt.Errorf("%s: shard: %w", manifest, err)
			}
			data = append(data, b...)
		}
		off := 0
		for _, w := range g.Weights {
			if w.Name == "" {
				return nil, fmt.Errorf("%s: a weight with no name", manifest)
			}
			if _, dup := out[w.Name]; dup {
				return nil, fmt.Errorf("%s: weight %s appears twice", manifest, w.Name)
			}
			n := 1
			for _, d := range w.Shape {
				if d <= 0 || n > maxWeights/d {
					return nil, fmt.Errorf("%s: weight %s: bad shape %v", manifest, w.Name, w.Shape)
				}
				n *= d
			}
			if total += n; total > maxWeights {
				return nil, fmt.Errorf("%s: more than %d values", manifest, maxWeights)
			}
			if w.DType != "float32" {
				return nil, fmt.Errorf("%s: weight %s: dtype %q (only float32 is supported)", manifest, w.Name, w.DType)
			}
			size, stored := 4, "float32"
			if q := w.Quantization; q != nil {
				stored = q.DType
				switch q.DType {
				case "uint8":
					size = 1
				case "uint16", "float16":
					size = 2
				default:
					return nil, fmt.Errorf("%s: weight %s: quantization dtype %q is not supported", manifest, w.Name, q.DType)
				}
				if stored != "float16" && (math.IsNaN(q.Scale) || math.IsInf(q.Scale, 0) || math.IsNaN(q.Min) || math.IsInf(q.Min, 0)) {
					return nil, fmt.Errorf("%s: weight %s: bad quantization scale or min", manifest, w.Name)
				}
			}
			if off+n*size > len(data) {
				return nil, fmt.Errorf("%s: weight %s needs bytes %d..%d but the shards hold %d: a shard is truncated or missing",
					manifest, w.Name, off, off+n*size, len(data))
			}
			b := data[off : off+n*size]
			off += n * size
			v := make([]float32, n)
			switch stored {
			case "float32":
				for i := range v {
					v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
				}
			case "uint8":
				for i := range v {
					v[i] = float32(float64(b[i])*w.Quantization.Scale + w.Quantization.Min)
				}
			case "uint16":
				for i := range v {
					v[i] = float32(float64(binary.LittleEndian.Uint16(b[2*i:]))*w.Quantization.Scale + w.Quantization.Min)
				}
			case "float16":
				for i := range v {
					v[i] = half(binary.LittleEndian.Uint16(b[2*i:]))
				}
			}
			for _, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return nil, fmt.Errorf("%s: weight %s holds NaN or infinite values", manifest, w.Name)
				}
			}
			out[w.Name] = Tensor{Shape: w.Shape, Data: v}
		}
		if off != len(data) {
			return nil, fmt.Errorf("%s: group %d: the shards hold %d bytes, the weights %d: wrong shard or manifest", manifest, gi, len(data), off)
		}
	}
	return out, nil
}

// half converts an IEEE 754 binary16 value.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0:
		f := float32(frac) / 1024 * float32(math.Pow(2, -14))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

var errShape = errors.New("unexpected shape")
