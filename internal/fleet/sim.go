// Package fleet is the simulated fleet of `xpt-kiosk sim fleet`: N
// lightweight kiosks, each a real paho client publishing through its own
// real outbox, against one broker, with a broker restart in the middle and
// a central listener that checks that no event was lost.
package fleet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/link"
	"github.com/xpt-pilot/xpt-kiosk/agent/link/linktest"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// SimConfig configures a simulated fleet.
type SimConfig struct {
	Kiosks         int
	Broker         string // URL; empty: launch a private Mosquitto
	EventsPerKiosk int
	Duration       time.Duration // how long events are produced
	RestartAt      time.Duration // broker restart after this long (0: none)
	RestartCmd     string        // with an external broker: shell command that restarts it
	Down           time.Duration // a private broker stays down this long at the restart
	Ramp           time.Duration // kiosks start spread over this long
	DataDir        string        // each kiosk gets DataDir/{id}; empty: a temp dir, removed after
	BackoffBase    time.Duration
	BackoffMax     time.Duration
	DrainTimeout   time.Duration
	Log            *slog.Logger
	Progress       io.Writer
}

// SimResult is what the run measured.
type SimResult struct {
	Kiosks          int
	Events          int // durable events in all outboxes
	Received        int // unique events at the listener
	Lost            int // durable but never received
	Duplicates      int
	Conflicts       int
	BadKiosks       []string
	Restarted       bool
	DownFor         time.Duration
	Reconnect       []time.Duration // per kiosk: broker back up -> kiosk reconnected
	NotReconnected  int
	ConnectFailures uint64
	Elapsed         time.Duration
}

type simKiosk struct {
	id   string
	ob   *outbox.Outbox
	l    *link.Link
	mu   sync.Mutex
	ups  []time.Time
	down []time.Time
}

// RunSim runs the fleet and checks delivery.
func RunSim(ctx context.Context, c SimConfig) (*SimResult, error) {
	if c.Kiosks <= 0 {
		return nil, fmt.Errorf("need at least one kiosk")
	}
	if c.EventsPerKiosk <= 0 {
		c.EventsPerKiosk = 10
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.Ramp <= 0 {
		c.Ramp = time.Duration(c.Kiosks) * 2 * time.Millisecond
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 90 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	prog := c.Progress
	if prog == nil {
		prog = io.Discard
	}
	start := time.Now()
	if c.DataDir == "" {
		d, err := os.MkdirTemp("", "xpt-fleet-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		c.DataDir = d
	}
	var broker *testbroker.Broker
	if c.Broker == "" {
		b, err := testbroker.Launch(filepath.Join(c.DataDir, "_mosquitto"), testbroker.Options{})
		if err != nil {
			if err2 := os.MkdirAll(filepath.Join(c.DataDir, "_mosquitto"), 0o700); err2 == nil {
				b, err = testbroker.Launch(filepath.Join(c.DataDir, "_mosquitto"), testbroker.Options{})
			}
			if err != nil {
				return nil, fmt.Errorf("launch mosquitto: %w", err)
			}
		}
		defer b.Stop()
		broker = b
		c.Broker = b.URL()
		fmt.Fprintf(prog, "fleet: private mosquitto on %s\n", c.Broker)
	}
	col, err := linktest.NewCollector(linktest.CollectorOptions{Broker: c.Broker, ClientID: fmt.Sprintf("xpt-fleet-listener-%d", os.Getpid())})
	if err != nil {
		return nil, err
	}
	defer col.Close()

	keys := &wire.KeyRing{}
	kiosks := make([]*simKiosk, c.Kiosks)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var runWG sync.WaitGroup
	defer func() {
		for _, k := range kiosks {
			if k != nil && k.ob != nil {
				k.ob.Close()
			}
		}
	}()
	// Open the kiosks' stores, 16 at a time (each open syncs a few files).
	var openWG sync.WaitGroup
	var openMu sync.Mutex
	var openErr error
	sem := make(chan struct{}, 16)
	for i := range kiosks {
		openWG.Add(1)
		sem <- struct{}{}
		go func() {
			defer openWG.Done()
			defer func() { <-sem }()
			k, err := openSimKiosk(c, i, keys)
			openMu.Lock()
			defer openMu.Unlock()
			if k != nil {
				kiosks[i] = k
			}
			if err != nil && openErr == nil {
				openErr = err
			}
		}()
	}
	openWG.Wait()
	if openErr != nil {
		return nil, openErr
	}
	// Start, ramped.
	for i, k := range kiosks {
		runWG.Add(1)
		go func() { defer runWG.Done(); k.l.Run(rctx) }()
		if c.Ramp > 0 && i%10 == 9 {
			time.Sleep(c.Ramp / time.Duration(c.Kiosks/10+1))
		}
	}
	waitAll := func(d time.Duration) bool {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			n := 0
			for _, k := range kiosks {
				if k.l.Connected() {
					n++
				}
			}
			if n == len(kiosks) {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}
	if !waitAll(60 * time.Second) {
		fmt.Fprintf(prog, "fleet: not every kiosk connected within 60s; continuing\n")
	}
	fmt.Fprintf(prog, "fleet: %d kiosks connected after %v\n", len(kiosks), time.Since(start).Round(time.Millisecond))

	// Produce events.
	genStart := time.Now()
	var genWG sync.WaitGroup
	for _, k := range kiosks {
		genWG.Add(1)
		go func() {
			defer genWG.Done()
			interval := c.Duration / time.Duration(c.EventsPerKiosk)
			time.Sleep(time.Duration(rand.Int64N(int64(interval) + 1)))
			for j := 0; j < c.EventsPerKiosk; j++ {
				if _, err := k.ob.Append(simEvent(j)); err != nil {
					c.Log.Error("fleet: append", "kiosk", k.id, "err", err)
				}
				select {
				case <-time.After(interval):
				case <-rctx.Done():
					return
				}
			}
		}()
	}
	res := &SimResult{Kiosks: len(kiosks)}
	var upAt time.Time
	if c.RestartAt > 0 {
		select {
		case <-time.After(time.Until(genStart.Add(c.RestartAt))):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		t0 := time.Now()
		fmt.Fprintf(prog, "fleet: restarting the broker at %v\n", t0.Sub(genStart).Round(time.Millisecond))
		switch {
		case broker != nil:
			broker.Stop()
			time.Sleep(c.Down)
			if err := broker.Start(); err != nil {
				return nil, fmt.Errorf("restart: %w", err)
			}
		case c.RestartCmd != "":
			if out, err := exec.CommandContext(ctx, "/bin/sh", "-c", c.RestartCmd).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("restart command: %v: %s", err, out)
			}
		}
		upAt = time.Now()
		res.Restarted = true
		res.DownFor = upAt.Sub(t0)
		fmt.Fprintf(prog, "fleet: broker back after %v; waiting for the fleet\n", res.DownFor.Round(time.Millisecond))
		time.Sleep(500 * time.Millisecond) // let every kiosk notice the loss
		waitAll(60 * time.Second)
	}
	genWG.Wait()

	// Drain: every durable event must arrive.
	want := 0
	for _, k := range kiosks {
		want += int(k.ob.LastSeq())
	}
	res.Events = want
	fmt.Fprintf(prog, "fleet: %d durable events; waiting for the listener\n", want)
	col.WaitFor(c.DrainTimeout, func() bool { return col.TotalUnique() >= want })

	// Reconnect spread.
	for _, k := range kiosks {
		k.mu.Lock()
		if res.Restarted {
			var got time.Time
			for _, u := range k.ups {
				if !u.Before(upAt.Add(-time.Second)) {
					got = u
					break
				}
			}
			if got.IsZero() {
				res.NotReconnected++
			} else {
				d := got.Sub(upAt)
				if d < 0 {
					d = 0
				}
				res.Reconnect = append(res.Reconnect, d)
			}
		}
		k.mu.Unlock()
		res.ConnectFailures += k.l.Stats().ConnectFails
	}
	sort.Slice(res.Reconnect, func(i, j int) bool { return res.Reconnect[i] < res.Reconnect[j] })

	for _, k := range kiosks {
		r := col.Report(k.id)
		last := k.ob.LastSeq()
		res.Received += r.Unique
		res.Duplicates += r.Duplicates
		res.Conflicts += r.Conflicts
		lost := int(last) - r.Unique
		if lost < 0 {
			lost = 0
		}
		lost += len(r.Missing)
		res.Lost += lost
		if lost > 0 || r.Conflicts > 0 || r.Max != last {
			res.BadKiosks = append(res.BadKiosks, r.String())
		}
	}
	cancel()
	runWG.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

func openSimKiosk(c SimConfig, i int, keys *wire.KeyRing) (*simKiosk, error) {
	k := &simKiosk{id: fmt.Sprintf("sim-k%05d", i+1)}
	dir := filepath.Join(c.DataDir, k.id)
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: k.id, PortCode: "SIM", AckFlushInterval: time.Second,
		PreallocBytes: -1}) // thousands of outboxes on one disk: no 4 MiB preallocation each
	if err != nil {
		return nil, err
	}
	k.ob = ob
	l, err := link.New(link.Options{KioskID: k.id, PortCode: "SIM", Version: "sim", Broker: c.Broker, Keys: keys,
		StateDir: filepath.Join(dir, "link"), Outbox: ob, BackoffBase: c.BackoffBase, BackoffMax: c.BackoffMax,
		Logger: c.Log, OnConnection: func(up bool, at time.Time) {
			k.mu.Lock()
			if up {
				k.ups = append(k.ups, at)
			} else {
				k.down = append(k.down, at)
			}
			k.mu.Unlock()
		}})
	if err != nil {
		return k, err
	}
	k.l = l
	return k, nil
}

func simEvent(j int) *wire.Event {
	s, th := rand.Float64(), 0.42
	outcome, reasons := wire.OutcomeAdmitted, []string{}
	if s < th {
		outcome, reasons = wire.OutcomeReferred, []string{wire.ReasonFaceMismatch}
	}
	return &wire.Event{Type: wire.EventTransactionCompleted, Transaction: &wire.Transaction{
		ID: wire.NewID(time.Now()), StartedAt: wire.FormatTime(time.Now().Add(-7 * time.Second)), EndedAt: wire.FormatTime(time.Now()),
		Outcome: outcome, Reasons: reasons, Direction: wire.DirUStoCA,
		Document:  &wire.Document{Code: "P", IssuingState: "CAN", Number: fmt.Sprintf("SIM%06d", j), ExpiryDate: "2030-04-15"},
		Holder:    &wire.Holder{Surname: "SIMULATED", GivenNames: "TRAVELER", BirthDate: "1980-01-01", Sex: "X", Nationality: "CAN"},
		Checks:    []wire.Check{{Name: "face.verify", Result: map[bool]string{true: wire.CheckSuccessful, false: wire.CheckFailed}[s >= th], Score: &s, Threshold: &th}},
		TimingsMs: map[string]int64{"document": 800, "face": 3000, "decision": 2},
	}}
}

// WriteReport writes the run's figures to w: delivery, and the reconnect
// spread after the broker's restart, then "OK: no event lost" or "FAIL"
// (an event lost, a seq conflict or a kiosk that did not reconnect), and
// says whether it was OK.
func (r *SimResult) WriteReport(w io.Writer) bool {
	fmt.Fprintf(w, "kiosks %d, durable events %d, received %d unique, lost %d, duplicates %d (same eventId), seq conflicts %d, elapsed %v\n",
		r.Kiosks, r.Events, r.Received, r.Lost, r.Duplicates, r.Conflicts, r.Elapsed.Round(time.Millisecond))
	if r.Restarted {
		rc := r.Reconnect
		fmt.Fprintf(w, "broker restart: down %v; reconnected %d/%d; time from broker up to reconnect: p50 %v p90 %v p99 %v max %v\n",
			r.DownFor.Round(time.Millisecond), len(rc), r.Kiosks,
			Percentile(rc, 0.5).Round(time.Millisecond), Percentile(rc, 0.9).Round(time.Millisecond),
			Percentile(rc, 0.99).Round(time.Millisecond), Percentile(rc, 1).Round(time.Millisecond))
		width := max(100*time.Millisecond, (Percentile(rc, 1) / 20).Round(100*time.Millisecond))
		fmt.Fprintf(w, "reconnect spread (kiosks per %v after the broker was back):\n%s", width, Histogram(rc, width))
	}
	for i, b := range r.BadKiosks {
		if i == 20 {
			fmt.Fprintf(w, "... and %d more\n", len(r.BadKiosks)-20)
			break
		}
		fmt.Fprintln(w, "BAD", b)
	}
	if r.Lost > 0 || r.Conflicts > 0 || r.NotReconnected > 0 {
		fmt.Fprintln(w, "FAIL")
		return false
	}
	fmt.Fprintln(w, "OK: no event lost")
	return true
}

// Percentile of a sorted slice.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p * float64(len(d)-1))
	return d[i]
}

// Histogram renders the reconnect spread in buckets of width.
func Histogram(d []time.Duration, width time.Duration) string {
	if len(d) == 0 {
		return "(no reconnects)\n"
	}
	buckets := map[int]int{}
	maxB := 0
	for _, x := range d {
		b := int(x / width)
		buckets[b]++
		maxB = max(maxB, b)
	}
	peak := 0
	for _, n := range buckets {
		peak = max(peak, n)
	}
	var s strings.Builder
	for b := 0; b <= maxB; b++ {
		n := buckets[b]
		bar := 0
		if peak > 0 {
			bar = n * 50 / peak
		}
		fmt.Fprintf(&s, "  %5.1f-%5.1fs %6d %s\n", (time.Duration(b) * width).Seconds(), (time.Duration(b+1) * width).Seconds(), n, strings.Repeat("#", bar))
	}
	return s.String()
}
