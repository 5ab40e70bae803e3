#!/usr/bin/env bash
# Figures of the durable outbox and the MQTT link (issue 7), on this machine:
#   1. durable Appends alone (group commit): events/s, p50/p99 added latency
#   2. durable events end to end into a real Mosquitto (acknowledged by it)
#   3. with --fleet N: `xpt-kiosk sim fleet` with N kiosks and a broker
#      restart in the middle (reconnect spread, loss check)
# Every benchmark runs COUNT times (default 5); the medians are printed.
#
#   scripts/bench-outbox.sh                 # 1 and 2
#   scripts/bench-outbox.sh --fleet 2000    # 1, 2 and the fleet
#   COUNT=3 EVENTS=3000 scripts/bench-outbox.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
EVENTS=${EVENTS:-5000}
FLEET=0
FLEET_EVENTS=${FLEET_EVENTS:-10}
FLEET_DURATION=${FLEET_DURATION:-60s}
while [ $# -gt 0 ]; do
	case "$1" in
	--fleet) FLEET=$2; shift 2 ;;
	--only-fleet) FLEET=$2; COUNT=0; shift 2 ;;
	*) echo "usage: $0 [--fleet N] [--only-fleet N]" >&2; exit 2 ;;
	esac
done
[ -x /usr/sbin/mosquitto ] || { echo "mosquitto is not installed (apt-get install mosquitto)" >&2; exit 2; }

# medians BENCHFILE: for every benchmark and metric, the median over runs.
medians() {
	awk '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 3; i + 1 <= NF; i += 2) { key = name " " $(i+1); vals[key] = vals[key] " " $i; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
	}
	END {
		for (k = 1; k <= n; k++) {
			key = order[k]; m = split(substr(vals[key], 2), a, " ")
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
			split(key, p, " "); printf "  %-48s %-16s median %10.3f   (runs: %s)\n", p[1], p[2], med, substr(vals[key], 2)
		}
	}' "$1"
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "$COUNT" -gt 0 ]; then
	echo "== outbox: durable Append (fsync, group commit), $EVENTS events x $COUNT runs"
	nice go test -run '^$' -bench 'BenchmarkAppend$' -benchtime "${EVENTS}x" -count "$COUNT" ./agent/outbox/ | tee "$out/outbox.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
	medians "$out/outbox.txt"
	echo
	echo "== outbox: latency one session adds (an Append every 10 ms, delivered and wiped behind it), against a raw write+fdatasync every 10 ms, ${PACED:-1000} events x $COUNT runs"
	nice go test -run '^$' -bench 'BenchmarkAppendPaced|BenchmarkRawFdatasyncPaced' -benchtime "${PACED:-1000}x" -count "$COUNT" ./agent/outbox/ | tee "$out/paced.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
	medians "$out/paced.txt"
	echo
	echo "== link: durable events into Mosquitto (acknowledged), $EVENTS events x $COUNT runs"
	nice go test -run '^$' -bench 'BenchmarkDurableIntoMosquitto' -benchtime "${EVENTS}x" -count "$COUNT" ./agent/link/ | tee "$out/link.txt" | grep -E '^(Benchmark|ok|FAIL)' || true
	medians "$out/link.txt"
	echo
fi

if [ "$FLEET" -gt 0 ]; then
	echo "== fleet: $FLEET kiosks, $FLEET_EVENTS events each over $FLEET_DURATION, broker restart at half time"
	# Each kiosk holds a socket and two files; Mosquitto one socket per kiosk
	# (it inherits this limit: the private broker is started by the command).
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	echo "   ulimit -n $(ulimit -n)"
	go build -o "$out/xpt-kiosk" ./cmd/xpt-kiosk
	nice "$out/xpt-kiosk" sim fleet --kiosks "$FLEET" --events-per-kiosk "$FLEET_EVENTS" --duration "$FLEET_DURATION" --ramp 10s
fi
