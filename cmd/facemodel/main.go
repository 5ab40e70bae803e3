// Command facemodel converts face-api.js's face recognition network
// (TensorFlow.js weights, installed from npm by make deps) into the ONNX
// model the kiosk's face comparator runs with OpenCV's DNN module:
//
//	facemodel [-weights DIR] [-out FILE]
//
// It runs at install time (scripts/deps.sh), never on the kiosk at run
// time; see docs/camera.md.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face/model"
)

func main() {
	weights := flag.String("weights", "drivers/camera/face/model/node_modules/@vladmandic/face-api/model",
		"face-api.js model directory holding "+model.ManifestName+" and its shard")
	out := flag.String("out", "var/models/face_recognition_dlib.onnx", "the ONNX model to write")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: facemodel [-weights DIR] [-out FILE]\n\nConverts face-api.js's face recognition network (TensorFlow.js weights) to ONNX for [face] modelFile.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := model.Convert(*weights, *out); err != nil {
		fmt.Fprintln(os.Stderr, "facemodel:", err)
		os.Exit(1)
	}
	fmt.Println("facemodel: wrote", *out)
}
