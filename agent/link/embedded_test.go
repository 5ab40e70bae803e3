package link

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/xpt-pilot/xpt-kiosk/internal/embedbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// The same link runs unchanged against the embedded mochi broker of the demo.
func TestEmbeddedBroker(t *testing.T) {
	b, err := embedbroker.Start(embedbroker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() }) // after the clients' cleanups (LIFO)
	keys, _ := testKeys(t)
	col := collector(t, b.URL())
	tel := make(chan wire.Telemetry, 10)
	sub := central(t, b.URL())
	sub.Subscribe("xpt/v1/kiosks/+/telemetry", 0, func(_ mqtt.Client, m mqtt.Message) {
		var x wire.Telemetry
		if json.Unmarshal(m.Payload(), &x) == nil {
			tel <- x
		}
	}).WaitTimeout(5 * time.Second)
	k := startKiosk(t, "yyz-t1-k11", b.URL(), keys, nil)
	k.waitConnected(t)
	for i := 0; i < 50; i++ {
		k.ob.Append(txEvent(i))
	}
	if !col.WaitFor(10*time.Second, func() bool { return col.Unique(k.id) == 50 }) {
		t.Fatalf("embedded delivery: %v", col.Report(k.id))
	}
	if r := col.Report(k.id); !r.OK() {
		t.Fatal(r)
	}
	if !col.WaitFor(5*time.Second, func() bool { return lastState(col, k.id) == wire.StateOnline }) {
		t.Fatal("no state")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go k.link.RunTelemetry(ctx, 20*time.Millisecond, func() wire.Telemetry { return wire.Telemetry{QueueDepth: k.ob.Depth()} })
	select {
	case x := <-tel:
		if x.KioskID != k.id || x.At == "" {
			t.Fatalf("telemetry %+v", x)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no telemetry")
	}
	cancel()
	k.stop()
}
