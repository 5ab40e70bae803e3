// Package onnxpb writes ONNX models field by field with protowire: the
// face model converter (drivers/camera/face/model) and the tests' tiny
// models (drivers/camera/internal/tinyonnx) share it.
package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX field numbers (onnx.proto).
const (
	modelIRVersion    = 1
	ModelProducerName = 2
	modelDocString    = 6
	ModelGraph        = 7
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

	attrName   = 1
	attrF      = 2
	attrI      = 3
	attrS      = 4
	attrIntsF  = 8
	attrType   = 20
	attrTFloat = 1
	attrTInt   = 2
	attrTStr   = 3
	attrTInts  = 7

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

func pstr(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func pmsg(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func pvarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func AttrInts(name string, vs ...int64) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTInts)
	for _, v := range vs {
		a = pvarint(a, attrIntsF, v)
	}
	return a
}

func AttrInt(name string, v int64) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTInt)
	return pvarint(a, attrI, v)
}

func AttrString(name, v string) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTStr)
	return pstr(a, attrS, v)
}

func AttrFloat(name string, v float32) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTFloat)
	a = protowire.AppendTag(a, attrF, protowire.Fixed32Type)
	return protowire.AppendFixed32(a, math.Float32bits(v))
}

func tensorProto(name string, dims []int64, data []float32) []byte {
	var t []byte
	for _, d := range dims {
		t = pvarint(t, tensorDims, d)
	}
	t = pvarint(t, tensorDataType, dataTypeFloat)
	t = pstr(t, tensorName, name)
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
		shape = pmsg(shape, shapeDim, pvarint(nil, dimValue, d))
	}
	var tt []byte
	tt = pvarint(tt, tensorElemType, dataTypeFloat)
	tt = pmsg(tt, tensorShape, shape)
	var v []byte
	v = pstr(v, valueName, name)
	return pmsg(v, valueType, pmsg(nil, typeTensorType, tt))
}

// Graph collects ONNX nodes and initializers.
type Graph struct {
	nodes, inits []byte
	n            int
}

// Node adds a node named and output as op_N (N counting the graph's
// nodes) and returns its output.
func (g *Graph) Node(op string, in []string, attrs ...[]byte) string {
	g.n++
	return g.Named(fmt.Sprintf("%s_%d", op, g.n), op, in, attrs...)
}

// Named adds a node whose output (and name) is out.
func (g *Graph) Named(out, op string, in []string, attrs ...[]byte) string {
	var n []byte
	for _, s := range in {
		n = pstr(n, nodeInput, s)
	}
	n = pstr(n, nodeOutput, out)
	n = pstr(n, nodeName, out)
	n = pstr(n, nodeOpType, op)
	for _, a := range attrs {
		n = pmsg(n, nodeAttribute, a)
	}
	g.nodes = pmsg(g.nodes, graphNode, n)
	return out
}

// Init adds a float initializer and returns its name.
func (g *Graph) Init(name string, dims []int64, data []float32) string {
	g.inits = pmsg(g.inits, graphInitializer, tensorProto(name, dims, data))
	return name
}

// Model is what a model says of itself around its graph.
type Model struct {
	Name, Doc, Producer string
	IRVersion, Opset    int64
	Input, Output       string
	InDims, OutDims     []int64
}

// Model returns the ONNX model of the graph.
func (g *Graph) Model(o Model) []byte {
	var gb []byte
	gb = append(gb, g.nodes...)
	gb = pstr(gb, graphName, o.Name)
	gb = append(gb, g.inits...)
	gb = pmsg(gb, graphInput, valueInfo(o.Input, o.InDims...))
	gb = pmsg(gb, graphOutput, valueInfo(o.Output, o.OutDims...))
	var m []byte
	m = pvarint(m, modelIRVersion, o.IRVersion)
	m = pstr(m, ModelProducerName, o.Producer)
	if o.Doc != "" {
		m = pstr(m, modelDocString, o.Doc)
	}
	m = pmsg(m, ModelGraph, gb)
	return pmsg(m, modelOpsetImport, pvarint(nil, opsetVersion, o.Opset))
}
