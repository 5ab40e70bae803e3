#!/usr/bin/env bash
# Benchmarks of the authorization replica (agent/authz), by default on ten
# million synthetic records, and a table of the figures.
#
#   scripts/bench-authz.sh                    # 10,000,000 records
#   RECORDS=1000000 scripts/bench-authz.sh    # a quicker run
#
# Environment: RECORDS (records in the look-up store, default 10000000),
# BATCH (records per signed batch, 10000), DELTA (records ingested on top
# of the RECORDS store, 1000000), COLD (records ingested into an empty
# store in a separate run, 0 = skip: the build is that figure),
# XPT_BENCH_DIR (where the store and the signed batches are kept,
# /var/tmp/xpt-authz-bench; the batches take about 600 bytes of disk per
# record and the store about 300; remove the directory to start over).
#
# Separate processes, so that each ingest's peak RSS (VmHWM) is its own:
#   1. build the look-up store from empty through signed batches (the cold
#      load of RECORDS records: ingest rate, peak RSS, disk)
#   2. time look-ups, then restarts with the store's pages dropped
#   3. ingest DELTA records (90% new, 10% updates) into a checkpoint of
#      the store
# The signed batches are made once, before any clock starts (they are the
# central system's work). Heavy at ten million records (minutes, gigabytes
# written): run it when the machine is quiet. It runs niced.
set -euo pipefail
cd "$(dirname "$0")/.."
export XPT_BENCH_RECORDS="${RECORDS:-10000000}"
export XPT_BENCH_BATCH="${BATCH:-10000}"
export XPT_BENCH_DELTA="${DELTA:-1000000}"
export XPT_BENCH_DIR="${XPT_BENCH_DIR:-/var/tmp/xpt-authz-bench}"
COLD="${COLD:-0}"
mkdir -p "$XPT_BENCH_DIR"
bin="$(mktemp)"
out="$(mktemp)"
trap 'rm -f "$bin" "$out"' EXIT
# Built as the agent is (Makefile: cgo, -tags pebblegozstd): with cgo,
# Pebble allocates its block cache and memtables outside the Go heap. A
# CGO_ENABLED=0 build puts them on the heap, under GOMEMLIMIT, and measured
# a delta into ten million records at half the speed (docs/authz.md).
CGO_ENABLED=1 go test -tags pebblegozstd -c -o "$bin" ./agent/authz
echo "bench-authz: store of $XPT_BENCH_RECORDS records under $XPT_BENCH_DIR; batches of $XPT_BENCH_BATCH;" \
  "delta ingest $XPT_BENCH_DELTA" >&2
run() { nice -n 10 "$bin" -test.run '^$' -test.timeout 4h "$@" | tee -a "$out" >&2; }
# The ingests run as the agent does: with a soft Go heap limit (GOMEMLIMIT,
# set in configs/xpt-kiosk.service; docs/authz.md).
export GOMEMLIMIT="${GOMEMLIMIT:-320MiB}"
run -test.bench 'AuthzBuild' -test.benchtime 1x
XPT_BENCH_PREWARM=1 run -test.bench 'AuthzLookup' -test.benchtime 100000x
run -test.bench 'AuthzRestart' -test.benchtime 20x
# The delta opens the store as the agent does, reading its files once
# (the restart benchmark before it dropped them from the page cache).
XPT_BENCH_PREWARM=1 run -test.bench 'AuthzIngestDelta' -test.benchtime 1x
if [ "$COLD" -gt 0 ]; then
  XPT_BENCH_COLD="$COLD" run -test.bench 'AuthzIngestCold' -test.benchtime 1x
fi

awk '
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkAuthz/, "", name)
  for (i = 3; i < NF; i += 2) {
    v=$i; u=$(i+1)
    if (u == "ns/op") continue
    printf "%-22s %-18s %s\n", name, u, v
  }
}' "$out" | {
  printf "%-22s %-18s %s\n" "benchmark" "figure" "value"
  printf "%-22s %-18s %s\n" "---------" "------" "-----"
  cat
}
echo
echo "targets: look-up p99 <= 100 us (goal 50); ingest >= 50000 records/s (goal 100000);"
echo "         peak RSS during ingest <= 512 MiB; restart (open + first look-up, cold cache) <= 1 s"
