package demo

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// simPanel is the technician console's simulator panel.
type simPanel struct {
	e *Env
	k *kiosk.Kiosk
}

// Simulator is the technician console's simulator panel over the demo's
// travelers and devices, presenting to k.
func (e *Env) Simulator(k *kiosk.Kiosk) ui.Simulator { return &simPanel{e: e, k: k} }

// Receipts shows the simulated printer's last receipt on the technician
// console (nil without the printer).
func (e *Env) Receipts() ui.Receipts {
	if e.PrinterSim == nil {
		return nil
	}
	return simReceipts{e.PrinterSim}
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

func (d *simPanel) Travelers() []ui.SimTraveler {
	out := make([]ui.SimTraveler, 0, len(d.e.Travelers))
	for _, t := range d.e.Travelers {
		exp := t.Expect[direction]
		label := t.DisplayName
		if t.Scenario != "" && t.Scenario != "admit" {
			label += " (" + t.Scenario + ")"
		}
		out = append(out, ui.SimTraveler{Label: label, Expected: exp.Outcome, Reasons: exp.Reasons, HasCard: t.Card != nil})
	}
	return out
}

// endOutcome acknowledges an outcome still on the screen and waits for the
// welcome screen.
func (d *simPanel) endOutcome() error {
	showsOutcome := func() bool {
		sc := d.k.Traveler().Screen
		return sc == view.ScreenAdmitted || sc == view.ScreenReferred || sc == view.ScreenAborted
	}
	if !showsOutcome() {
		return nil
	}
	if err := d.k.Finish(); err != nil {
		return err
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !showsOutcome() {
			return nil
		}
	}
	return errors.New("the previous traveler's outcome did not close")
}

func (d *simPanel) Present(i int, withCard bool) error {
	if i < 0 || i >= len(d.e.Travelers) {
		return fmt.Errorf("no demo traveler %d", i)
	}
	t := d.e.Travelers[i]
	// The previous traveler leaves first: a card tapped while their outcome
	// still shows would belong to their session and be dropped.
	if err := d.endOutcome(); err != nil {
		return err
	}
	// The traveler taps the card and shows the letter first, then puts the
	// passport on the reader; the pause lets the card reader report the tap
	// before the passport starts the session.
	if withCard && t.Card != nil {
		if err := d.e.CardSim.PresentCard(t.Card.Tag, 0, sim.Faults{}); err != nil {
			return err
		}
	}
	if t.Letter != "" {
		if err := d.k.Letter(t.Letter); err != nil {
			return err
		}
	}
	if (withCard && t.Card != nil) || t.Letter != "" {
		time.Sleep(400 * time.Millisecond)
	}
	if len(t.MRZ) == 0 {
		// An unreadable document: the reader sends half a frame and falls
		// silent (a misread: the screen asks to place it again), and the
		// kiosk times out with MRZ_UNREADABLE. Noise alone is no
		// presentation: a session with nothing read is aborted instead.
		_ = d.k.Start("")
		frame, err := sim.EncodeMRZ(d.e.MRZSim.Profile(), sim.Specimens[0])
		if err != nil {
			return err
		}
		_, err = d.e.MRZSim.Send(frame[:len(frame)/2])
		return err
	}
	// The passport's chip comes into the reader's field with it.
	if err := d.e.chips.Present(t.MRZ, d.e.chipKinds[i]); err != nil {
		return err
	}
	_, err := d.e.MRZSim.PresentDocument(t.MRZ, sim.Faults{})
	return err
}

func (d *simPanel) PresentCard(tag string) error {
	return d.e.CardSim.PresentCard(tag, 0, sim.Faults{})
}

func (d *simPanel) Fault(kind string) error {
	switch kind {
	case "mrz-disconnect", "card-disconnect":
		s := d.e.MRZSim
		if kind == "card-disconnect" {
			s = d.e.CardSim
		}
		if err := s.Disconnect(); err != nil {
			return err
		}
		go func() {
			time.Sleep(5 * time.Second)
			_ = s.Reconnect()
		}()
		return nil
	case "mrz-noise":
		return d.e.MRZSim.Noise(128)
	case "card-noise":
		return d.e.CardSim.Noise(128)
	}
	if cmd, ok := printerFaults[kind]; ok && d.e.PrinterSim != nil {
		p := d.e.PrinterSim
		if _, err := p.Exec(cmd); err != nil {
			return err
		}
		switch kind {
		case "printer-unplug": // plugged back after 5 s, like the readers
			go func() {
				time.Sleep(5 * time.Second)
				_ = p.Reconnect()
			}()
		case "printer-ok":
			return p.Reconnect()
		}
		return nil
	}
	return errors.New("unknown fault: want one of " + strings.Join(d.Faults(), ", "))
}

// printerFaults are the simulated printer's faults the technician console
// offers, as simulator commands.
var printerFaults = map[string]string{
	"printer-paper-out": "paper out", "printer-paper-low": "paper low", "printer-cover-open": "cover open",
	"printer-offline": "offline", "printer-unplug": "disconnect", "printer-ok": "ok",
}

// Faults are the faults the simulator panel offers.
func (d *simPanel) Faults() []string {
	out := append([]string(nil), ui.DefaultFaults...)
	if d.e.PrinterSim != nil {
		out = append(out, "printer-paper-out", "printer-paper-low", "printer-cover-open", "printer-offline", "printer-unplug", "printer-ok")
	}
	return out
}
