package kiosk

import (
	"slices"

	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// devices is the device registry: each device's health, in the order
// the devices were first named. The kiosk's mutex guards it.
type devices struct {
	byName map[string]*view.Device
	order  []string
}

// add registers a device, or replaces what the registry says of it.
func (r *devices) add(d view.Device) {
	if r.byName == nil {
		r.byName = map[string]*view.Device{}
	}
	if _, ok := r.byName[d.Name]; !ok {
		r.order = append(r.order, d.Name)
	}
	r.byName[d.Name] = &d
}

// named is the device called name; one the registry did not know is
// added as blank (or as d, when given).
func (r *devices) named(name string, blank ...view.Device) *view.Device {
	if d, ok := r.byName[name]; ok {
		return d
	}
	d := view.Device{Name: name}
	if len(blank) > 0 {
		d = blank[0]
	}
	r.add(d)
	return r.byName[name]
}

// lookup is the device called name, if the registry knows it.
func (r *devices) lookup(name string) (*view.Device, bool) {
	d, ok := r.byName[name]
	return d, ok
}

// list is every device, in order.
func (r *devices) list() []view.Device {
	out := make([]view.Device, 0, len(r.order))
	for _, n := range r.order {
		out = append(out, *r.byName[n])
	}
	return out
}

// DescribeDevice sets what the technician console shows of a device (its
// kind, path, whether it is simulated).
func (k *Kiosk) DescribeDevice(name, kind, path string, simulated bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := k.devices.named(name, view.Device{Name: name, State: "ok", Since: k.o.Now()})
	d.Kind, d.Path, d.Simulated = kind, path, simulated
}

// SetDeviceState records a device that is not a drivers.Device (absent,
// disabled, not built in this binary, the scanner spool).
func (k *Kiosk) SetDeviceState(name, kind, state, code, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := k.devices.named(name)
	d.Kind, d.State, d.Code, d.Message, d.Since = kind, state, code, message, k.o.Now()
	k.notifyLocked()
}

func (k *Kiosk) deviceFault(name, code, msg string) {
	k.mu.Lock()
	d := k.devices.named(name)
	d.State, d.Code, d.Message, d.Since = "fault", code, msg, k.o.Now()
	if k.tx != nil && k.s.Phase != session.Idle && k.s.Phase != session.Outcome && !k.optional(name) {
		k.tx.faults = append(k.tx.faults, name)
	}
	k.counters["device_faults"]++
	k.notifyLocked()
	k.mu.Unlock()
	k.log.Warn("kiosk: device fault", "device", name, "code", code)
	go k.emit(&wire.Event{Type: wire.EventDeviceFault, Device: &wire.DeviceEvent{Device: name, Code: code, Message: msg}})
	k.refreshState()
}

func (k *Kiosk) deviceRecovered(name, after string) {
	k.mu.Lock()
	if d, ok := k.devices.lookup(name); ok {
		d.State, d.Code, d.Message, d.Since = "ok", "", "", k.o.Now()
	}
	k.notifyLocked()
	k.mu.Unlock()
	k.log.Info("kiosk: device recovered", "device", name, "after", after)
	go k.emit(&wire.Event{Type: wire.EventDeviceRecovered, Device: &wire.DeviceEvent{Device: name, Code: after}})
	k.refreshState()
}

// optional says whether a device is optional equipment (the receipt
// printer): its faults never refer a traveler, degrade or close the kiosk.
func (k *Kiosk) optional(name string) bool {
	return k.o.Printer != nil && name == k.o.Printer.Name()
}

// refreshState computes online/degraded/locked with reasons, closes or
// reopens the traveler screen, and tells the link.
func (k *Kiosk) refreshState() {
	var reasons []string
	closed := false
	full := k.o.Outbox.Full()
	st := k.replica()
	k.mu.Lock()
	if k.locked {
		reasons = append(reasons, "locked")
		closed = true
	}
	if k.maintenance {
		reasons = append(reasons, "maintenance")
		closed = true
	}
	if full {
		reasons = append(reasons, "outbox_full")
		closed = true
	}
	if st.Stale(k.o.Policy.MaxStaleness) {
		reasons = append(reasons, "authz_stale")
	}
	for _, d := range k.devices.list() {
		if d.State == "fault" && !k.optional(d.Name) {
			reasons = append(reasons, d.Name+"_"+d.Code)
			if d.Name == "mrzReader" {
				closed = true
			}
		}
	}
	state := wire.StateOnline
	switch {
	case k.locked || k.maintenance:
		state = wire.StateLocked
	case len(reasons) > 0:
		state = wire.StateDegraded
	}
	changed := state != k.state || !slices.Equal(reasons, k.reasons)
	k.state, k.reasons = state, reasons
	wasClosed := len(k.s.ClosedWhy) > 0
	k.mu.Unlock()
	if k.o.Link != nil {
		k.o.Link.SetAuthzSeq(st.Seq)
		if changed {
			k.o.Link.SetState(state, reasons...)
		}
	}
	if closed != wasClosed || (closed && changed) {
		why := []string(nil)
		if closed {
			why = reasons
		}
		k.mu.Lock()
		s, fx := session.Step(k.s, session.Availability{Open: !closed, Reasons: why}, k.o.Now(), k.o.Session, wire.NewID)
		k.s = s
		k.mu.Unlock()
		if len(fx) > 0 {
			k.notify()
		}
	}
	if changed {
		k.notify()
	}
}
