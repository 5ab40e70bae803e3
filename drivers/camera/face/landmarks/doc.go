// Package landmarks finds the 68 face landmarks of dlib's shape predictor
// in pure Go (standard library only, no cgo), and computes dlib's face-chip
// alignment from them.
//
// The model is dlib's shape_predictor_68_face_landmarks.dat as Debian's
// libdlib-data package installs it, /usr/share/dlib; it is never
// downloaded. Load reads dlib's serialization format; Detect runs the
// model as dlib's shape_predictor::operator() does (a cascade of
// ensembles of regression trees, Kazemi and Sullivan 2014); ChipTransform
// is the image-to-chip mapping of dlib's get_face_chip_details.
package landmarks
