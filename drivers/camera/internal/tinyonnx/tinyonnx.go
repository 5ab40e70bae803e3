// Package tinyonnx writes small, valid ONNX models by hand, field by field
// with protowire, so the face comparator's model plumbing (OpenCV's DNN
// reading an ONNX file, running it on a face crop, comparing embeddings)
// can be tested on this machine without any downloaded model. The models
// it makes are not face recognisers: a fixed random projection of an
// average-pooled image is an embedding only in form.
package tinyonnx

import (
	"math"
	"math/rand/v2"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/onnxpb"
)

// Embedding returns an ONNX model (opset 11) taking "input", a
// 1x3 x size x size float image, average-pooling it in pool x pool cells,
// flattening, and projecting to dim values with a fixed random matrix
// drawn from seed: "embedding", 1 x dim. size must be a multiple of pool.
func Embedding(size, pool, dim int, seed uint64) []byte {
	cells := size / pool
	n := 3 * cells * cells
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	w := make([]float32, dim*n)
	for i := range w {
		w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(n)))
	}
	bias := make([]float32, dim)

	var g onnxpb.Graph
	g.Named("pooled", "AveragePool", []string{"input"},
		onnxpb.AttrInts("kernel_shape", int64(pool), int64(pool)), onnxpb.AttrInts("strides", int64(pool), int64(pool)))
	g.Named("flat", "Flatten", []string{"pooled"}, onnxpb.AttrInt("axis", 1))
	g.Named("embedding", "Gemm", []string{"flat", g.Init("W", []int64{int64(dim), int64(n)}, w), g.Init("B", []int64{int64(dim)}, bias)},
		onnxpb.AttrInt("transB", 1))
	return g.Model(onnxpb.Model{Name: "tiny_embedding", Producer: "xpt-kiosk tinyonnx", IRVersion: 7, Opset: 11,
		Input: "input", InDims: []int64{1, 3, int64(size), int64(size)}, Output: "embedding", OutDims: []int64{1, int64(dim)}})
}
