package model

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX field numbers (onnx.proto).
const (
	modelIRVersion    = 1
	modelProducerName = 2
	modelDocString    = 6
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

func attrInts(name string, vs ...int64) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTInts)
	for _, v := range vs {
		a = pvarint(a, attrIntsF, v)
	}
	return a
}

func attrInt(name string, v int64) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTInt)
	return pvarint(a, attrI, v)
}

func attrString(name, v string) []byte {
	var a []byte
	a = pstr(a, attrName, name)
	a = pvarint(a, attrType, attrTStr)
	return pstr(a, attrS, v)
}

func attrFloat(name string, v float32) []byte {
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

// graph collects ONNX nodes and initializers.
type graph struct {
	nodes, inits []byte
	n            int
}

func (g *graph) node(op string, in []string, attrs ...[]byte) string {
	g.n++
	return g.named(fmt.Sprintf("%s_%d", op, g.n), op, in, attrs...)
}

// named adds a node whose output is named out.
func (g *graph) named(out, op string, in []string, attrs ...[]byte) string {
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

func (g *graph) init(name string, dims []int64, data []float32) string {
	g.inits = pmsg(g.inits, graphInitializer, tensorProto(name, dims, data))
	return name
}

func (g *graph) model(name, doc, input string, inDims []int64, output string, outDims []int64) []byte {
	var gb []byte
	gb = append(gb, g.nodes...)
	gb = pstr(gb, graphName, name)
	gb = append(gb, g.inits...)
	gb = pmsg(gb, graphInput, valueInfo(input, inDims...))
	gb = pmsg(gb, graphOutput, valueInfo(output, outDims...))
	var m []byte
	m = pvarint(m, modelIRVersion, 4)
	m = pstr(m, modelProducerName, Producer)
	m = pstr(m, modelDocString, doc)
	m = pmsg(m, modelGraph, gb)
	// Opset 9: Pad takes its pads as an attribute, which every OpenCV
	// version reads.
	return pmsg(m, modelOpsetImport, pvarint(nil, opsetVersion, 9))
}

// Producer is the producer_name of the models Convert writes.
const Producer = "xpt-kiosk facemodel"

// Made says whether the ONNX file at path was written by Convert (its
// producer_name is Producer), reading only the fields before the graph.
func Made(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	b := head[:n]
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return false, nil
		}
		b = b[l:]
		if num == modelGraph {
			return false, nil
		}
		if num == modelProducerName && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			return l >= 0 && string(v) == Producer, nil
		}
		l = protowire.ConsumeFieldValue(num, typ, b)
		if l < 0 {
			return false, nil
		}
		b = b[l:]
	}
	return false, nil
}
