package main

import (
	"context"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

// countingSink passes what central sends to the broker and counts it.
type countingSink struct {
	central.Sink
	n atomic.Int64
}

func (c *countingSink) Publish(topic string, qos byte, retained bool, payload []byte) error {
	c.n.Add(1)
	return c.Sink.Publish(topic, qos, retained, payload)
}

// lostSink is a broker that loses everything: central stores the batches,
// the kiosk never sees them.
type lostSink struct{}

func (lostSink) Publish(string, byte, bool, []byte) error { return nil }
func (lostSink) Flush(time.Duration) error                { return nil }

// TestReplicaThroughMosquittoWithBadTraffic is the issue's own check: the
// central system publishes the population's signed batches to a running
// kiosk through a real broker (Mosquitto), mixed with forged ones, ones
// signed with an unknown key, ones out of order, an old one replayed and
// ones lost on the way (a gap the kiosk must ask to have replayed). The
// replica must end exactly at the central system's seq and record count,
// having rejected every bad message and nothing else; then every traveler
// is presented and each outcome and its reasons are compared with what
// the population expects, and every event reaches the central listener.
func TestReplicaThroughMosquittoWithBadTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	if !testbroker.Available() {
		t.Skip("mosquitto not installed")
	}
	broker := testbroker.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := startTestKiosk(t, ctx, demo.Options{BrokerURL: broker.URL(), NoPublish: true})
	env, c := k.env, k.c
	tech := func() view.Technician {
		var v view.Technician
		c.get("/api/tech", &v)
		return v
	}
	waitFor(t, 15*time.Second, "broker connection", func() bool { return tech().Broker.Connected })

	// The population's records in four parts, each published as batches
	// of four records.
	raw, err := os.ReadFile(env.Records)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(raw)), "\n")
	if len(lines) < 20 {
		t.Fatalf("only %d records", len(lines))
	}
	q := len(lines) / 4
	parts := [][]string{lines[:q], lines[q : 2*q], lines[2*q : 3*q], lines[3*q:]}
	publish := func(what string, part int, sink central.Sink, opt central.PublishOptions) {
		t.Helper()
		opt.BatchSize = 4
		if _, err := central.Publish(ctx, env.Store, env.Signer, strings.NewReader(strings.Join(parts[part], "\n")), sink, opt); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := env.Client.Flush(5 * time.Second); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	bad := &countingSink{Sink: env.Client}

	publish("part 1, in order", 0, env.Client, central.PublishOptions{})
	publish("part 2 forged", 1, bad, central.PublishOptions{Forge: true})
	publish("part 2 under an unknown key", 1, bad, central.PublishOptions{UnknownKey: true, NoHead: true})
	publish("part 2, out of order", 1, env.Client, central.PublishOptions{Reverse: true})
	old := &countingSink{Sink: env.Client}
	publish("part 1 again, an old seq", 0, old, central.PublishOptions{StartSeq: 1, NoHead: true})
	publish("part 3, lost on the way", 2, lostSink{}, central.PublishOptions{})
	publish("part 4, after the gap", 3, env.Client, central.PublishOptions{})
	want := env.Store.State()
	if bad.n.Load() == 0 {
		t.Fatal("no bad message was sent")
	}

	deadline := time.Now().Add(20 * time.Second)
	for a := tech().Authz; a.Seq != want.Seq || a.Records != want.Records; a = tech().Authz {
		if time.Now().After(deadline) {
			t.Fatalf("the replica is at seq %d with %d records (%d rejected); the central system at seq %d with %d\n%s",
				a.Seq, a.Records, a.Rejected, want.Seq, want.Records, k.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Every bad message is rejected, and so is every old batch sent again
	// on the broadcast topic; the replays the kiosk asked for are not.
	if a := tech().Authz; a.Rejected != bad.n.Load()+old.n.Load() {
		t.Errorf("the kiosk rejected %d messages; %d bad ones and %d old ones were sent", a.Rejected, bad.n.Load(), old.n.Load())
	}

	presented, referred, seen := presentAll(t, c, &k.logs)
	if !seen["NOT_AUTHORIZED"] || referred == presented {
		t.Errorf("%d of %d travelers referred; reasons seen %v", referred, presented, seen)
	}
	waitFor(t, 20*time.Second, "events delivered", func() bool {
		rep := env.Ledger.Report()
		k, ok := rep.Kiosk(demo.KioskID)
		return ok && rep.OK && k.Types["transaction.completed"] == presented && k.Types["security.message_rejected"] > 0
	})
	stopAgent(t, cancel, k.done, &k.logs)
}
