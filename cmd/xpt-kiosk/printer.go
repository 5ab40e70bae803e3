package main

import (
	"fmt"
	"log/slog"

	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// printerConfig is the driver's configuration from [devices.printer].
func printerConfig(c config.Printer) printer.Config {
	return printer.Config{Config: serialdev.Config{Port: c.Port, USB: c.USB, Serial: c.SerialNumber, Baud: c.Baud,
		Parity: c.Parity, DataBits: c.DataBits, StopBits: c.StopBits}, Profile: c.Profile, PaperWidth: c.PaperWidth,
		Timeout: c.Timeout.Duration, Queue: c.Queue, StatusInterval: c.StatusInterval.Duration, ReconnectMax: c.ReconnectMax.Duration}
}

// openPrinter opens the receipt printer the configuration enables; nil and
// a "not configured" description when it enables none.
func openPrinter(cfg *config.Config, log *slog.Logger) (*printer.Printer, deviceDesc, error) {
	c := cfg.Devices.Printer
	desc := deviceDesc{name: "printer", kind: c.Profile}
	if !c.On() {
		desc.state, desc.message = "disabled", "not configured ([devices.printer] enabled = true to print receipts)"
		return nil, desc, nil
	}
	pc := printerConfig(c)
	p, err := printer.Open("printer", pc, log)
	if err != nil {
		return nil, desc, fmt.Errorf("devices.printer: %w", err)
	}
	desc.path = pc.Where()
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

// simReceipts shows the simulated printer's last receipt on the
// technician console.
type simReceipts struct{ p *sim.Printer }

func (s simReceipts) LastReceipt() (ui.Receipt, bool) {
	r, ok := s.p.Last()
	if !ok {
		return ui.Receipt{}, false
	}
	return ui.Receipt{At: r.At, Text: r.Text, PNG: r.PNG}, true
}
