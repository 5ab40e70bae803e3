package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

const simPrinterUsage = `Usage: xpt-kiosk sim printer [--link PATH] [--dir DIR] [--paper-width 80|58] [--control SOCKET]

Simulates an ESC/POS receipt printer on a new pseudo-terminal. The first
line printed on standard output is the device path: point the kiosk's
[devices.printer] port at it, or at the --link symlink. The simulator
parses what it receives, answers the real-time status requests (DLE EOT)
from the state set by the commands below, and renders every receipt to
--dir as receipt-NNNN.png and .txt (and last.png, last.txt). Commands come
on standard input or on the --control unix socket, one per line.

%s

Flags:
`

func runSimPrinter(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("sim printer", fmt.Sprintf(simPrinterUsage, sim.PrinterHelp), stderr)
	link := fs.String("link", "", "keep a symlink at `PATH` pointing at the current pty")
	dir := fs.String("dir", "receipts", "render each receipt into this `folder`")
	width := fs.Int("paper-width", 80, "the roll's width in mm: 80 or 58")
	control := fs.String("control", "", "also take commands on a unix socket at `PATH`")
	verbose := fs.Bool("v", false, "log each receipt, unplug and plug-in on standard error")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	o := sim.PrinterOptions{Link: *link, Dir: *dir, PaperWidth: *width}
	if *verbose {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := sim.NewPrinter(o)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim printer: %v\n", err)
		return exitFail
	}
	defer p.Close()
	fmt.Fprintln(stdout, p.TTY())
	fmt.Fprintf(stderr, "receipt printer simulator on %s, receipts in %s\n", p.TTY(), *dir)
	fmt.Fprintf(stderr, "kiosk configuration: [devices.printer] enabled = true, port = %q, paperWidth = %d\n", p.Path(), *width)
	return serveSimulator(p, *control, "sim printer", stdin, stdout, stderr)
}
