package cardsim

import (
	"context"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// Field is an in-process contactless reader's field: the emulated chip
// the demo or a test put there, which Card hands to the kiosk's chip
// check as pcscd hands over a real one. It is a chip source (Card,
// Health, Kind, Path: agent/chipcheck's Source). The zero value is an
// empty field, safe for concurrent use.
type Field struct {
	mu   sync.Mutex
	card *Card         // in the field; nil: none
	seen chan struct{} // closed when a card is put in the field
}

// Put puts c in the field, replacing the chip there; nil empties it.
func (f *Field) Put(c *Card) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.card = c
	if c != nil && f.seen != nil {
		close(f.seen)
		f.seen = nil
	}
}

// InField is the chip in the field (nil: none).
func (f *Field) InField() *Card {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.card
}

// Card is the chip in the field, reset as a chip entering a field is,
// waiting for one until ctx ends (a timeout error then, as a reader's).
func (f *Field) Card(ctx context.Context) (chip.Transport, func(), error) {
	for {
		f.mu.Lock()
		c := f.card
		if f.seen == nil {
			f.seen = make(chan struct{})
		}
		seen := f.seen
		f.mu.Unlock()
		if c != nil {
			c.Reset()
			return c, func() {}, nil
		}
		select {
		case <-seen:
		case <-ctx.Done():
			return nil, nil, &drivers.Error{Kind: drivers.CodeTimeout, Device: "chipReader", Op: "wait for a card", Err: ctx.Err()}
		}
	}
}

// Health is always ready: the field has no hardware to fail.
func (f *Field) Health() *drivers.Error { return nil }

// Kind and Path name the source for the technician console.
func (f *Field) Kind() string { return "cardsim" }
func (f *Field) Path() string { return "in-process emulated ePassport chip" }
