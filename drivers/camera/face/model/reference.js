// The reference descriptors: face-api.js's own FaceRecognitionNet, on the
// pure-JavaScript CPU backend of its TensorFlow.js (no native code), with
// the weights make deps installs. Used by the tests to check the ONNX
// conversion (go test ./drivers/camera/face -run TestModelMatchesFaceAPI).
//
//   node reference.js WEIGHTS_DIR CROP.rgb...   (150x150x3 raw RGB bytes each)
//
// prints a JSON array of descriptors, one per crop.
'use strict';
const fs = require('fs');
const path = require('path');
const faceapi = require('face-api.js');
const tf = faceapi.tf;

async function main() {
  const [dir, ...crops] = process.argv.slice(2);
  if (!dir || crops.length === 0) {
    console.error('usage: node reference.js WEIGHTS_DIR CROP.rgb...');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8'));
  const weightMap = {};
  for (const group of manifest) {
    const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    Object.assign(weightMap, tf.io.decodeWeights(ab, group.weights));
  }
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weightMap);
  const out = [];
  for (const f of crops) {
    const b = fs.readFileSync(f);
    if (b.length !== 150 * 150 * 3) throw new Error(f + ': not a 150x150 RGB crop');
    const t = tf.tensor3d(new Uint8Array(b), [150, 150, 3], 'int32');
    const d = await net.computeFaceDescriptor(t);
    t.dispose();
    out.push(Array.from(d));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
