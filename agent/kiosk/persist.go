package kiosk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// kept is what the kiosk keeps across restarts (Options.StatePath): the
// central system's lock and referral rate, which came in signed commands
// that are not sent again (a lock lost to a power cut would open a kiosk
// the central system closed), and a technician's maintenance mode (a
// kiosk taken out of service stays out after a reboot). Nothing personal.
type kept struct {
	Locked       bool     `json:"locked"`
	Maintenance  bool     `json:"maintenance"`
	ReferralRate *float64 `json:"referralRate,omitempty"` // set by set-referral-rate; nil = policy's
}

// loadKept reads the kept state. No file is the first start. A file that
// does not read fails closed: the kiosk starts locked, as if the central
// system had locked it, and says why (the central system's unlock, or
// removing the file, ends it).
func loadKept(path string) (kept, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return kept{}, nil
	}
	var s kept
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err = dec.Decode(&s)
		if err == nil && s.ReferralRate != nil && (*s.ReferralRate < 0 || *s.ReferralRate > 1) {
			err = fmt.Errorf("referralRate %v is not within 0..1", *s.ReferralRate)
		}
	}
	if err != nil {
		return kept{Locked: true}, fmt.Errorf("kiosk: the kept state %s does not read (%v): the kiosk stays locked until the central system unlocks it", path, err)
	}
	return s, nil
}

// saveKept writes the kept state whole: a crash leaves the old file or
// the new one, never a part.
func saveKept(path string, s kept) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, append(raw, '\n')); err != nil {
		return fmt.Errorf("kiosk: keep state: %w", err)
	}
	return nil
}

// keep writes the kiosk's current kept state, if it has a StatePath. It
// is called with k.mu not held; an error is logged and returned, and the
// state in memory stands (a lock holds even if it could not be kept).
func (k *Kiosk) keep() error {
	if k.o.StatePath == "" {
		return nil
	}
	k.keepMu.Lock() // one write at a time, each of the state as it is then
	defer k.keepMu.Unlock()
	k.mu.Lock()
	s := kept{Locked: k.locked, Maintenance: k.maintenance, ReferralRate: k.rateSet}
	k.mu.Unlock()
	if err := saveKept(k.o.StatePath, s); err != nil {
		k.log.Error("kiosk: the lock and maintenance state could not be kept across a restart", "err", err)
		return err
	}
	return nil
}
