package outbox_test

import (
	"context"
	"fmt"
	"os"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func Example() {
	dir, _ := os.MkdirTemp("", "outbox-example")
	defer os.RemoveAll(dir)
	ob, err := outbox.Open(outbox.Options{Dir: dir, KioskID: "yyz-t1-k07", PortCode: "YYZ", PreallocBytes: -1})
	if err != nil {
		panic(err)
	}
	defer ob.Close()

	// A session records its outcome; Append returns once it is on disk.
	seq, _ := ob.Append(&wire.Event{Type: wire.EventDeviceFault, Device: &wire.DeviceEvent{Device: "camera", Code: "timeout"}})
	fmt.Println("durable as seq", seq)

	// The link publishes from the first unacknowledged record and
	// acknowledges each seq on PUBACK.
	recs, _ := ob.Next(context.Background(), ob.Acked(), 100)
	for _, r := range recs {
		ob.Ack(r.Seq)
	}
	fmt.Println("undelivered:", ob.Depth())
	// Output:
	// durable as seq 1
	// undelivered: 0
}
