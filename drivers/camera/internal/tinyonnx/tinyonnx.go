// Package tinyonnx writes small, valid ONNX models by hand, field by field
// with protowire, so the face comparator's model plumbing (OpenCV's DNN
// reading an ONNX file, running it on a face crop, comparing embeddings)
// can be tested on this machine without any downloaded model. The models
// it makes are not face recognisers: a fixed random projection of an
// average-pooled image is an embedding only in form.
package tinyonnx

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX field numbers (onnx.proto, IR version 7).
const (
	modelIRVersion    = 1
	modelProducerName = 2
	modelGraph        = 7
	modelOpsetImport  = 8
	opsetVersion      = 2

	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5

	attrName = 1
	attrI    = 3
	attrInts = 8
	attrType = 20

	attrTypeInt  = 2
	attrTypeInts = 7

	tensorDims     = 1
	tensorDataType = 2
	tensorName     = 8
	tensorRawData  = 9
	dataTypeFloat  = 1

	valueName      = 1
	valueType      = 2
	typeTensorType = 1
	tensorElemType = 1
	tensorShape    = 2
	shapeDim       = 1
	dimValue       = 1
)

func str(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func msg(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func varint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func attrInt(name string, v int64) []byte {
	var a []byte
	a = str(a, attrName, name)
	a = varint(a, attrType, attrTypeInt)
	return varint(a, attrI, v)
}

func attrIntList(name string, vs ...int64) []byte {
	var a []byte
	a = str(a, attrName, name)
	a = varint(a, attrType, attrTypeInts)
	for _, v := range vs {
		a = varint(a, attrInts, v)
	}
	return a
}

func node(name, op string, in, out []string, attrs ...[]byte) []byte {
	var n []byte
	for _, s := range in {
		n = str(n, nodeInput, s)
	}
	for _, s := range out {
		n = str(n, nodeOutput, s)
	}
	n = str(n, nodeName, name)
	n = str(n, nodeOpType, op)
	for _, a := range attrs {
		n = msg(n, nodeAttribute, a)
	}
	return n
}

func tensor(name string, dims []int64, data []float32) []byte {
	var t []byte
	for _, d := range dims {
		t = varint(t, tensorDims, d)
	}
	t = varint(t, tensorDataType, dataTypeFloat)
	t = str(t, tensorName, name)
	raw := make([]byte, 4*len(data))
	for i, f := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	t = protowire.AppendTag(t, tensorRawData, protowire.BytesType)
	return protowire.AppendBytes(t, raw)
}

func valueInfo(name string, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		shape = msg(shape, shapeDim, varint(nil, dimValue, d))
	}
	var tt []byte
	tt = varint(tt, tensorElemType, dataTypeFloat)
	tt = msg(tt, tensorShape, shape)
	var v []byte
	v = str(v, valueName, name)
	return msg(v, valueType, msg(nil, typeTensorType, tt))
}

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

	var g []byte
	g = msg(g, graphNode, node("pool", "AveragePool", []string{"input"}, []string{"pooled"},
		attrIntList("kernel_shape", int64(pool), int64(pool)), attrIntList("strides", int64(pool), int64(pool))))
	g = msg(g, graphNode, node("flat", "Flatten", []string{"pooled"}, []string{"flat"}, attrInt("axis", 1)))
	g = msg(g, graphNode, node("proj", "Gemm", []string{"flat", "W", "B"}, []string{"embedding"}, attrInt("transB", 1)))
	g = str(g, graphName, "tiny_embedding")
	g = msg(g, graphInitializer, tensor("W", []int64{int64(dim), int64(n)}, w))
	g = msg(g, graphInitializer, tensor("B", []int64{int64(dim)}, bias))
	g = msg(g, graphInput, valueInfo("input", 1, 3, int64(size), int64(size)))
	g = msg(g, graphOutput, valueInfo("embedding", 1, int64(dim)))

	var m []byte
	m = varint(m, modelIRVersion, 7)
	m = str(m, modelProducerName, "xpt-kiosk tinyonnx")
	m = msg(m, modelGraph, g)
	m = msg(m, modelOpsetImport, varint(nil, opsetVersion, 11))
	return m
}
