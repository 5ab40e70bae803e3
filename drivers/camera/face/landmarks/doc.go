// Package landmarks finds the 68 face landmarks of dlib's shape predictor
// in pure Go (standard library only, no cgo), and computes dlib's
// face-chip alignment from them.
//
// # Model
//
// The model is dlib's shape_predictor_68_face_landmarks.dat as Debian's
// libdlib-data package installs it, /usr/share/dlib; this package never
// downloads it. Load (or Read) decodes dlib's portable serialization
// (dlib/serialize.h: integers as a sign-and-length byte and their bytes,
// floats as a mantissa and exponent pair); a truncated, corrupt or foreign
// file is an error naming the byte offset, and every count is bounded so a
// corrupt length cannot ask for an absurd allocation.
//
// Licence caveat for deployment: the model was trained on the iBUG 300-W
// face landmark dataset, and dlib's model README (dlib-models, also
// dlib's examples/face_landmark_detection_ex.cpp) states that the licence
// of that dataset excludes commercial use; it adds, at the request of one
// of the dataset's creators, that the trained model therefore can't be
// used in a commercial product, and advises asking a lawyer or Imperial
// College London. Debian's copyright file lists the model file itself as
// CC0. A commercial deployment must settle this before using the package.
//
// # Use
//
// Detect runs the model as dlib's shape_predictor::operator()(img, rect)
// does: a cascade of 15 ensembles of 500 regression trees (Kazemi and
// Sullivan, "One Millisecond Face Alignment with an Ensemble of Regression
// Trees", 2014), started from the mean shape placed in the face box, with
// feature pixels located relative to the current shape by the similarity
// transform from the mean shape, and pixels outside the image read as 0.
// The box is the face detector's rectangle. The model expects boxes
// aligned as dlib's HOG frontal face detector makes them (roughly from the
// eyebrows to the chin, dlib's README says it works less well with
// differently aligned boxes).
//
// ChipTransform is the image-to-chip mapping of dlib's
// get_face_chip_details(shape, size, padding) and get_mapping_to_chip, the
// alignment dlib's face recognition network expects with size 150 and
// padding 0.25; pass it to OpenCV's warpAffine to cut the chip.
//
// # Agreement with dlib and speed
//
// testdata/golden.json holds real dlib 19.24's output (Debian
// libdlib-dev, testdata/oracle) for 7 ORL faces placed on camera-sized
// frames, boxes from dlib's own frontal face detector (one hand-chosen).
// Detect agrees with dlib's unrounded landmarks to 2e-13 px, its rounded
// parts are dlib's exactly, and ChipTransform of those parts agrees with
// dlib's chip mapping to 1.5e-13 (relative; 68- and 5-point templates):
// the float32 arithmetic of dlib's inference is done in the same order, so
// the same pixels are read, and what remains is double rounding in dlib's
// SVD and pseudo-inverse against the closed forms used here.
//
// Measured on this project's build machine (2 vCPU AMD EPYC VM, Go 1.26):
// loading the 99.7 MB model takes about 0.2 s (page cache warm; 67 MB
// held, 173 allocations); Detect takes 2.4 to 3 ms a face (7.9 kB in 4
// allocations, none per tree) in a quiet run, and between about 1.7 and
// 6 ms over many runs, with the load of the shared host. Its time is mostly in fetching the leaves it adds, scattered over
// 65 MB; with the leaves in cache the arithmetic takes about 1 ms.
package landmarks
