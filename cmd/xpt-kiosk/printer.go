package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// openPrinter opens the receipt printer the configuration enables; nil and
// a "not configured" description when it enables none.
func openPrinter(cfg *config.Config, log *slog.Logger) (*printer.Printer, deviceDesc, error) {
	c := cfg.Devices.Printer
	desc := deviceDesc{name: "printer", kind: c.Profile}
	if !c.On() {
		desc.state, desc.message = "disabled", "not configured ([devices.printer] enabled = true to print receipts)"
		return nil, desc, nil
	}
	p, err := printer.Open("printer", c.Config, log)
	if err != nil {
		return nil, desc, fmt.Errorf("devices.printer: %w", err)
	}
	desc.path = c.Where()
	return p, desc, nil
}

// receiptPrinterOrNil keeps a nil *printer.Printer from becoming a non-nil
// interface.
func receiptPrinterOrNil(p *printer.Printer) drivers.ReceiptPrinter {
	if p == nil {
		return nil
	}
	return p
}

// selftestPrinter opens the receipt printer as the agent does and reads
// its status once (DLE EOT): ready, paper nearly out (warn), or the fault.
// It prints nothing.
func selftestPrinter(cfg *config.Config, add func(name, status, format string, a ...any)) {
	c := cfg.Devices.Printer
	if !c.On() {
		add("devices.printer", "ok", "not configured")
		return
	}
	p, err := printer.Open("printer", c.Config, slog.New(slog.DiscardHandler))
	if err != nil {
		add("devices.printer", "fail", "%v", err)
		return
	}
	defer p.Close()
	what := fmt.Sprintf("%s, %d baud, profile %s, %d mm paper", c.Where(), c.Baud, c.Profile, c.PaperWidth)
	ready := func() {
		st := p.Status()
		if st.PaperNearEnd {
			add("devices.printer", "warn", "%s: %s", what, st.Message())
		} else {
			add("devices.printer", "ok", "%s: %s", what, st.Message())
		}
	}
	deadline := time.After(selftestPrinterWait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev := <-p.Events():
			if e, ok := ev.(drivers.Fault); ok && e.Err.Code() != drivers.CodePaperNearEnd && e.Err.Code() != drivers.CodeNotFound {
				add("devices.printer", "fail", "%s: %v", what, e.Err)
				return
			}
		case <-tick.C:
			if p.Health() == nil {
				ready()
				return
			}
		case <-deadline:
			if h := p.Health(); h != nil {
				add("devices.printer", "fail", "%s: %v", what, h)
			} else {
				ready()
			}
			return
		}
	}
}

// selftestPrinterWait is how long selftest waits for the printer's status.
var selftestPrinterWait = 4 * time.Second
