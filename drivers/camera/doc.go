// Package camera captures frames from a GStreamer pipeline into OpenCV
// Mats: a USB camera (v4l2), GStreamer's test source, images or videos
// played in a loop (the simulated camera) or any launch string. It keeps
// only the latest frame, reports failures as drivers.Fault and
// drivers.Recovered events and rebuilds the pipeline with back-off; it also
// serves an MJPEG preview for the technician console.
//
// Face detection, quality, capture and verification live in the
// subpackage face, which takes frames from anything with a Next method.
//
// This is a cgo leaf package (go-gst, gocv): nothing in the core imports
// it; cmd wires it to the agent through the interfaces in package drivers.
package camera
