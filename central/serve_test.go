package central

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

type fakeMsg struct {
	topic   string
	payload []byte
}

func (m fakeMsg) Duplicate() bool   { return false }
func (m fakeMsg) Qos() byte         { return 1 }
func (m fakeMsg) Retained() bool    { return false }
func (m fakeMsg) Topic() string     { return m.topic }
func (m fakeMsg) MessageID() uint16 { return 1 }
func (m fakeMsg) Payload() []byte   { return m.payload }
func (m fakeMsg) Ack()              {}

// fakeBroker records publishes and hands out the subscription handler; its
// Flush blocks until released, so that requests pile up during a replay.
type fakeBroker struct {
	recorder
	mu      sync.Mutex
	handler func(Message)
	gate    chan struct{}
}

func (f *fakeBroker) Subscribe(_ string, _ byte, h func(Message)) error {
	f.mu.Lock()
	f.handler = h
	f.mu.Unlock()
	return nil
}

func (f *fakeBroker) Flush(time.Duration) error {
	if f.gate != nil {
		<-f.gate
	}
	return nil
}

func (f *fakeBroker) send(kiosk string, from uint64) {
	b, _ := json.Marshal(wire.SyncRequest{KioskID: kiosk, FromSeq: from})
	f.mu.Lock()
	h := f.handler
	f.mu.Unlock()
	h(fakeMsg{wire.KioskTopic(kiosk, "sync"), b})
}

func TestSyncServerCoalescesRequests(t *testing.T) {
	s := testSigner(t)
	st, _ := OpenStore(t.TempDir())
	if _, err := Publish(context.Background(), st, s, strings.NewReader(recordsJSONL(t, 1, 50)), nil, PublishOptions{BatchSize: 10}); err != nil {
		t.Fatal(err)
	}
	fb := &fakeBroker{gate: make(chan struct{})}
	srv := &SyncServer{Store: st, Broker: fb}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	fb.gate <- struct{}{} // the head republished at start
	waitFor(t, func() bool { fb.mu.Lock(); defer fb.mu.Unlock(); return fb.handler != nil }, 2*time.Second)
	fb.send("kiosk-a", 4) // being answered, blocked in Flush
	waitFor(t, func() bool { return len(fb.on(wire.KioskTopic("kiosk-a", "authz"))) == 2 }, 2*time.Second)
	fb.send("kiosk-b", 5)
	fb.send("kiosk-b", 2) // merged with the one above: answered once, from 2
	fb.send("kiosk-b", 3)
	fb.gate <- struct{}{} // kiosk-a done
	fb.gate <- struct{}{} // kiosk-b done
	waitFor(t, func() bool { return srv.Stats().Replies == 2 }, 2*time.Second)
	cancel()
	close(fb.gate)
	<-done
	if n := len(fb.on(wire.KioskTopic("kiosk-b", "authz"))); n != 4 {
		t.Fatalf("kiosk-b got %d batches, want 4 (2..5 once)", n)
	}
	if s := srv.Stats(); s.Requests != 4 || s.Batches != 6 {
		t.Fatalf("%+v", s)
	}
}
