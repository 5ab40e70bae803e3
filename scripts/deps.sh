#!/usr/bin/env bash
# Installs, idempotently and without prompts, every Debian and npm package
# the project needs to build, test and run its demo. Safe to run repeatedly:
# it only calls apt-get when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, one per line: what needs it.
APT_PACKAGES=(
  build-essential pkg-config   # cgo
  mosquitto                    # the real broker in integration tests
  socat                        # pseudo-terminal plumbing for technicians' manual tests
  fonts-ocr-b                  # the MRZ font: mrz/ocr renders its character templates from it; test documents
  libopencv-dev                # gocv (mrz/ocr, drivers/scanner, imaging): finding and straightening MRZs and QR codes
  opencv-data                  # OpenCV's cascades and data files
  tesseract-ocr                # the OCR baseline in scripts/bench-imaging.sh (not used at run time)
  chromium                     # browser tests of the screens (tests/browser), never a downloaded browser
  poppler-utils                # pdftoppm: the central tests render letter PDFs at 300 dpi to scan their QR codes
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev   # go-gst (drivers/camera/gstcam): capture pipelines into appsink
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good    # videotestsrc, videoconvert, decodebin, imagefreeze, pngdec, jpegdec, v4l2src (drivers/camera/gstcam)
  libdlib-data                 # dlib's 68-point face landmark model (drivers/camera/face/landmarks reads it in pure Go): the face chips are cut from the landmarks
  pcscd vsmartcard-vpcd        # PC/SC daemon and vsmartcard's virtual reader: the ePassport chip read end to end (drivers/chip/pcsc talks to pcscd's socket in pure Go, so no libpcsclite-dev; the simulated chip is drivers/chip/cardsim, not vicc)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Mosquitto's Debian package starts a system broker on port 1883; the tests
# start their own on free loopback ports and never use it.

# npm packages (browser tests), when the project has them.
if [ -f tests/browser/package.json ]; then
  if [ ! -d tests/browser/node_modules ] || [ tests/browser/package.json -nt tests/browser/node_modules ]; then
    (cd tests/browser && npm install --no-audit --no-fund --silent)
  fi
fi
# The face recognition model (docs/camera.md#the-face-model): face-api.js's
# network (the dlib ResNet face descriptor) from npm, converted to ONNX by
# cmd/facemodel here, at install time; the kiosk never downloads it.
FACE_NPM=drivers/camera/face/model
FACE_MODEL=var/models/face_recognition_dlib.onnx
if [ ! -d $FACE_NPM/node_modules/@vladmandic/face-api ] || [ ! -d $FACE_NPM/node_modules/face-api.js ] || [ $FACE_NPM/package-lock.json -nt $FACE_NPM/node_modules ]; then
  (cd $FACE_NPM && npm ci --no-audit --no-fund --silent && touch node_modules)
fi
if [ ! -s $FACE_MODEL ] || [ -n "$(find $FACE_NPM/node_modules/@vladmandic/face-api/model $FACE_NPM/*.go cmd/facemodel -newer $FACE_MODEL -print -quit)" ]; then
  go run ./cmd/facemodel -weights $FACE_NPM/node_modules/@vladmandic/face-api/model -out $FACE_MODEL
fi
echo "deps: ok"
