package serialdev

import (
	"context"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Device is the part every serial device shares: its event channel, health,
// counters and lifetime. Concrete drivers embed it and give Start a Handler
// that frames the bytes and calls Emit.
type Device struct {
	name   string
	where  string
	events chan drivers.Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	start  sync.Once

	mu      sync.Mutex
	health  *drivers.Error
	framing drivers.Stats
	link    drivers.Stats // Faults, Reconnects

	taps   map[int]func(p []byte, now time.Time)
	tapSeq int
}

// NewDevice returns a device that is not running yet; buffer is the size of
// its event channel (16 when zero).
func NewDevice(name string, buffer int) *Device {
	if buffer <= 0 {
		buffer = 16
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Device{name: name, events: make(chan drivers.Event, buffer), ctx: ctx, cancel: cancel, done: make(chan struct{}),
		health: &drivers.Error{Kind: drivers.CodeNotFound, Device: name, Op: "open", Err: errNotYet}}
}

type notYet struct{}

func (notYet) Error() string { return "not opened yet" }

var errNotYet error = notYet{}

// Start runs the link on its own goroutine until Close.
func (d *Device) Start(o LinkOptions, h Handler) {
	o.Device = d.name
	d.mu.Lock()
	d.where = o.Where
	d.mu.Unlock()
	o.OnFault = func(e *drivers.Error) {
		d.mu.Lock()
		d.link.Faults++
		d.mu.Unlock()
		d.Emit(drivers.Fault{Device: d.name, Err: e, At: time.Now()})
	}
	o.OnRecovered = func(after drivers.Code) {
		d.mu.Lock()
		d.link.Reconnects++
		d.mu.Unlock()
		d.Emit(drivers.Recovered{Device: d.name, After: after, At: time.Now()})
	}
	o.OnState = func(e *drivers.Error) {
		d.mu.Lock()
		d.health = e
		d.mu.Unlock()
	}
	d.start.Do(func() {
		go func() {
			defer close(d.done)
			RunLink(d.ctx, o, tapped{h, d})
		}()
	})
}

// Name is the configured device name.
func (d *Device) Name() string { return d.name }

// Where names the device's port: the configured path or USB selector.
func (d *Device) Where() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.where
}

// Events delivers the device's events; it is closed by Close.
func (d *Device) Events() <-chan drivers.Event { return d.events }

// Health is nil while the port is open and working, else the current fault.
func (d *Device) Health() *drivers.Error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.health
}

// Stats returns the counters so far.
func (d *Device) Stats() drivers.Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.framing
	s.Add(d.link)
	return s
}

// PublishStats records the framing counters (called by the handler).
func (d *Device) PublishStats(s drivers.Stats) {
	d.mu.Lock()
	d.framing = s
	d.mu.Unlock()
}

// Emit delivers ev, waiting for the consumer; it gives up and returns false
// when the device is being closed.
func (d *Device) Emit(ev drivers.Event) bool {
	select {
	case d.events <- ev:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// Close stops the device, closes its port, waits for its goroutines and
// closes the event channel. It may be called more than once.
func (d *Device) Close() error {
	d.once.Do(func() {
		d.cancel()
		d.start.Do(func() { close(d.done) }) // never started
		<-d.done
		d.mu.Lock()
		d.health = &drivers.Error{Kind: drivers.CodeClosed, Device: d.name}
		d.mu.Unlock()
		close(d.events)
	})
	return nil
}

// Tap calls fn with every chunk of bytes the device reads from now on,
// before its framer sees them, until stop is called: the technician's raw
// capture in the running agent, which holds the port. fn runs on the
// device's read goroutine: it must be quick and must not keep p.
func (d *Device) Tap(fn func(p []byte, now time.Time)) (stop func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.taps == nil {
		d.taps = map[int]func([]byte, time.Time){}
	}
	d.tapSeq++
	id := d.tapSeq
	d.taps[id] = fn
	return func() {
		d.mu.Lock()
		delete(d.taps, id)
		d.mu.Unlock()
	}
}

// tapped hands every chunk to the device's taps, then to the handler.
type tapped struct {
	Handler
	d *Device
}

func (t tapped) Bytes(p []byte, now time.Time) {
	t.d.mu.Lock()
	for _, fn := range t.d.taps {
		fn(p, now)
	}
	t.d.mu.Unlock()
	t.Handler.Bytes(p, now)
}
