package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/fleet"
)

const simFleetUsage = `Usage: xpt-kiosk sim fleet --kiosks N [--broker URL] [--events-per-kiosk M] [--duration D]

N simulated kiosks (real paho clients publishing through the real outbox) against one broker;
restarts the broker mid-run, then reports the reconnect spread and checks that no event was lost.
`

func runSimFleet(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("sim fleet", simFleetUsage, stderr)
	kiosks := fs.Int("kiosks", 100, "number of simulated kiosks")
	broker := fs.String("broker", "", "broker URL (tcp://127.0.0.1:1883); empty: start a private Mosquitto and restart it mid-run")
	events := fs.Int("events-per-kiosk", 10, "events each kiosk produces")
	duration := fs.Duration("duration", 30*time.Second, "how long events are produced")
	restartAt := fs.Duration("restart-at", -1, "restart the broker this long into the run (default: half of --duration; 0: never)")
	down := fs.Duration("down", 5*time.Second, "how long the private broker stays down at the restart")
	restartCmd := fs.String("restart-cmd", "", "with --broker: shell command that restarts that broker")
	ramp := fs.Duration("ramp", 0, "spread the kiosks' first connects over this long (default 2ms per kiosk)")
	dataDir := fs.String("data", "", "directory for the kiosks' outboxes (default: a temp dir, removed afterwards)")
	backoffBase := fs.Duration("backoff-base", 500*time.Millisecond, "reconnect back-off base")
	backoffMax := fs.Duration("backoff-max", 15*time.Second, "reconnect back-off cap")
	verbose := fs.Bool("v", false, "log the kiosks' links")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *restartAt < 0 {
		*restartAt = *duration / 2
	}
	if *broker != "" && *restartAt > 0 && *restartCmd == "" {
		fmt.Fprintln(stderr, "xpt-kiosk sim fleet: an external --broker is restarted only with --restart-cmd; no restart this run")
		*restartAt = 0
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	ctx, stop := signalContext()
	defer stop()
	res, err := fleet.RunSim(ctx, fleet.SimConfig{Kiosks: *kiosks, Broker: *broker, EventsPerKiosk: *events, Duration: *duration,
		RestartAt: *restartAt, RestartCmd: *restartCmd, Down: *down, Ramp: *ramp, DataDir: *dataDir, BackoffBase: *backoffBase,
		BackoffMax: *backoffMax, Log: log, Progress: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim fleet: %v\n", err)
		return exitFail
	}
	if !res.WriteReport(stdout) {
		return exitFail
	}
	return exitOK
}
