#!/usr/bin/env bash
# Runs every fuzzer of the project (each func FuzzX in a _test.go file) for
# FUZZTIME each, one after another: make fuzz FUZZTIME=60s. New interesting
# inputs go to the Go cache; a failing one to the package's testdata/fuzz,
# which is committed as a regression case.
#
# Minimisation is capped (-fuzzminimizetime): Go's default of 60 s per new
# input made the fuzzers spend most of their time minimising large seeds
# (the example configuration) and report 0 execs/s.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
MINIMIZE=${FUZZMINIMIZE:-3s}
failed=0
while read -r dir; do
  pkg="./${dir#./}"
  tags=pebblegozstd
  cgo=0
  case "$pkg" in ./mrz/ocr*|./drivers/camera*|./drivers/scanner*|./imaging*|./cmd/*) cgo=1 ;; esac
  for fn in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
    echo "== $pkg $fn ($FUZZTIME)"
    if ! CGO_ENABLED=$cgo go test -tags "$tags" -run '^$' -fuzz "^${fn}\$" -fuzztime "$FUZZTIME" \
         -fuzzminimizetime "$MINIMIZE" "$pkg" 2>&1 | tail -3; then
      failed=1
    fi
  done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v node_modules | xargs -n1 dirname | sort -u)
exit $failed
