#!/bin/sh
# Regenerates ../golden.json with real dlib. Needs Debian's libdlib-dev,
# libdlib-data, libblas-dev and liblapack-dev (dlib-1.pc names libblas.so
# and liblapack.so) and g++; the Go tests need none of these.
# Run from anywhere: sh drivers/camera/face/landmarks/testdata/oracle/regen.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
model=/usr/share/dlib/shape_predictor_68_face_landmarks.dat
bin=$(mktemp -d)/oracle
g++ -O2 -std=c++14 -o "$bin" "$here/oracle.cpp" $(pkg-config --cflags --libs dlib-1)
cd "$here/.."
# The native-size ORL image is too small for dlib's detector (80 px
# windows): its box is given by hand.
"$bin" "$model" s1-1.png s1-3.png s2-1.png s2-4.png s3-1.png s3-7.png \
	s2-2-native.png:10,20,80,95 > golden.json.new
mv golden.json.new golden.json
rm -f "$bin"
echo "wrote $(pwd)/golden.json"
