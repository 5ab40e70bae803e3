package camera

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// fakeSource starts streams that deliver frames of one grey value (the
// number of the stream) and end after perStream frames; its first fail
// starts fail. The loop tests run on it without GStreamer.
type fakeSource struct {
	mu        sync.Mutex
	fail      int
	perStream int
	started   int
	launches  []string
}

func (s *fakeSource) Start(launch string, timeout time.Duration) (Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.launches = append(s.launches, launch)
	if s.fail > 0 {
		s.fail--
		return nil, &drivers.Error{Kind: drivers.CodeNotFound, Op: "open", Err: errors.New("no camera")}
	}
	s.started++
	return &fakeStream{left: s.perStream, value: byte(s.started)}, nil
}

type fakeStream struct {
	left  int
	value byte
}

func (f *fakeStream) Pull(timeout time.Duration, dst *Frame) error {
	if f.left == 0 {
		return ErrEOS
	}
	f.left--
	time.Sleep(time.Millisecond)
	dst.Resize(8, 4)
	for i := range dst.Pix {
		dst.Pix[i] = f.value
	}
	return nil
}

func (f *fakeStream) BusError() *drivers.Error { return nil }
func (f *fakeStream) Stop()                    {}

func nextEvent(t *testing.T, c *Camera) drivers.Event {
	t.Helper()
	select {
	case ev := <-c.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no event (health %v, stats %+v)", c.Health(), c.Stats())
	}
	return nil
}

// The loop on a source that cannot start at first: one fault for the
// outage, however many retries, then recovery with the first frame; each
// stream that ends is a disconnection and the next start a recovery. The
// frames come through as they were pulled.
func TestLoopFaultsAndRecovers(t *testing.T) {
	src := &fakeSource{fail: 3, perStream: 1 << 20}
	c, err := Open(Config{Source: SourceTest, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if f, ok := nextEvent(t, c).(drivers.Fault); !ok || f.Err.Code() != drivers.CodeNotFound || f.Err.Device != "camera" || f.Err.Port != "test" {
		t.Fatalf("want a not_found fault on camera/test, got %#v", f)
	}
	if r, ok := nextEvent(t, c).(drivers.Recovered); !ok || r.After != drivers.CodeNotFound {
		t.Fatalf("want recovered after not_found, got %#v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f Frame
	n, err := c.Next(ctx, &f, 0)
	if err != nil || n == 0 || f.Width != 8 || f.Height != 4 || len(f.Pix) != 96 || f.Pix[0] != 1 {
		t.Fatalf("frame %d %dx%d %d bytes value %v: %v", n, f.Width, f.Height, len(f.Pix), f.Pix[:1], err)
	}
	if c.Health() != nil {
		t.Fatalf("health %v", c.Health())
	}
	if s := c.Stats(); s.Faults != 1 || s.Recoveries != 1 || s.Starts != 1 {
		t.Fatalf("stats %+v", s)
	}
	src.mu.Lock()
	launch := src.launches[0]
	src.mu.Unlock()
	if want, _ := (Config{Source: SourceTest}).LaunchString(0); launch != want {
		t.Fatalf("launch %q, want %q", launch, want)
	}
	c.Close()
	if _, err := c.Next(ctx, nil, n); drivers.CodeOf(err) != drivers.CodeClosed {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestLoopEndOfStreamIsDisconnected(t *testing.T) {
	src := &fakeSource{perStream: 3}
	c, err := Open(Config{Source: SourceTest, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if f, ok := nextEvent(t, c).(drivers.Fault); !ok || f.Err.Code() != drivers.CodeDisconnected {
		t.Fatalf("want a disconnected fault, got %#v", f)
	}
	if r, ok := nextEvent(t, c).(drivers.Recovered); !ok || r.After != drivers.CodeDisconnected {
		t.Fatalf("want recovered after disconnected, got %#v", r)
	}
}
