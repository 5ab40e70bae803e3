// Package face finds the traveler's face in camera frames, rates each
// frame against the capture rules, runs the guided capture window, and
// compares a capture with a reference 1:1.
//
// Detection uses OpenCV cascades (Debian's opencv-data by default). Each
// frame gets a Quality: exactly one face, its size and centring, exposure,
// sharpness (variance of the Laplacian) and whether both eyes were found;
// the first rule it fails gives a guidance Code, with short English and
// French messages in the Guidance table for the traveler screen.
// Detector.Capture keeps the best frame of a window of at most 10 s and
// returns it as JPEG, or a *CaptureError (FACE_CAPTURE_FAILED) with the
// reason.
//
// Verification is a Comparator. Without [face] modelFile the comparator
// is Unsupported: every comparison is not_supported, never a made-up
// score. With a model, ModelComparator runs it through OpenCV's DNN
// module on aligned face crops; OpenCV exceptions are caught in C++
// (dnn.cpp) so a bad model file is an error, not a crash. The kiosk's
// model is the dlib ResNet face descriptor from face-api.js's npm weights,
// converted to ONNX at install time by package model (cmd/facemodel):
// recognised by its producer name, it gets DlibOptions (dlib face chips,
// score 1 - Euclidean distance, DefaultThreshold); other models get
// cosine similarity of L2-normalised embeddings.
//
// Frames come from any FrameSource (cvcam.Reader is one), so the package
// does not depend on GStreamer.
package face
