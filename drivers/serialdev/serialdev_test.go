package serialdev_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestValidate(t *testing.T) {
	cases := []struct {
		cfg  serialdev.Config
		want []string // substrings of the error; none for a good config
	}{
		{serialdev.Config{Port: "/dev/ttyUSB0"}, nil},
		{serialdev.Config{USB: "0403:6001", Serial: "A10K"}, nil},
		{serialdev.Config{}, []string{"dev.port: set port"}},
		{serialdev.Config{Port: "/dev/x", USB: "0403:6001"}, []string{"not both"}},
		{serialdev.Config{USB: "ftdi"}, []string{`dev.usb: "ftdi" is not VID:PID`}},
		{serialdev.Config{Port: "/dev/x", Serial: "A1"}, []string{"dev.serial:"}},
		{serialdev.Config{Port: "/dev/x", Baud: -3, Parity: "purple", DataBits: 9, StopBits: 3},
			[]string{"dev.baud:", "dev.parity:", "dev.dataBits:", "dev.stopBits:"}},
	}
	for _, c := range cases {
		err := c.cfg.Validate("dev")
		if len(c.want) == 0 {
			if err != nil {
				t.Errorf("%+v: %v", c.cfg, err)
			}
			continue
		}
		if drivers.CodeOf(err) != drivers.CodeConfig {
			t.Errorf("%+v: code %q", c.cfg, drivers.CodeOf(err))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q lacks %q", c.cfg, err, w)
			}
		}
	}
}

func TestResolveUSB(t *testing.T) {
	defer serialdev.SetListPorts(func() ([]serialdev.PortInfo, error) {
		return []serialdev.PortInfo{
			{Path: "/dev/ttyS0"},
			{Path: "/dev/ttyUSB0", USB: true, VID: "0403", PID: "6001", SerialNumber: "A10K"},
			{Path: "/dev/ttyUSB1", USB: true, VID: "0403", PID: "6001", SerialNumber: "B20L"},
			{Path: "/dev/ttyACM0", USB: true, VID: "1A86", PID: "7523"},
		}, nil
	})()
	cases := []struct {
		cfg  serialdev.Config
		path string
		code drivers.Code
	}{
		{serialdev.Config{Port: "/dev/anything"}, "/dev/anything", ""},
		{serialdev.Config{USB: "1a86:7523"}, "/dev/ttyACM0", ""},
		{serialdev.Config{USB: "0403:6001", Serial: "B20L"}, "/dev/ttyUSB1", ""},
		{serialdev.Config{USB: "0403:6001"}, "", drivers.CodeConfig}, // ambiguous
		{serialdev.Config{USB: "0403:6001", Serial: "nope"}, "", drivers.CodeNotFound},
		{serialdev.Config{USB: "dead:beef"}, "", drivers.CodeNotFound},
	}
	for _, c := range cases {
		path, err := serialdev.Resolve(c.cfg)
		if path != c.path || drivers.CodeOf(err) != c.code {
			t.Errorf("%+v: %q %v, want %q code %q", c.cfg, path, err, c.path, c.code)
		}
		if err != nil && !strings.Contains(err.Error(), "devices list") {
			t.Errorf("%+v: the error does not say what to try: %v", c.cfg, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	cases := []struct {
		port string
		code drivers.Code
	}{
		{filepath.Join(dir, "missing"), drivers.CodeNotFound},
		{plain, drivers.CodeConfig}, // not a tty
	}
	for _, c := range cases {
		p, err := serialdev.Open(serialdev.Config{Port: c.port})
		if err == nil {
			p.Close()
		}
		if drivers.CodeOf(err) != c.code {
			t.Errorf("%s: %v (code %q), want %q", c.port, err, drivers.CodeOf(err), c.code)
		}
	}
}

// handler records what a link gives it.
type handler struct {
	mu    sync.Mutex
	bytes []byte
	reset int
}

func (h *handler) Bytes(p []byte, _ time.Time) {
	h.mu.Lock()
	h.bytes = append(h.bytes, p...)
	h.mu.Unlock()
}
func (h *handler) Deadline() time.Time { return time.Time{} }
func (h *handler) Expire(time.Time)    {}
func (h *handler) Reset()              { h.mu.Lock(); h.reset++; h.mu.Unlock() }
func (h *handler) got() string         { h.mu.Lock(); defer h.mu.Unlock(); return string(h.bytes) }

// TestDeviceOverPipe runs a device on in-memory pipes: the transport is
// injected, and an opener that fails for a while is a fault with a code,
// reported once, then recovered.
func TestDeviceOverPipe(t *testing.T) {
	var mu sync.Mutex
	var far net.Conn
	var fail atomic.Bool
	opened := make(chan struct{}, 10)
	open := func() (serialdev.Transport, error) {
		if fail.Load() {
			return nil, &drivers.Error{Kind: drivers.CodeNotFound, Op: "open", Err: errors.New("gone")}
		}
		a, b := net.Pipe()
		mu.Lock()
		far = b
		mu.Unlock()
		opened <- struct{}{}
		return a, nil
	}
	h := &handler{}
	d := serialdev.NewDevice("pipe", 4)
	d.Start(serialdev.LinkOptions{Where: "pipe", Open: open, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, h)
	<-opened
	mu.Lock()
	far.Write([]byte("hello"))
	mu.Unlock()
	waitFor(t, func() bool { return h.got() == "hello" })
	if d.Health() != nil {
		t.Fatalf("health %v", d.Health())
	}

	fail.Store(true)
	mu.Lock()
	far.Close() // the device goes away
	mu.Unlock()
	ev := <-d.Events()
	f, ok := ev.(drivers.Fault)
	if !ok || f.Err.Code() != drivers.CodeDisconnected || f.Device != "pipe" {
		t.Fatalf("event %#v", ev)
	}
	time.Sleep(200 * time.Millisecond) // several failed re-opens: still one fault
	if h := d.Health(); h == nil || h.Code() != drivers.CodeNotFound {
		t.Fatalf("health while away %v", h)
	}
	fail.Store(false)
	ev = <-d.Events()
	if r, ok := ev.(drivers.Recovered); !ok || r.After != drivers.CodeDisconnected {
		t.Fatalf("event %#v", ev)
	}
	<-opened
	if s := d.Stats(); s.Faults != 1 || s.Reconnects != 1 {
		t.Fatalf("stats %+v", s)
	}
	d.Close()
	if _, ok := <-d.Events(); ok {
		t.Fatal("events not closed")
	}
	if h.reset == 0 {
		t.Fatal("handler not reset after the loss")
	}
	d.Close() // twice is fine
}

// TestCloseUnblocksEmit: Close returns even when nobody reads the events
// and the link's goroutine waits to emit its fault on the full channel.
// The port's open waits until the test has filled the one buffered slot,
// so the link's fault is the event that has to wait.
func TestCloseUnblocksEmit(t *testing.T) {
	d := serialdev.NewDevice("x", 1)
	gate := make(chan struct{})
	d.Start(serialdev.LinkOptions{Open: func() (serialdev.Transport, error) {
		<-gate
		return nil, io.ErrUnexpectedEOF
	}, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, &handler{})
	d.Emit(drivers.Recovered{}) // fills the buffer
	close(gate)
	time.Sleep(20 * time.Millisecond) // the link fails to open and waits to emit
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close hangs on a full event channel")
	}
	serialdev.NewDevice("never started", 0).Close()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestFlappingPortBacksOff: a port that fails at once after every open is
// retried ever more slowly, not 10 times a second.
func TestFlappingPortBacksOff(t *testing.T) {
	var opens atomic.Int32
	d := serialdev.NewDevice("flappy", 64)
	d.Start(serialdev.LinkOptions{Open: func() (serialdev.Transport, error) {
		opens.Add(1)
		a, b := net.Pipe()
		b.Close()
		return a, nil
	}, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}, &handler{})
	time.Sleep(time.Second)
	d.Close()
	if n := opens.Load(); n < 3 || n > 16 {
		t.Fatalf("%d opens in a second with back-off capped at 100 ms", n)
	}
}

// TestTap: a tap sees the bytes the handler sees, until it is stopped.
func TestTap(t *testing.T) {
	a, b := net.Pipe()
	opened := make(chan struct{}, 1)
	first := true
	open := func() (serialdev.Transport, error) {
		if !first {
			return nil, &drivers.Error{Kind: drivers.CodeNotFound, Op: "open", Err: errors.New("gone")}
		}
		first = false
		opened <- struct{}{}
		return a, nil
	}
	h := &handler{}
	d := serialdev.NewDevice("pipe", 4)
	defer d.Close()
	var mu sync.Mutex
	var tapped []byte
	stop := d.Tap(func(p []byte, _ time.Time) {
		mu.Lock()
		tapped = append(tapped, p...)
		mu.Unlock()
	})
	d.Start(serialdev.LinkOptions{Where: "pipe", Open: open, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}, h)
	<-opened
	b.Write([]byte("abc"))
	waitFor(t, func() bool { return h.got() == "abc" })
	stop()
	b.Write([]byte("def"))
	waitFor(t, func() bool { return h.got() == "abcdef" })
	mu.Lock()
	defer mu.Unlock()
	if string(tapped) != "abc" {
		t.Fatalf("tapped %q, want abc", tapped)
	}
	b.Close()
}
