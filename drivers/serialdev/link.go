package serialdev

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
	"go.bug.st/serial"
)

// Handler receives what a link reads. All calls come from the link's
// goroutine, one at a time.
type Handler interface {
	// Bytes is called with each chunk read, stamped with the time it was read.
	Bytes(p []byte, now time.Time)
	// Deadline is when the handler wants Expire called if no byte arrives
	// before it (a frame timeout or an inter-line silence); zero for never.
	Deadline() time.Time
	// Expire is called once Deadline has passed with nothing read.
	Expire(now time.Time)
	// Reset drops any partial frame; called when the transport was lost.
	Reset()
}

// LinkOptions configures RunLink.
type LinkOptions struct {
	Device string // configured name, for events and logs
	Where  string // the port, for messages
	Open   Opener
	// MinBackoff and MaxBackoff bound the wait between re-open attempts
	// (100 ms and 1 s by default), so a device that comes back is found
	// within MaxBackoff plus the time to open it.
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
	// First, when not nil, is used as the first transport instead of
	// calling Open (a caller that opened the port itself to report errors).
	First Transport
	// OnFault and OnRecovered are called from the link goroutine.
	OnFault     func(*drivers.Error)
	OnRecovered func(after drivers.Code)
	// OnState, when not nil, is called with nil when the transport is
	// opened and with the error whenever it fails.
	OnState func(*drivers.Error)
}

// RunLink opens the transport, feeds h until ctx is done, and survives
// failures: a read error is a fault (code disconnected), an open error is a
// fault with its own code, each outage is reported once through OnFault and
// its end through OnRecovered. RunLink returns when ctx is done, after
// closing the transport and stopping its reader goroutine.
func RunLink(ctx context.Context, o LinkOptions, h Handler) {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var outage drivers.Code // "" while working
	backoff := o.MinBackoff
	first := o.First
	fault := func(e *drivers.Error) {
		if e.Device == "" {
			e.Device = o.Device
		}
		if e.Port == "" {
			e.Port = o.Where
		}
		if o.OnState != nil {
			o.OnState(e)
		}
		if outage == "" {
			outage = e.Kind
			log.Warn("device fault", "device", o.Device, "port", o.Where, "code", string(e.Kind), "err", e.Err)
			if o.OnFault != nil {
				o.OnFault(e)
			}
		} else {
			log.Debug("device still faulty", "device", o.Device, "port", o.Where, "code", string(e.Kind), "err", e.Err)
		}
	}
	for ctx.Err() == nil {
		var t Transport
		var err error
		if first != nil {
			t, first = first, nil
		} else {
			t, err = o.Open()
		}
		if err != nil {
			fault(asDeviceError(err, drivers.CodeIO, "open"))
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, o.MaxBackoff)
			continue
		}
		if o.OnState != nil {
			o.OnState(nil)
		}
		if outage != "" {
			log.Info("device recovered", "device", o.Device, "port", o.Where, "after", string(outage))
			if o.OnRecovered != nil {
				o.OnRecovered(outage)
			}
			outage = ""
		}
		openedAt := time.Now()
		err = serve(ctx, t, h)
		h.Reset()
		if ctx.Err() != nil {
			return
		}
		fault(asDeviceError(err, drivers.CodeDisconnected, "read"))
		// A port that failed soon after opening (a flaky cable, a device
		// that resets) is retried ever more slowly, so that it does not
		// flood the central system with fault/recovered pairs.
		if time.Since(openedAt) < 2*o.MaxBackoff {
			backoff = min(backoff*2, o.MaxBackoff)
		} else {
			backoff = o.MinBackoff
		}
		if !sleep(ctx, backoff) {
			return
		}
	}
}

func asDeviceError(err error, kind drivers.Code, op string) *drivers.Error {
	var e *drivers.Error
	if errors.As(err, &e) {
		c := *e
		return &c
	}
	var pe *serial.PortError
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || (errors.As(err, &pe) && pe.Code() == serial.PortClosed) {
		err = fmt.Errorf("the port went away (unplugged, or the pseudo-terminal closed): %w", err)
	}
	return &drivers.Error{Kind: kind, Op: op, Err: err}
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

type chunk struct {
	p   []byte
	at  time.Time
	err error
}

// serve reads t until it fails or ctx is done; it always closes t and waits
// for its reader goroutine before returning.
func serve(ctx context.Context, t Transport, h Handler) error {
	chunks := make(chan chunk)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := t.Read(buf)
			var c chunk
			if n > 0 {
				c = chunk{p: append([]byte(nil), buf[:n]...), at: time.Now()}
				select {
				case chunks <- c:
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
	finish := func() {
		close(stop)
		t.Close()
		wg.Wait()
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		armed := false
		if d := h.Deadline(); !d.IsZero() {
			timer.Reset(time.Until(d))
			armed = true
		} else {
			timer.Stop()
		}
		var tc <-chan time.Time
		if armed {
			tc = timer.C
		}
		select {
		case <-ctx.Done():
			finish()
			return nil
		case c := <-chunks:
			if c.err != nil {
				finish()
				return c.err
			}
			h.Bytes(c.p, c.at)
		case now := <-tc:
			h.Expire(now)
		}
	}
}
