#!/usr/bin/env bash
# Benchmarks of the authorization replica (agent/authz) on N synthetic
# records, by default ten million, and a table of the figures.
#
#   scripts/bench-authz.sh                 # 10,000,000 records, 10,000 per batch
#   RECORDS=1000000 scripts/bench-authz.sh # a quicker run
#
# The store is built once through signed batches and kept under
# XPT_BENCH_DIR (default /var/tmp/xpt-authz-bench) with the figures of its
# build (ingest.json): later runs only re-measure look-ups and restarts.
# Remove the directory to measure ingest again. Needs about 600 bytes of
# disk per record (6 GB for ten million) and runs for tens of minutes at
# ten million records: run it niced, when the machine is quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
export XPT_BENCH_RECORDS="${RECORDS:-10000000}"
export XPT_BENCH_BATCH="${BATCH:-10000}"
export XPT_BENCH_DIR="${XPT_BENCH_DIR:-/var/tmp/xpt-authz-bench}"
mkdir -p "$XPT_BENCH_DIR"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "bench-authz: $XPT_BENCH_RECORDS records, $XPT_BENCH_BATCH per batch, store under $XPT_BENCH_DIR" >&2
CGO_ENABLED=0 nice -n 10 go test -run '^$' -bench 'AuthzIngest|AuthzLookup|AuthzRestart' -benchtime 100000x \
  -timeout 4h ./agent/authz | tee "$out" >&2

# One row per figure: benchmark, metric, value.
awk '
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkAuthz/, "", name)
  for (i = 3; i < NF; i += 2) {
    v=$i; u=$(i+1)
    if (u == "ns/op") continue
    printf "%-20s %-16s %s\n", name, u, v
  }
}' "$out" | {
  printf "%-20s %-16s %s\n" "benchmark" "figure" "value"
  printf "%-20s %-16s %s\n" "---------" "------" "-----"
  cat
}
echo
echo "targets: look-up p99 <= 100 us (goal 50), ingest >= 50000 records/s (goal 100000),"
echo "         peak RSS during ingest <= 512 MiB, restart (open + first look-up) <= 1 s"
