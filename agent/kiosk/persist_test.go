package kiosk

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// rigKept is a rig whose kiosk keeps its state in path.
func rigKept(t *testing.T, path string) *rig {
	t.Helper()
	return newRigWith(t, Policy{RandomReferralRate: 0.02}, func(o *Options) { o.StatePath = path },
		record("XPT-2026-0000123", "L898902C3", nil))
}

// restart stops r's kiosk and starts another on the same kept state.
func restart(t *testing.T, r *rig, path string) *rig {
	t.Helper()
	r.cancel()
	<-r.done
	r.done <- nil // for r's cleanup
	return rigKept(t, path)
}

// A central lock, a referral rate set by command and a technician's
// maintenance mode survive a restart: the commands are not sent again, and
// a kiosk closed for maintenance must not reopen after a power cut.
func TestLockAndMaintenanceSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk-state.json")
	ctx := context.Background()
	r := rigKept(t, path)
	r.waitScreen(view.ScreenWelcome)
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandLock}); err != nil {
		t.Fatal(err)
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandSetReferralRate, Args: json.RawMessage(`{"rate":0.5}`)}); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenClosed)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept state: %v %v", fi, err)
	}

	r = restart(t, r, path)
	r.waitScreen(view.ScreenClosed)
	tech := r.k.Technician()
	if tech.State != wire.StateLocked || tech.Policy.RandomReferralRate != 0.5 {
		t.Fatalf("after a restart: state %s, rate %v", tech.State, tech.Policy.RandomReferralRate)
	}
	// A technician's maintenance does not lift the lock; the unlock
	// does not end the maintenance; both are kept.
	if err := r.k.SetMaintenance(true); err != nil {
		t.Fatal(err)
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandUnlock}); err != nil {
		t.Fatal(err)
	}
	r = restart(t, r, path)
	r.waitScreen(view.ScreenClosed)
	if tech := r.k.Technician(); !tech.Maintenance || tech.State != wire.StateLocked {
		t.Fatalf("after a restart in maintenance: %+v", tech)
	}
	if err := r.k.SetMaintenance(false); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenWelcome)
	r = restart(t, r, path)
	r.waitScreen(view.ScreenWelcome)
	if tech := r.k.Technician(); tech.Maintenance || tech.State == wire.StateLocked || tech.Policy.RandomReferralRate != 0.5 {
		t.Fatalf("after a restart in service: %+v", tech)
	}
}

// A kept state that does not read fails closed: the kiosk starts locked
// (the central system's unlock opens it, and is kept).
func TestUnreadableKeptStateStartsLocked(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":     "\x00\x01not json",
		"unknown key": `{"locked":false,"maintenace":false}`,
		"bad rate":    `{"locked":false,"referralRate":7}`,
		"truncated":   `{"locked":fal`,
		"wrong type":  `{"locked":"no"}`,
		"empty file":  ``,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk-state.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			r := rigKept(t, path)
			r.waitScreen(view.ScreenClosed)
			if st := r.k.Technician().State; st != wire.StateLocked {
				t.Fatalf("state %s", st)
			}
			if err := r.k.ApplyCommand(context.Background(), wire.Command{Type: wire.CommandUnlock}); err != nil {
				t.Fatal(err)
			}
			r.waitScreen(view.ScreenWelcome)
			if s, err := loadKept(path); err != nil || s.Locked {
				t.Fatalf("after the unlock: %+v %v", s, err)
			}
		})
	}
}

// The kept state is written whole or not at all: a directory that cannot
// be written leaves the mode in memory and says so.
func TestKeptStateWriteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "kiosk-state.json")
	r := rigKept(t, path)
	if err := r.k.SetMaintenance(true); err == nil {
		t.Fatal("no error when the state could not be kept")
	}
	r.waitScreen(view.ScreenClosed)
	if !r.k.Technician().Maintenance {
		t.Fatal("maintenance not in force")
	}
}
