#!/usr/bin/env bash
# Browser tests of the kiosk's screens: builds the server under test, then
# runs the node tests in Debian's Chromium. Screenshots go to
# tests/browser/screenshots/ (not committed).
#   XPT_UI_CMD='bin/xpt-kiosk run --demo --listen {addr}' tests/browser/run.sh
# runs them against another server ({addr} is host:port).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -x "${XPT_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "browser tests: no Chromium at ${XPT_CHROMIUM:-/usr/bin/chromium} (run scripts/deps.sh)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent)
fi
if [ -z "${XPT_UI_CMD:-}" ]; then
  mkdir -p "$here/.build"
  CGO_ENABLED=0 go build -o "$here/.build/uidev" ./ui/uitest/cmd/uidev
  export XPT_UI_BIN="$here/.build/uidev"
fi
rm -rf "$here/screenshots"
cd "$here"
exec node --test --test-concurrency=1 .
