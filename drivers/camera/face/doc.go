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
// Verification is a Comparator. No face-embedding model ships with any
// Debian package, so without [face] modelFile the comparator is
// Unsupported: every comparison is not_supported, never a made-up score.
// With a model, ModelComparator runs it through OpenCV's DNN module on
// aligned face crops and compares embeddings by cosine similarity; OpenCV
// exceptions are caught in C++ (dnn.cpp) so a bad model file is an error,
// not a crash.
//
// Frames come from any FrameSource (camera.Reader is one), so the package
// does not depend on GStreamer.
package face
