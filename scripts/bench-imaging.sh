#!/usr/bin/env bash
# Benchmarks MRZ reading from images and PDFs: accuracy per degradation level
# and container, and seconds per page, with Tesseract (whole page, MRZ
# character whitelist) on the same image pages in the same run as a baseline.
#
#   scripts/bench-imaging.sh [PAGES_PER_CELL] [OUT_DIR]
#
# PAGES_PER_CELL pages are rendered per format (TD1, TD3), level and
# container (PNG, JPEG, PDF) by imaging/cmd/gendocs into OUT_DIR (default
# var/bench-imaging, ignored by git). A page counts only when every MRZ line
# is exactly right. Set NO_TESSERACT=1 to skip the baseline, XPT_BIN=path to
# measure a binary built elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2}
OUT=${2:-var/bench-imaging}
SEED=${SEED:-424242}
mkdir -p "$OUT"
# XPT_BIN: an already built xpt-kiosk to measure instead of building one
BIN=${XPT_BIN:-$OUT/xpt-kiosk}
if [ -z "${XPT_BIN:-}" ]; then
  echo "bench-imaging: building"
  nice go build -tags pebblegozstd -o "$BIN" ./cmd/xpt-kiosk
fi
if [ ! -f "$OUT/pages/truth.jsonl" ] || [ "$(cat "$OUT/pages/.params" 2>/dev/null)" != "$N $SEED" ]; then
  echo "bench-imaging: rendering pages ($N per format, level and container)"
  rm -rf "$OUT/pages"
  nice go run ./imaging/cmd/gendocs -out "$OUT/pages" -n "$N" -seed "$SEED" -formats TD1,TD3 -ext png,jpg,pdf
  echo "$N $SEED" > "$OUT/pages/.params"
fi
PAGES=$(ls "$OUT"/pages/*.png "$OUT"/pages/*.jpg "$OUT"/pages/*.pdf | sort)
COUNT=$(echo "$PAGES" | wc -l)
echo "bench-imaging: xpt-kiosk mrz read on $COUNT pages"
start=$(date +%s.%N)
# shellcheck disable=SC2086
nice "$BIN" mrz read --json $PAGES > "$OUT/ours.jsonl" 2> "$OUT/ours.stderr" || true
end=$(date +%s.%N)
echo "$start $end" > "$OUT/ours.wall"

: > "$OUT/tesseract.jsonl"
if [ -z "${NO_TESSERACT:-}" ] && command -v tesseract >/dev/null; then
  IMAGES=$(ls "$OUT"/pages/*.png "$OUT"/pages/*.jpg | sort)
  echo "bench-imaging: tesseract on $(echo "$IMAGES" | wc -l) image pages (PDFs: tesseract cannot read them)"
  for f in $IMAGES; do
    t0=$(date +%s.%N)
    txt=$(OMP_THREAD_LIMIT=1 nice tesseract "$f" - --psm 6 -c tessedit_char_whitelist='ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<' 2>/dev/null || true)
    t1=$(date +%s.%N)
    python3 -c 'import json,sys; print(json.dumps({"file":sys.argv[1],"text":sys.argv[2],"s":float(sys.argv[4])-float(sys.argv[3])}))' "$f" "$txt" "$t0" "$t1" >> "$OUT/tesseract.jsonl"
  done
fi

python3 - "$OUT" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
truth = {}
for l in open(os.path.join(out, "pages", "truth.jsonl")):
    t = json.loads(l); truth[t["file"]] = t
ours = {}
for l in open(os.path.join(out, "ours.jsonl")):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    ours.setdefault(os.path.basename(r["file"]), r)
tess = {}
for l in open(os.path.join(out, "tesseract.jsonl")):
    r = json.loads(l); tess[os.path.basename(r["file"])] = r
def ok_ours(name):
    r = ours.get(name)
    return bool(r and r.get("found") and r.get("lines") == truth[name]["lines"])
def ok_tess(name):
    r = tess.get(name)
    if not r: return None
    got = set("".join(x.split()) for x in r["text"].splitlines())
    return all(l in got for l in truth[name]["lines"])
levels = sorted(set(t["level"] for t in truth.values()), key=lambda x: ["clean","skew","rotate","perspective","blur","noise","light","jpeg","hard"].index(x) if x in ["clean","skew","rotate","perspective","blur","noise","light","jpeg","hard"] else 99)
def row(label, names):
    n = len(names)
    a = sum(ok_ours(x) for x in names)
    tn = [x for x in names if x in tess]
    ta = sum(bool(ok_tess(x)) for x in tn)
    ms = [ours[x]["elapsedMs"] for x in names if x in ours]
    med = statistics.median(ms)/1000 if ms else float("nan")
    ts = [tess[x]["s"] for x in tn]
    tmed = statistics.median(ts) if ts else float("nan")
    tcol = f"{ta:3d}/{len(tn):<3d} {100*ta/len(tn):5.1f}%  {tmed:5.2f}" if tn else "      -"
    print(f"{label:<12} {a:4d}/{n:<4d} {100*a/n:5.1f}%  {med:6.3f}   | {tcol}")
print()
print(f"{'':<12} {'xpt-kiosk mrz read':<26} | tesseract (whole page)")
print(f"{'level':<12} {'exact':>9} {'':>6}  {'s/page':>6}   | {'exact':>7} {'':>6} {'s/page':>5}")
names = sorted(truth)
for lv in levels:
    row(lv, [x for x in names if truth[x]["level"] == lv])
print("-" * 70)
for ext in ["png", "jpg", "pdf"]:
    row(ext.upper(), [x for x in names if x.endswith("." + ext)])
for fmt in ["TD1", "TD3"]:
    row(fmt, [x for x in names if truth[x]["format"] == fmt])
row("camera", [x for x in names if truth[x].get("camera")])
print("-" * 70)
row("all", names)
w = open(os.path.join(out, "ours.wall")).read().split()
print(f"\nxpt-kiosk wall clock, one process for all pages (PDF rasterising, decoding and start-up included): {(float(w[1])-float(w[0]))/len(names):.3f} s/page")
print("s/page columns are medians of the per-page elapsedMs (xpt-kiosk: MRZ search and reading after decoding/rasterising; tesseract: whole command)")
PY
