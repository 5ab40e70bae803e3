package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
)

// Options are what the kiosk wires in besides the transport.
type Options struct {
	Logger *slog.Logger // nil discards
	Where  string       // the port, for messages
	Layout Layout
	// Timeout, Queue, StatusInterval: as in Config (10 s, 4, 5 s).
	Timeout        time.Duration
	Queue          int
	StatusInterval time.Duration
	// StatusTimeout is how long an answer to DLE EOT is waited for (1 s).
	StatusTimeout time.Duration
	// MinBackoff and MaxBackoff bound re-open attempts (100 ms, 1 s).
	MinBackoff, MaxBackoff time.Duration
	// Buffer is the event channel's size (16).
	Buffer int
}

// Stats counts what a printer did since it was built.
type Stats struct {
	Printed    uint64 `json:"printed"`    // receipts printed
	Failed     uint64 `json:"failed"`     // receipts queued but not printed (a fault, a time-out)
	Refused    uint64 `json:"refused"`    // receipts not queued: the queue was full
	Faults     uint64 `json:"faults"`     // faults reported
	Reconnects uint64 `json:"reconnects"` // re-opens after the port went away
	Stray      uint64 `json:"stray"`      // bytes from the printer that answered no request
}

// Printer is a running ESC/POS receipt printer. It implements
// drivers.ReceiptPrinter.
type Printer struct {
	name   string
	open   serialdev.Opener
	o      Options
	log    *slog.Logger
	events chan drivers.Event
	jobs   chan job
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	health   *drivers.Error
	reported drivers.Code // the fault last reported ("" when none)
	status   Status
	stats    Stats
}

var _ drivers.ReceiptPrinter = (*Printer)(nil)

type job struct {
	r  drivers.Receipt
	at time.Time
}

// Open starts a printer on the serial port cfg describes. A port that is not
// there yet is not an error: the printer reports a fault and keeps trying.
// Only an unusable configuration fails.
func Open(name string, cfg Config, log *slog.Logger) (*Printer, error) {
	cfg.Defaults()
	if err := cfg.Validate("devices." + name); err != nil {
		return nil, err
	}
	return New(name, serialdev.OpenerFor(cfg.Config), Options{Logger: log, Where: cfg.Where(), Layout: cfg.Layout(),
		Timeout: cfg.Timeout, Queue: cfg.Queue, StatusInterval: cfg.StatusInterval, MaxBackoff: cfg.ReconnectMax}), nil
}

// New starts a printer on any transport open returns (a serial port, a
// pseudo-terminal, an in-memory pipe); open is called again after every
// failure.
func New(name string, open serialdev.Opener, o Options) *Printer {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.StatusInterval <= 0 {
		o.StatusInterval = DefaultStatusInterval
	}
	if o.StatusTimeout <= 0 {
		o.StatusTimeout = time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(time.Second, o.MinBackoff)
	}
	if o.Buffer <= 0 {
		o.Buffer = 16
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Printer{name: name, open: open, o: o, log: o.Logger.With("device", name), events: make(chan drivers.Event, o.Buffer),
		jobs: make(chan job, o.Queue), ctx: ctx, cancel: cancel, done: make(chan struct{}),
		health: &drivers.Error{Kind: drivers.CodeNotFound, Device: name, Port: o.Where, Op: "open", Err: errors.New("not opened yet")}}
	go p.run()
	return p
}

// Name is the configured device name.
func (p *Printer) Name() string { return p.name }

// Where names the printer's port.
func (p *Printer) Where() string { return p.o.Where }

// Profile is the printer's profile.
func (p *Printer) Profile() string {
	if p.o.Layout.Profile == "" {
		return ProfileQR
	}
	return p.o.Layout.Profile
}

// Events delivers Printed, Fault and Recovered events until Close.
func (p *Printer) Events() <-chan drivers.Event { return p.events }

// Health is nil while the printer is ready (paper near end included: it
// still prints, and Status says so), else the fault it is in.
func (p *Printer) Health() *drivers.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.health != nil && p.health.Kind == drivers.CodePaperNearEnd {
		return nil
	}
	return p.health
}

// Status is the last real-time status read.
func (p *Printer) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Stats returns the counters so far.
func (p *Printer) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Print queues r and returns at once. It fails only when the queue is full
// (code busy) or the printer is closed.
func (p *Printer) Print(r drivers.Receipt) error {
	if p.ctx.Err() != nil {
		return &drivers.Error{Kind: drivers.CodeClosed, Device: p.name, Op: "print"}
	}
	select {
	case p.jobs <- job{r: r, at: time.Now()}:
		return nil
	default:
		p.mu.Lock()
		p.stats.Refused++
		p.mu.Unlock()
		return &drivers.Error{Kind: drivers.CodeBusy, Device: p.name, Op: "print", Err: fmt.Errorf("%d receipts already wait", cap(p.jobs))}
	}
}

// Close stops the printer, closes its port, waits for its goroutine and
// closes the event channel. Receipts still queued are dropped.
func (p *Printer) Close() error {
	p.once.Do(func() {
		p.cancel()
		<-p.done
		p.mu.Lock()
		p.health = &drivers.Error{Kind: drivers.CodeClosed, Device: p.name}
		p.mu.Unlock()
		close(p.events)
	})
	return nil
}

func (p *Printer) emit(ev drivers.Event) {
	select {
	case p.events <- ev:
	case <-p.ctx.Done():
	}
}

// setHealth records the printer's state and reports a change of fault.
func (p *Printer) setHealth(e *drivers.Error) {
	if e != nil {
		if e.Device == "" {
			e.Device = p.name
		}
		if e.Port == "" {
			e.Port = p.o.Where
		}
	}
	p.mu.Lock()
	p.health = e
	var ev drivers.Event
	switch {
	case e == nil && p.reported != "":
		ev = drivers.Recovered{Device: p.name, After: p.reported, At: time.Now()}
		p.reported = ""
	case e != nil && e.Kind != p.reported:
		ev = drivers.Fault{Device: p.name, Err: e, At: time.Now()}
		p.reported = e.Kind
		p.stats.Faults++
	}
	p.mu.Unlock()
	switch ev := ev.(type) {
	case drivers.Fault:
		p.log.Warn("printer fault", "port", p.o.Where, "code", string(ev.Err.Kind), "err", ev.Err.Err)
		p.emit(ev)
	case drivers.Recovered:
		p.log.Info("printer recovered", "port", p.o.Where, "after", string(ev.After))
		p.emit(ev)
	}
}

func (p *Printer) current() *drivers.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.health
}

// finish reports how a receipt ended.
func (p *Printer) finish(j job, err *drivers.Error) {
	p.mu.Lock()
	if err == nil {
		p.stats.Printed++
	} else {
		p.stats.Failed++
	}
	p.mu.Unlock()
	if err != nil {
		p.log.Warn("receipt not printed", "receipt", j.r.ID, "code", string(err.Kind), "err", err.Err)
	} else {
		p.log.Debug("receipt printed", "receipt", j.r.ID)
	}
	p.emit(drivers.Printed{Device: p.name, ID: j.r.ID, Err: err, At: time.Now()})
}

func (p *Printer) run() {
	defer close(p.done)
	backoff := p.o.MinBackoff
	opened := false
	for p.ctx.Err() == nil {
		t, err := p.open()
		if err != nil {
			p.setHealth(deviceError(err, drivers.CodeIO, "open"))
			if !p.wait(backoff) {
				return
			}
			backoff = min(backoff*2, p.o.MaxBackoff)
			continue
		}
		if opened {
			p.mu.Lock()
			p.stats.Reconnects++
			p.mu.Unlock()
		}
		opened = true
		openedAt := time.Now()
		err = p.serve(t)
		if p.ctx.Err() != nil {
			return
		}
		p.setHealth(deviceError(err, drivers.CodeDisconnected, "read"))
		if time.Since(openedAt) > 2*p.o.MaxBackoff {
			backoff = p.o.MinBackoff
		}
		if !p.wait(backoff) {
			return
		}
		backoff = min(backoff*2, p.o.MaxBackoff)
	}
}

// wait sleeps d while the port is shut, failing the receipts that come in
// meanwhile at once: nobody is helped by a receipt printed minutes late.
func (p *Printer) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return false
		case <-t.C:
			return true
		case j := <-p.jobs:
			p.finish(j, p.current())
		}
	}
}

type chunk struct {
	p   []byte
	err error
}

// serve drives one open transport until it fails or the printer closes; it
// always closes t and waits for its reader before returning.
func (p *Printer) serve(t serialdev.Transport) error {
	chunks := make(chan chunk)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 256)
		for {
			n, err := t.Read(buf)
			if n > 0 {
				select {
				case chunks <- chunk{p: append([]byte(nil), buf[:n]...)}:
				case <-stop:
					return
				}
			}
			if err != nil {
				select {
				case chunks <- chunk{err: err}:
				case <-stop:
				}
				return
			}
		}
	}()
	defer func() {
		close(stop)
		t.Close()
		wg.Wait()
	}()
	s := &session{p: p, t: t, chunks: chunks}
	// Initialise: the printer drops whatever a crash left half sent.
	if err := s.write([]byte{ESC, '@'}, p.o.StatusTimeout); err != nil {
		return err
	}
	if err := s.poll(); err != nil {
		return err
	}
	tick := time.NewTicker(p.o.StatusInterval)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return nil
		case c := <-chunks:
			if c.err != nil {
				return c.err
			}
			s.stray(len(c.p))
		case <-tick.C:
			if err := s.poll(); err != nil {
				return err
			}
		case j := <-p.jobs:
			if err := s.print(j); err != nil {
				return err
			}
		}
	}
}

// session is one open transport.
type session struct {
	p      *Printer
	t      serialdev.Transport
	chunks chan chunk
	last   error // the transport's error, once it failed
}

func (s *session) stray(n int) {
	s.p.mu.Lock()
	s.p.stats.Stray += uint64(n)
	s.p.mu.Unlock()
}

// errNoAnswer is a printer that does not answer DLE EOT: off, or the wrong
// port or baud rate. The port may be fine, so it stays open.
var errNoAnswer = errors.New("no answer to the status request (DLE EOT): is the printer on, and are the port and baud rate right?")

// poll reads the status and records it. Its error is the transport's
// failure; a printer that does not answer is a fault (timeout), not an
// error.
func (s *session) poll() error {
	st, err := s.query()
	if err != nil {
		if s.last != nil {
			return s.last
		}
		if s.p.ctx.Err() == nil {
			s.p.setHealth(err)
		}
		return nil
	}
	s.p.mu.Lock()
	s.p.status = st
	s.p.mu.Unlock()
	if c := st.Code(); c != "" {
		s.p.setHealth(&drivers.Error{Kind: c, Op: "status", Err: errors.New(st.Message())})
	} else {
		s.p.setHealth(nil)
	}
	return nil
}

// query asks DLE EOT 1, 2 and 4 in turn.
func (s *session) query() (Status, *drivers.Error) {
	var st Status
	for _, n := range []byte{StatusPrinter, StatusOffline, StatusPaper} {
		if err := s.drain(); err != nil {
			return st, deviceError(err, drivers.CodeDisconnected, "read")
		}
		if err := s.write([]byte{DLE, EOT, n}, s.p.o.StatusTimeout); err != nil {
			return st, deviceError(err, drivers.CodeDisconnected, "write")
		}
		b, err := s.answer()
		if err != nil {
			return st, err
		}
		st.Set(n, b)
	}
	return st, nil
}

// drain drops what arrived unasked (a late answer to a request that timed
// out), so that it is not taken for the answer to the next one.
func (s *session) drain() error {
	for {
		select {
		case c := <-s.chunks:
			if c.err != nil {
				s.last = c.err
				return c.err
			}
			s.stray(len(c.p))
		default:
			return nil
		}
	}
}

// answer waits for a status byte; other bytes are stray.
func (s *session) answer() (byte, *drivers.Error) {
	timer := time.NewTimer(s.p.o.StatusTimeout)
	defer timer.Stop()
	for {
		select {
		case <-s.p.ctx.Done():
			return 0, &drivers.Error{Kind: drivers.CodeClosed, Op: "status"}
		case <-timer.C:
			return 0, &drivers.Error{Kind: drivers.CodeTimeout, Op: "status", Err: errNoAnswer}
		case c := <-s.chunks:
			if c.err != nil {
				s.last = c.err
				return 0, deviceError(c.err, drivers.CodeDisconnected, "read")
			}
			for _, b := range c.p {
				if IsStatusByte(b) {
					s.stray(len(c.p) - 1)
					return b, nil
				}
			}
			s.stray(len(c.p))
		}
	}
}

// write writes b within d; a write that does not finish in time (flow
// control holding it, a wedged port) fails the transport.
func (s *session) write(b []byte, d time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := s.t.Write(b)
		done <- err
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			s.last = err
		}
		return err
	case <-t.C:
		s.t.Close() // unblocks the write on a serial port
		select {
		case <-done:
		case <-time.After(time.Second):
			// A write that even closing does not end: leave it (it ends
			// with the port) rather than the printer.
		}
		s.last = &drivers.Error{Kind: drivers.CodeTimeout, Op: "write", Err: fmt.Errorf("the port took more than %s to take %d bytes", d, len(b))}
		return s.last
	}
}

// print prints one receipt: status first (a printer out of paper prints
// nothing, and says so), then the bytes, then the status again. Its error
// is the transport's failure.
func (s *session) print(j job) error {
	if age := time.Since(j.at); age > s.p.o.Timeout {
		s.p.finish(j, &drivers.Error{Kind: drivers.CodeTimeout, Op: "print", Err: fmt.Errorf("waited %s for the printer", age.Round(time.Millisecond))})
		return nil
	}
	check := func() (bool, error) {
		if err := s.poll(); err != nil {
			s.p.finish(j, deviceError(err, drivers.CodeDisconnected, "status"))
			return false, err
		}
		if h := s.p.current(); h != nil && h.Kind != drivers.CodePaperNearEnd {
			s.p.finish(j, h)
			return false, nil
		}
		return true, nil
	}
	if ok, err := check(); !ok {
		return err
	}
	remaining := s.p.o.Timeout - time.Since(j.at)
	if err := s.write(Encode(j.r, s.p.o.Layout), max(remaining, time.Second)); err != nil {
		s.p.finish(j, deviceError(err, drivers.CodeDisconnected, "write"))
		return err
	}
	if ok, err := check(); !ok {
		return err
	}
	s.p.finish(j, nil)
	return nil
}

func deviceError(err error, kind drivers.Code, op string) *drivers.Error {
	var e *drivers.Error
	if errors.As(err, &e) {
		c := *e
		return &c
	}
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) {
		err = fmt.Errorf("the port went away (unplugged, or the pseudo-terminal closed): %w", err)
	}
	return &drivers.Error{Kind: kind, Op: op, Err: err}
}
