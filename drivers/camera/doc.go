// Package camera runs the kiosk's camera: its configuration and the
// GStreamer launch strings of its sources (a USB camera (v4l2),
// GStreamer's test source, images or videos played in a loop (the
// simulated camera) or any launch string), and the loop that keeps only the
// latest frame, reports failures as drivers.Fault and drivers.Recovered
// events and rebuilds the pipeline with back-off. It is pure Go: frames are
// plain BGR bytes (Frame), and the pipelines come from a Source.
//
// The cgo leaves around it:
//   - gstcam is the GStreamer Source (go-gst); gstcam.Open opens a camera
//     on it. It knows nothing of OpenCV.
//   - cvcam reads the camera's frames into OpenCV Mats (gocv) and serves
//     the technician's MJPEG preview. It knows nothing of GStreamer.
//   - face detects, rates, captures and verifies faces in Mats, from
//     anything with a Next method (cvcam.Reader is one).
//   - facecam is the kiosk's camera station: a camera its caller opened,
//     through face (via cvcam), with the preview and the self-test's
//     checks. It knows nothing of GStreamer either.
//
// Nothing in the core imports these; cmd wires them to the agent through
// the interfaces in package drivers.
package camera
