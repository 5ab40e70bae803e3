#!/usr/bin/env bash
# Face verification figures (issue 11, item 5) with the dlib model make deps
# converts (var/models/face_recognition_dlib.onnx, or $XPT_FACE_MODEL):
#   1. the conversion: OpenCV's descriptors against face-api.js's own, on
#      the same crops (cosine, want >= 0.999);
#   2. false match and false non-match rates at the default threshold on
#      every labelled face pair this machine has (docs/camera.md, Figures);
#   3. the time of one 1:1 comparison, live JPEG against a reference JPEG
#      (decode, detection, alignment, two embeddings) and against a stored
#      template, median of 5 rounds of RUNS, by the clock and in CPU time.
# Usage: scripts/bench-face.sh    (RUNS=20 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
echo "== $(date -u +%FT%TZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 1. conversion against face-api.js"
go test -count=1 -run 'TestModelMatchesFaceAPI' -v ./drivers/camera/face/ | grep -E 'cosine|ok|FAIL|SKIP'
echo "== 2. false match / false non-match rates"
XPT_FACE_EVAL=1 go test -count=1 -run 'TestVerifyFigures' -v ./drivers/camera/face/ | grep -vE '^(=== RUN|--- PASS|PASS)'
echo "== 3. one 1:1 comparison (5 rounds of $RUNS; medians)"
nice go test -count=5 -run '^$' -bench 'Compare' -benchtime "${RUNS}x" ./drivers/camera/face/ | tee /tmp/bench-face.$$.txt | grep '^Benchmark' || true
awk '/^BenchmarkCompare/ {
       name=$1; sub(/-[0-9]+$/, "", name); sub(/BenchmarkCompare\//, "", name)
       for (i = 2; i < NF; i++) { if ($(i+1) == "ms/op") ms[name] = ms[name] " " $i; if ($(i+1) == "cpu-ms/op") cpu[name] = cpu[name] " " $i }
     }
     function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
     END { for (k in ms) printf "   %-8s median %6.1f ms by the clock, %6.1f ms of CPU\n", k, median(ms[k]), median(cpu[k]) }' /tmp/bench-face.$$.txt
rm -f /tmp/bench-face.$$.txt
