package model

import (
	"io"
	"os"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/internal/onnxpb"
)

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
		if num == onnxpb.ModelGraph {
			return false, nil
		}
		if num == onnxpb.ModelProducerName && typ == protowire.BytesType {
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
