#!/usr/bin/env bash
# Benchmarks `xpt-kiosk mrz parse --jsonl` against the best-known JavaScript
# MRZ parser (the npm package `mrz`, by cheminfo) on the same documents, in
# the same run, and prints both medians and the ratio.
#
# Usage: scripts/bench-mrz-cli.sh [DOCS] [RUNS]     (default 200000 docs, 5 runs)
#   BENCH_DIR   scratch directory (default /tmp/xpt-bench-mrz): the input,
#               a package.json and node_modules for the npm package live there
#   MRZ_NPM     npm version spec to install (default mrz@5)
#
# Not part of `make test`: it needs the npm registry the first time and takes
# a minute. Both parsers read the same JSONL file (one JSON array of lines
# per document, mixed TD1/TD2/TD3/MRVA/MRVB/French ID from
# `xpt-kiosk mrz generate --random`, whose mix stays on these formats, the
# same for the same seed, now that Generate also writes the driving
# licences and the Slovak card) and write one JSON result per line.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCS=${1:-200000}
RUNS=${2:-5}
WORK=${BENCH_DIR:-/tmp/xpt-bench-mrz}
PKG=${MRZ_NPM:-mrz@5}
mkdir -p "$WORK"

command -v node >/dev/null || { echo "bench-mrz-cli: node is not installed (apt-get install nodejs npm)" >&2; exit 2; }

echo "== building bin/xpt-kiosk"
go build -tags pebblegozstd -o bin/xpt-kiosk ./cmd/xpt-kiosk

if [ ! -d "$WORK/node_modules/mrz" ]; then
  echo "== installing $PKG into $WORK"
  [ -f "$WORK/package.json" ] || printf '{"name":"xpt-bench-mrz","private":true}\n' >"$WORK/package.json"
  (cd "$WORK" && npm install --no-audit --no-fund --silent "$PKG")
fi
JSVER=$(node -e "console.log(require('$WORK/node_modules/mrz/package.json').version)")

cat >"$WORK/parse.mjs" <<'JS'
// One JSON array of MRZ lines per input line, one JSON result per output
// line, like `xpt-kiosk mrz parse --jsonl`.
import { readFileSync, writeSync } from 'node:fs';
import { parse } from 'mrz';
const input = readFileSync(process.argv[2], 'utf8');
let out = [];
let flushed = 0;
for (const line of input.split('\n')) {
  if (line === '') continue;
  let res;
  try {
    const r = parse(JSON.parse(line));
    res = { format: r.format, valid: r.valid, fields: r.fields };
  } catch (e) {
    res = { format: '', valid: false, error: String(e.message) };
  }
  out.push(JSON.stringify(res));
  if (out.length === 4096) { writeSync(1, out.join('\n') + '\n'); flushed += out.length; out = []; }
}
if (out.length) writeSync(1, out.join('\n') + '\n');
JS

IN="$WORK/docs-$DOCS.jsonl"
if [ ! -s "$IN" ]; then
  echo "== generating $DOCS documents"
  bin/xpt-kiosk mrz generate --random "$DOCS" --seed 1 >"$IN"
fi

now() { date +%s%N; }
go_run() { bin/xpt-kiosk mrz parse --jsonl --today 2026-11-26 <"$IN" >"$WORK/go.out"; }
js_run() { (cd "$WORK" && node parse.mjs "$IN" >"$WORK/js.out"); }

echo "== warm-up"
go_run; js_run
echo "   xpt-kiosk: $(grep -c '"valid":true' "$WORK/go.out") of $(wc -l <"$WORK/go.out") valid"
echo "   mrz $JSVER: $(grep -c '"valid":true' "$WORK/js.out") of $(wc -l <"$WORK/js.out") valid (it rejects UTO, XXA and other ICAO codes it does not list)"

GO_T=(); JS_T=()
for i in $(seq "$RUNS"); do
  t0=$(now); go_run; t1=$(now); js_run; t2=$(now)
  GO_T+=($(( (t1 - t0) / 1000000 ))); JS_T+=($(( (t2 - t1) / 1000000 )))
  echo "   run $i: xpt-kiosk ${GO_T[-1]} ms, mrz (node) ${JS_T[-1]} ms"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
GM=$(median "${GO_T[@]}"); JM=$(median "${JS_T[@]}")
echo
echo "documents:           $DOCS ($(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
echo "xpt-kiosk median:    $GM ms  ($(( DOCS * 1000 / (GM > 0 ? GM : 1) )) docs/s)"
echo "mrz $JSVER median:   $JM ms  (node $(node --version))"
awk -v g="$GM" -v j="$JM" 'BEGIN { printf "ratio:               %.1fx faster\n", j / (g > 0 ? g : 1) }'
