package kiosk

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// SetMaintenance takes the kiosk out of service locally (on) or returns
// it to service: a technician's maintenance mode. While on, the kiosk is
// closed to travelers as for the central system's lock (a traveler in
// progress finishes, then the kiosk closes) and reports itself locked with
// the reason "maintenance". It is a flag of its own: returning to service
// never lifts a central lock, and a central unlock does not end a
// maintenance. Both are kept across restarts (Options.StatePath); the
// error is one of keeping it (the mode holds in memory even then).
func (k *Kiosk) SetMaintenance(on bool) error {
	k.mu.Lock()
	was := k.maintenance
	k.maintenance = on
	k.mu.Unlock()
	if was != on {
		if on {
			k.count("maintenance_on")
			k.log.Info("kiosk: out of service for maintenance")
		} else {
			k.count("maintenance_off")
			k.log.Info("kiosk: maintenance over")
		}
	}
	err := k.keep()
	k.refreshState()
	return err
}

// ApplyCommand carries out a verified central command (the link verified
// signature, addressee, expiry and replay). Its error is the rejection reason.
func (k *Kiosk) ApplyCommand(ctx context.Context, cmd wire.Command) error {
	switch cmd.Type {
	case wire.CommandLock:
		k.mu.Lock()
		k.locked = true
		k.mu.Unlock()
	case wire.CommandUnlock:
		k.mu.Lock()
		k.locked = false
		k.mu.Unlock()
	case wire.CommandResync:
		if err := k.o.Replica.Resync(ctx); err != nil {
			return errors.New("resync_failed")
		}
	case wire.CommandSetReferralRate:
		var args struct {
			Rate *float64 `json:"rate"`
		}
		if err := json.Unmarshal(cmd.Args, &args); err != nil || args.Rate == nil || *args.Rate < 0 || *args.Rate > 1 {
			return errors.New("bad_args")
		}
		k.mu.Lock()
		k.rate = *args.Rate
		k.rateSet = args.Rate
		k.mu.Unlock()
	default:
		return errors.New("unknown_command")
	}
	k.count("command_" + cmd.Type)
	if cmd.Type != wire.CommandResync {
		// A lock holds even if it could not be kept; the error is logged.
		_ = k.keep()
	}
	k.refreshState()
	return nil
}
