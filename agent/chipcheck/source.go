package chipcheck

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
)

// Source is where the chip reader finds the passport's chip: pcscd
// (PCSC: a real reader, or vsmartcard's virtual one), or an in-process
// emulated chip (the demo's, which cmd hands in).
type Source interface {
	// Card waits for a chip in the field until ctx ends and connects to
	// it; done disconnects. A reader that cannot be reached is a
	// *drivers.Error other than timeout; no chip in time is timeout.
	Card(ctx context.Context) (t chip.Transport, done func(), err error)
	// Health is nil when the reader is there, else its fault.
	Health() *drivers.Error
	// Kind and Path say what the technician console shows.
	Kind() string
	Path() string
}

// PCSC is a PC/SC reader through pcscd: Socket is pcscd's socket (empty:
// pcsc.Socket()), Reader the reader's name (empty: the first one).
type PCSC struct{ Socket, Reader string }

func (p PCSC) Kind() string { return "pcsc" }
func (p PCSC) Path() string {
	if p.Reader != "" {
		return p.Reader
	}
	if p.Socket != "" {
		return p.Socket
	}
	return pcsc.Socket()
}

func (p PCSC) Card(ctx context.Context) (chip.Transport, func(), error) {
	c, err := pcsc.Dial(p.Socket)
	if err != nil {
		return nil, nil, err
	}
	st, err := c.WaitCard(ctx, p.Reader)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	card, err := c.Connect(st.Name)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	var once sync.Once
	return card, func() {
		once.Do(func() {
			_ = card.Disconnect(true)
			c.Close() // also breaks a Transmit still waiting
		})
	}, nil
}

func (p PCSC) Health() *drivers.Error {
	c, err := pcsc.Dial(p.Socket)
	if err != nil {
		return asDriverError(err, "dial pcscd")
	}
	defer c.Close()
	rs, err := c.Readers()
	if err != nil {
		return asDriverError(err, "list readers")
	}
	for _, r := range rs {
		if p.Reader == "" || r.Name == p.Reader {
			return nil
		}
	}
	what := "pcscd has no reader"
	if p.Reader != "" {
		what = fmt.Sprintf("pcscd has no reader %q", p.Reader)
	}
	return &drivers.Error{Kind: drivers.CodeNotFound, Device: "chipReader", Op: "find reader", Err: errors.New(what)}
}

func asDriverError(err error, op string) *drivers.Error {
	var e *drivers.Error
	if errors.As(err, &e) {
		return e
	}
	return &drivers.Error{Kind: drivers.CodeIO, Device: "chipReader", Op: op, Err: err}
}
