package cardsim

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// Play dials vpcd again after it hangs up, and reports the dials that fail.
func TestPlayRedials(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan struct{}, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // vpcd hangs up
			accepted <- struct{}{}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var dials atomic.Int32
	failed := make(chan error, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Play(ctx, ln.Addr().String(), &Card{}, func() { dials.Add(1) }, func(err error) { failed <- err })
	}()
	for i := range 2 {
		select {
		case <-accepted:
		case <-time.After(3 * time.Second):
			t.Fatalf("connection %d not made again", i+1)
		}
	}
	ln.Close()
	select {
	case <-failed:
	case <-time.After(3 * time.Second):
		t.Fatal("a failed dial was not reported")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Play did not stop with its context")
	}
	if n := dials.Load(); n < 3 {
		t.Errorf("%d dials", n)
	}
}
