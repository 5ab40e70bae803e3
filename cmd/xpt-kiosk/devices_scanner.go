package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/drivers/scanner"
)

const devScannerUsage = `Usage: xpt-kiosk devices scanner --config FILE [--json] [ID...]

Lists the scanned files the kiosk's spool could not read: the failed/
folder of [devices.scanner] spoolDir, where each stays for keepFailed
(24h by default) so that a technician can see why. For each: its ID, the
name it arrived with, when it was claimed, when the spool removes it, and
why it could not be read. Nothing personal is printed in the list.

With IDs, reads those files again as the kiosk does (same rasteriser child,
same limits) and prints what it finds as 'xpt-kiosk scan' does, MRZ and
letters included: the pages are personal data, on this terminal only. The
files are not moved, copied or written in clear: a sealed file is opened
as it is read. Use it to see why a scan failed, or whether a fix (another
dpi, a new build) reads it; the traveler rescans at the kiosk. Each read
is written to the kiosk's audit log (kiosk.dataDir/audit.log) first, with
the user who ran it (SUDO_USER, or this process's user); if the log cannot
be written, nothing is read.

The spool is sealed with the storage key ([storage] keyFile): run as the
kiosk's user or root, which can read it.

Exit status: 0 listed, or every ID read; 1 the spool or the audit log cannot
be read or written, an ID is not there or does not read; 2 bad arguments.

Flags:
`

func runDevicesScanner(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("devices scanner", devScannerUsage, stderr)
	cfgPath := fs.String("config", "", "kiosk configuration `file` ([devices.scanner], [storage], [trust.keys])")
	asJSON := fs.Bool("json", false, "the list as one JSON array; a rescan as 'scan --json' (a line a page)")
	ids, code := parseArgs(fs, args, stdout, 0, -1)
	if code >= 0 {
		return code
	}
	if *cfgPath == "" {
		return usageError(fs, "give --config FILE: the kiosk's configuration names the spool and its key")
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %v\n", err)
		return exitUsage
	}
	c := cfg.Devices.Scanner
	if c.SpoolDir == "" {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %s has no [devices.scanner] spoolDir\n", *cfgPath)
		return exitUsage
	}
	if info, err := os.Stat(c.SpoolDir); err != nil || !info.IsDir() {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: devices.scanner.spoolDir %s is not a folder\n", c.SpoolDir)
		return exitFail
	}
	key, err := storageKey(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: storage.keyFile: %v\n", err)
		return exitFail
	}
	sp := &scanner.Spool{Dir: c.SpoolDir, KeepFailed: c.KeepFailed.Duration, Key: key}
	if len(ids) == 0 {
		return listFailed(sp, *asJSON, stdout, stderr)
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %v\n", err)
		return exitFail
	}
	if sp.Scanner, err = scanner.New(scanner.Options{DPI: c.DPI, ChildPath: exe, ChildArgs: []string{"scan", rasteriseChildFlag}}); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %v\n", err)
		return exitFail
	}
	kr, err := cfg.KeyRing()
	if err != nil {
		kr = nil // letters are then reported unverified, with why
	}
	// Reading a failed scan again shows personal data: each read is in
	// the kiosk's audit log, with who ran it, before anything is shown.
	// The log must be the kiosk's own: one this command created (as root,
	// say) would shut the agent out of it.
	auditPath := filepath.Join(cfg.Kiosk.DataDir, audit.FileName)
	if _, err := os.Stat(auditPath); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: no audit log at %s (kiosk.dataDir), so nothing is read: has the kiosk run with this configuration? (%v)\n", auditPath, err)
		return exitFail
	}
	al, err := audit.Open(auditPath)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: the audit log cannot be written, so nothing is read: %v\n", err)
		return exitFail
	}
	defer al.Close()
	who := technician()
	ctx, stop := signalContext()
	defer stop()
	enc := json.NewEncoder(stdout)
	rc := exitOK
	for _, id := range ids {
		pages, err := sp.Rescan(ctx, id)
		entry := audit.Entry{Kind: auditRescan, Account: who, Source: "cli", Detail: fmt.Sprintf("failed scan %s read again: %d page(s)", id, len(pages))}
		if err != nil {
			entry.Detail = fmt.Sprintf("failed scan %s read again: no page shown", id)
			entry.Errors = []string{scanErrorCode(err)}
		}
		if _, _, aerr := al.Append(entry); aerr != nil {
			fmt.Fprintf(stderr, "xpt-kiosk devices scanner: the audit log cannot be written, so %s is not shown: %v\n", id, aerr)
			return exitFail
		}
		if err != nil {
			rc = exitFail
			msg := err.Error()
			var fe *scanner.FileError
			if errors.As(err, &fe) {
				msg = fe.Err.Error()
			}
			fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %s: %s\n", id, msg)
			continue
		}
		for _, p := range pages {
			if err := writePage(stdout, enc, p, checkQRs(p.QR, kr, time.Now()), *asJSON, false); err != nil {
				return exitFail
			}
		}
	}
	return rc
}

// auditRescan is the audit entry kind of a failed scan read again.
const auditRescan = "scanner.rescan"

// technician names who runs the command, for the audit: the user sudo was
// run by, else the process's user.
func technician() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// scanErrorCode is the audit's code for a rescan that showed nothing.
func scanErrorCode(err error) string {
	if errors.Is(err, scanner.ErrNoSuchFailed) {
		return "scanner:not_found"
	}
	return "scanner:unreadable"
}

// listFailed prints failed/: a table, or one JSON array.
func listFailed(sp *scanner.Spool, asJSON bool, stdout, stderr io.Writer) int {
	list, err := sp.Failed()
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk devices scanner: %v\n", err)
		return exitFail
	}
	if asJSON {
		if list == nil {
			list = []scanner.Failed{}
		}
		b, _ := json.MarshalIndent(list, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	dir := sp.FailedDir()
	if len(list) == 0 {
		fmt.Fprintf(stdout, "no unreadable scans in %s\n", dir)
		return exitOK
	}
	keep := strings.TrimSuffix(strings.TrimSuffix(sp.KeepFailed.String(), "0s"), "0m") // 24h, 1h30m
	fmt.Fprintf(stdout, "%d unreadable scan(s) in %s, each kept %s after its claim:\n", len(list), dir, keep)
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCLAIMED (UTC)\tREMOVED AFTER\tSEALED\tWHY")
	for _, f := range list {
		why := f.Error
		if why == "" {
			why = "(unknown: " + f.SidecarError + ")"
		}
		sealed := "no"
		if f.Sealed {
			sealed = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Kept.Format("2006-01-02 15:04"), f.Expires.Format("2006-01-02 15:04"), sealed, why)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "Read one again: xpt-kiosk devices scanner --config FILE ID")
	return exitOK
}
