package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/scanfeed"
	"github.com/xpt-pilot/xpt-kiosk/drivers/scanner"
)

type closer interface{ Close() error }

// spoolRunner stops the spool at shutdown.
type spoolRunner struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *spoolRunner) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// openScanner starts the scanner spool the configuration enables: each
// page read is handed to the kiosk, a passport page as the document, a
// pre-approval letter's QR text for the kiosk to verify against the session.
func openScanner(ctx context.Context, cfg *config.Config, k *kiosk.Kiosk, log *slog.Logger) (closer, error) {
	c := cfg.Devices.Scanner
	if !c.On() {
		k.SetDeviceState("scanner", "spool", "disabled", "", "")
		return nil, nil
	}
	// The spool folder is the installer's (the scanner writes into it): a
	// misspelled spoolDir is a fault on the console, never a new folder.
	if info, err := os.Stat(c.SpoolDir); err != nil || !info.IsDir() {
		msg := fmt.Sprintf("devices.scanner.spoolDir %s is not a folder: create it for the kiosk's user, mode 0700, or fix the path", c.SpoolDir)
		log.Error("scanner: " + msg)
		k.SetDeviceState("scanner", "spool", "fault", "not_found", msg)
		k.DescribeDevice("scanner", "spool", c.SpoolDir, false)
		return nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	sc, err := scanner.New(scanner.Options{DPI: c.DPI, ChildPath: exe, ChildArgs: []string{"scan", rasteriseChildFlag}})
	if err != nil {
		k.SetDeviceState("scanner", "spool", "fault", "config", err.Error())
		return nil, nil
	}
	// What the spool keeps of a scan is sealed with the storage key
	// (run has checked the key already).
	key, err := storageKey(cfg)
	if err != nil {
		return nil, fmt.Errorf("storage.keyFile: %w", err)
	}
	feed := scanfeed.New(k, log)
	sp := &scanner.Spool{Dir: c.SpoolDir, Scanner: sc, Logger: log, KeepFailed: c.KeepFailed.Duration, Key: key,
		Deliver: func(r scanner.Result) { feed.Deliver(scanOf(r)) }}
	k.SetDeviceState("scanner", "spool", "ok", "", "")
	k.DescribeDevice("scanner", "spool", c.SpoolDir, false)
	sctx, cancel := context.WithCancel(ctx)
	run := &spoolRunner{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		if err := sp.Run(sctx); err != nil && sctx.Err() == nil {
			log.Error("scanner spool stopped", "err", err)
			k.SetDeviceState("scanner", "spool", "fault", "io", err.Error())
		}
	}()
	return run, nil
}

// scanOf is what the kiosk's delivery policy (agent/scanfeed) reads of a
// spooled file.
func scanOf(r scanner.Result) scanfeed.Scan {
	s := scanfeed.Scan{ID: r.ID, Kind: r.Kind, Pages: make([]scanfeed.Page, len(r.Pages))}
	if r.Passport != nil {
		s.Passport = r.Passport.Lines
	}
	for i, p := range r.Pages {
		s.Pages[i] = scanfeed.Page{Found: p.Found, Lines: p.Lines}
		for _, q := range p.QR {
			s.Pages[i].QR = append(s.Pages[i].QR, q.Text)
		}
	}
	return s
}
