package main

import (
	"context"
	"log/slog"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
)

type closer interface{ Close() error }

// openScanner starts the scanner spool the configuration enables.
func openScanner(ctx context.Context, cfg *config.Config, k *kiosk.Kiosk, log *slog.Logger) (closer, error) {
	if !cfg.Devices.Scanner.On() {
		k.SetDeviceState("scanner", "spool", "disabled", "", "")
		return nil, nil
	}
	k.SetDeviceState("scanner", "spool", "not_built", "", "the scanner spool is not wired into this build yet")
	return nil, nil
}
