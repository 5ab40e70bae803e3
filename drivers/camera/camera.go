package camera

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Camera runs one pipeline (GStreamer's, through its Source) on its own
// goroutine and keeps only the latest frame: the appsink holds at most one buffer and drops older ones,
// and the camera hands frames over through a single slot, so a slow reader
// skips frames instead of queueing them. When the pipeline fails (a bus
// error, end of stream, a vanished device, no frame for StallTimeout) the
// camera reports a drivers.Fault once, rebuilds the pipeline with back-off,
// and reports drivers.Recovered with the first frame after.
type Camera struct {
	cfg    Config
	src    Source
	log    *slog.Logger
	events chan drivers.Event
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	front    Frame  // the latest frame; owned by the camera
	seq      uint64 // number of the frame in front; 0 before the first
	at       time.Time
	newFrame chan struct{} // closed and replaced on each new frame
	health   *drivers.Error
	stats    Stats
	closed   bool
}

// Stats counts what the camera did since it was opened.
type Stats struct {
	Frames        uint64 // frames delivered into the slot
	Starts        uint64 // pipelines started
	Faults        uint64 // outages reported
	Recoveries    uint64 // outages ended
	Loops         uint64 // file source: files played to their end
	EventsDropped uint64 // events not delivered because nobody read Events
}

// eventBuffer bounds the events channel; a reader that does not keep up
// loses events (counted in Stats.EventsDropped), never blocks the camera.
const eventBuffer = 16

// Open validates cfg and starts the camera on src (gstcam.Open passes
// GStreamer). Only configuration errors are returned: a device that is
// missing or fails is reported as a Fault event and retried, so a kiosk
// whose camera is unplugged at boot starts anyway and recovers when it is
// plugged in.
func Open(cfg Config, src Source) (*Camera, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, &drivers.Error{Kind: drivers.CodeConfig, Device: cfg.Name, Op: "configure", Err: errors.New("no frame source")}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Camera{
		cfg:      cfg,
		src:      src,
		log:      cfg.Logger,
		events:   make(chan drivers.Event, eventBuffer),
		cancel:   cancel,
		done:     make(chan struct{}),
		newFrame: make(chan struct{}),
	}
	go c.run(ctx)
	return c, nil
}

// Name is the configured device name ("camera").
func (c *Camera) Name() string { return c.cfg.Name }

// Events delivers Fault and Recovered until Close; then it is closed.
func (c *Camera) Events() <-chan drivers.Event { return c.events }

// Health is nil while the camera works, else the fault it is in.
func (c *Camera) Health() *drivers.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.health
}

// Stats returns the counters.
func (c *Camera) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Close stops the pipeline, waits for the camera's goroutine and frees the
// frame it holds. Readers waiting in Next return a closed error.
func (c *Camera) Close() error {
	c.cancel()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.front = Frame{}
	}
	return nil
}

// Next waits for a frame newer than number after, copies it into dst and
// returns its number. Pass 0 for the latest frame, or the number Next last
// returned for the one after it (frames in between are skipped). Each
// reader keeps its own number, so several readers (face capture, preview)
// share the camera. dst may be nil to wait for a frame without copying it.
func (c *Camera) Next(ctx context.Context, dst *Frame, after uint64) (uint64, error) {
	return c.View(ctx, after, func(f Frame) {
		if dst != nil {
			dst.CopyFrom(f)
		}
	})
}

// View is Next handing the frame to look instead of copying it: look runs
// with the camera's lock held and must not keep f.Pix past its return
// (package cvcam copies it into a Mat there, the one copy a frame needs).
func (c *Camera) View(ctx context.Context, after uint64, look func(f Frame)) (uint64, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return after, &drivers.Error{Kind: drivers.CodeClosed, Device: c.cfg.Name, Op: "read", Err: errors.New("camera closed")}
		}
		if c.seq > after && !c.front.Empty() {
			look(c.front)
			s := c.seq
			c.mu.Unlock()
			return s, nil
		}
		ch := c.newFrame
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return after, ctx.Err()
		case <-c.done:
			c.mu.Lock()
			c.closed = true
			c.front = Frame{}
			c.mu.Unlock()
		}
	}
}

// Reader is one consumer's view of the camera: each Next returns a frame
// newer than the one before.
type Reader struct {
	c   *Camera
	seq uint64
}

// NewReader returns a reader that starts with the latest frame.
func (c *Camera) NewReader() *Reader { return &Reader{c: c} }

// Next copies the next new frame into dst (cvcam.Reader reads Mats).
func (r *Reader) Next(ctx context.Context, dst *Frame) error {
	s, err := r.c.Next(ctx, dst, r.seq)
	r.seq = s
	return err
}

func (c *Camera) emit(ev drivers.Event) {
	select {
	case c.events <- ev:
	default:
		c.mu.Lock()
		c.stats.EventsDropped++
		c.mu.Unlock()
		c.log.Warn("camera event dropped: nobody reads the camera's events", "device", c.cfg.Name)
	}
}

func (c *Camera) run(ctx context.Context) {
	var back Frame
	defer func() {
		close(c.events)
		close(c.done)
	}()
	var outage drivers.Code
	backoff := c.cfg.MinBackoff
	file := 0
	fault := func(e *drivers.Error) {
		if e.Device == "" {
			e.Device = c.cfg.Name
		}
		if e.Port == "" {
			e.Port = c.cfg.where(file)
		}
		c.mu.Lock()
		c.health = e
		first := outage == ""
		if first {
			c.stats.Faults++
		}
		c.mu.Unlock()
		if first {
			outage = e.Kind
			c.log.Warn("camera fault", "device", c.cfg.Name, "code", string(e.Kind), "err", e.Error())
			c.emit(drivers.Fault{Device: c.cfg.Name, Err: e, At: time.Now()})
		} else {
			c.log.Debug("camera still faulty", "device", c.cfg.Name, "code", string(e.Kind), "err", e.Error())
		}
	}
	recovered := func() {
		backoff = c.cfg.MinBackoff
		if outage == "" {
			return
		}
		c.mu.Lock()
		c.health = nil
		c.stats.Recoveries++
		c.mu.Unlock()
		c.log.Info("camera recovered", "device", c.cfg.Name, "after", string(outage))
		c.emit(drivers.Recovered{Device: c.cfg.Name, After: outage, At: time.Now()})
		outage = ""
	}
	for ctx.Err() == nil {
		var pl Stream
		launch, err := c.cfg.launch(file)
		if err == nil {
			c.log.Debug("camera pipeline", "device", c.cfg.Name, "launch", launch)
			pl, err = c.src.Start(launch, c.cfg.StartTimeout)
		}
		if err == nil {
			c.mu.Lock()
			c.stats.Starts++
			c.mu.Unlock()
			err = c.pump(ctx, pl, &back, recovered)
			pl.Stop()
			if ctx.Err() != nil {
				return
			}
			if c.cfg.Source == SourceFile && errors.Is(err, ErrEOS) {
				// The simulated camera plays its files in a loop: the end of
				// one is the start of the next, not a fault.
				c.mu.Lock()
				c.stats.Loops++
				c.mu.Unlock()
				file = (file + 1) % len(c.cfg.Files)
				continue
			}
		}
		fault(asDeviceError(err))
		if c.cfg.Source == SourceFile {
			file = (file + 1) % len(c.cfg.Files)
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, c.cfg.MaxBackoff)
	}
}

// pump moves frames from the pipeline into the slot until the pipeline
// fails or ctx is done. It returns nil only when ctx is done.
func (c *Camera) pump(ctx context.Context, pl Stream, back *Frame, onFrame func()) error {
	const poll = 100 * time.Millisecond
	last := time.Now()
	gotOne := false
	for ctx.Err() == nil {
		if e := pl.BusError(); e != nil {
			return e
		}
		err := pl.Pull(poll, back)
		switch {
		case err == nil:
			now := time.Now()
			last = now
			c.mu.Lock()
			c.front, *back = *back, c.front
			c.seq++
			c.at = now
			c.stats.Frames++
			close(c.newFrame)
			c.newFrame = make(chan struct{})
			c.mu.Unlock()
			if !gotOne {
				gotOne = true
				onFrame()
			}
		case errors.Is(err, ErrNoSample):
			if time.Since(last) > c.cfg.StallTimeout {
				if e := pl.BusError(); e != nil {
					return e
				}
				return &drivers.Error{Kind: drivers.CodeTimeout, Op: "read", Err: errors.New("no frame from the camera in " + c.cfg.StallTimeout.String())}
			}
		case errors.Is(err, ErrEOS):
			if e := pl.BusError(); e != nil && !errors.Is(e, ErrEOS) {
				return e
			}
			return &drivers.Error{Kind: drivers.CodeDisconnected, Op: "read", Err: ErrEOS}
		default:
			return &drivers.Error{Kind: drivers.CodeProtocol, Op: "read", Err: err}
		}
	}
	return nil
}

func asDeviceError(err error) *drivers.Error {
	var e *drivers.Error
	if errors.As(err, &e) {
		c := *e
		return &c
	}
	return &drivers.Error{Kind: drivers.CodeIO, Err: err}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
