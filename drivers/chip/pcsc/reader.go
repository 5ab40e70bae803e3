package pcsc

import (
	"context"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
)

// ChipReader checks ePassport chips on a PC/SC reader: for each traveler it
// waits for the passport, reads and verifies the chip, and lets it go.
type ChipReader struct {
	Socket string        // pcscd's socket (Socket() when empty)
	Reader string        // the reader's name (the first with a card when empty)
	Wait   time.Duration // how long to wait for the passport (10 s when 0)
	Trust  *chip.TrustStore
	Read   chip.ReadOptions
	Verify chip.VerifyOptions
}

// Check waits for a chip, reads it with the printed zone's keys and
// verifies it (chip.ReadAndVerify). It returns the reader used. Faults are
// *drivers.Error values: not_found (no pcscd, no reader), timeout (no
// passport in time), disconnected (taken away mid-read), protocol (BAC or
// PACE refused, secure messaging broken, a malformed file).
func (r *ChipReader) Check(ctx context.Context, printed []string) (*chip.Check, string, error) {
	c, err := Dial(r.Socket)
	if err != nil {
		return nil, "", err
	}
	defer c.Close()
	wait := r.Wait
	if wait == 0 {
		wait = 10 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	st, err := c.WaitCard(wctx, r.Reader)
	if err != nil {
		return nil, "", err
	}
	card, err := c.Connect(st.Name)
	if err != nil {
		return nil, st.Name, err
	}
	defer card.Disconnect(true)
	ts := r.Trust
	if ts == nil {
		ts = chip.NewTrustStore()
	}
	res, err := chip.ReadAndVerify(card, printed, ts, r.Read, r.Verify)
	return res, st.Name, err
}

// Health lists pcscd's readers, for the technician console and telemetry.
func (r *ChipReader) Health() ([]ReaderState, error) {
	c, err := Dial(r.Socket)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Readers()
}
