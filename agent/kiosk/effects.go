package kiosk

import (
	"bytes"
	"context"
	"encoding/base64"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// startFace runs the capture off the loop. The session asks for it only
// when a FaceCapturer is configured (session.Config.FaceEnabled).
func (k *Kiosk) startFace(ctx context.Context) {
	fctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.faceStop = cancel
	// The reference is the chip's photo (DG2) when one was read: the
	// comparator matches the live capture against it.
	var ref []byte
	if k.tx != nil {
		ref = bytes.Clone(chipReference(chipOf(k.s, k.tx.chipRan)))
		k.tx.faceRef = len(ref) > 0
	}
	k.mu.Unlock()
	go func() {
		defer cancel()
		defer clear(ref)
		res := k.o.Face.Capture(fctx, ref, func(code string) {
			select {
			case k.in <- msgFaceGuide{code: code}:
			case <-fctx.Done():
			}
		})
		if fctx.Err() != nil && ctx.Err() != nil {
			return
		}
		select {
		case k.in <- msgFaceDone{res: res}:
		case <-ctx.Done():
		}
	}()
}

// record makes the transaction's events durable, then tells the session.
func (k *Kiosk) record(aborted bool) {
	now := k.o.Now()
	k.mu.Lock()
	s, tx := k.s, k.tx
	k.mu.Unlock()
	if tx == nil {
		tx = &txData{id: s.TxID, started: s.Started}
	}
	out := tx.decision
	outcome := s.Outcome
	if aborted || out == nil {
		outcome = wire.OutcomeAborted
	}
	t := &wire.Transaction{
		ID: s.TxID, StartedAt: wire.FormatTime(s.Started), EndedAt: wire.FormatTime(now),
		Outcome: outcome, Reasons: []string{}, Direction: k.o.Direction, Checks: []wire.Check{},
		TimingsMs: map[string]int64{},
	}
	for step, d := range s.StepTimings {
		t.TimingsMs[step] = d.Milliseconds()
	}
	var photo []byte
	chipRes := chipOf(s, tx.chipRan)
	if d := docOf(s); d != nil {
		t.Document, t.Holder = docAndHolder(d)
	}
	if s.CardTag != "" {
		t.Card = &wire.Card{Tag: s.CardTag}
	}
	if s.Face != nil {
		photo = s.Face.JPEG
	}
	if out != nil && outcome != wire.OutcomeAborted {
		t.Reasons = append(t.Reasons, out.reasons...)
		t.Checks = append(t.Checks, out.checks...)
		t.AuthorizationID = out.authID
		if outcome == wire.OutcomeReferred {
			t.ReferralID = wire.NewID(now)
		}
		t.Reference = k.newReference()
	}
	events := []*wire.Event{{Type: wire.EventTransactionCompleted, At: wire.FormatTime(now), Transaction: t}}
	var ref *referral
	if t.ReferralID != "" {
		r := &wire.Referral{ReferralID: t.ReferralID, TransactionID: t.ID, Reference: t.Reference, Reasons: t.Reasons,
			Document: t.Document, Holder: t.Holder}
		if len(photo) > 0 {
			if k.o.InlinePhoto {
				r.PhotoJPEG = base64.StdEncoding.EncodeToString(photo)
			} else {
				r.PhotoRef = "kiosk:" + k.o.KioskID + "/referrals/" + t.ReferralID + "/photo.jpg"
			}
		}
		r.Chip = chipWire(chipRes)
		chipPhoto := bytes.Clone(chipReference(chipRes))
		if len(chipPhoto) > 0 {
			if k.o.InlinePhoto {
				r.ChipPhotoJPEG = base64.StdEncoding.EncodeToString(chipPhoto)
			} else {
				r.ChipPhotoRef = "kiosk:" + k.o.KioskID + "/referrals/" + t.ReferralID + "/chip-photo.jpg"
			}
		}
		events = append(events, &wire.Event{Type: wire.EventReferralOpened, At: wire.FormatTime(now), Referral: r})
		ref = k.newReferral(t, out, photo, now)
		ref.chipPhoto = chipPhoto
		ref.Chip = chipView(chipRes)
		if len(chipPhoto) > 0 {
			ref.HasChipPhoto, ref.ChipPhotoType, ref.ChipPhotoOriginalType = true, "image/jpeg", chipRes.PhotoOriginalType
		}
		if fr := s.Face; fr != nil && tx.faceRan {
			reference := "none"
			if tx.faceRef {
				reference = "chip"
			}
			ref.FaceMatch = faceMatchView(fr, reference)
		}
	}
	go func() {
		for _, ev := range events {
			if _, err := k.o.Outbox.Append(ev); err != nil {
				chipRes.Wipe()
				k.in <- msgRecordErr{txID: s.TxID, err: err}
				return
			}
			k.auditEvent(ev)
		}
		if ref != nil {
			k.mu.Lock()
			k.referrals[ref.ReferralID] = ref
			k.refOrder = append(k.refOrder, ref.ReferralID)
			k.mu.Unlock()
		}
		k.mu.Lock()
		k.recent = append([]view.Transaction{{ID: t.ID, At: now, Outcome: outcome, Reasons: t.Reasons, Seq: events[0].Seq}}, k.recent...)
		if len(k.recent) > 20 {
			k.recent = k.recent[:20]
		}
		k.counters["outcome_"+outcome]++
		k.mu.Unlock()
		// The outcome is delivered: the chip's photo goes (the referral
		// holds its own copy until it is pruned).
		chipRes.Wipe()
		k.in <- msgDurable{txID: s.TxID, reference: t.Reference}
		// After the outcome is on its way to the screen: a printer, however
		// it misbehaves, never holds a traveler up.
		k.printReceipt(s.Lang, outcome, t.ID, t.Reference, now)
	}()
}

// newReference draws a traveler reference that no referral kept on this
// kiosk has.
func (k *Kiosk) newReference() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		ref := wire.NewReference()
		clash := false
		for _, r := range k.referrals {
			clash = clash || r.Reference == ref
		}
		if !clash {
			return ref
		}
	}
}

// docOf is the document the session holds, if any.
func docOf(s session.State) *session.DocumentRead {
	if s.Doc == nil || s.Doc.MRZ == nil {
		return nil
	}
	return s.Doc
}

// docAndHolder is what an event says of the document and its holder.
func docAndHolder(d *session.DocumentRead) (*wire.Document, *wire.Holder) {
	r := d.MRZ
	doc := &wire.Document{Code: r.DocumentCode, IssuingState: r.IssuingState, Number: r.DocumentNumber,
		ExpiryDate: dateString(r.ExpiryDate)}
	h := &wire.Holder{Surname: r.Surname, GivenNames: r.GivenNames, BirthDate: dateString(r.BirthDate),
		Sex: r.Sex, Nationality: r.Nationality}
	return doc, h
}

func (k *Kiosk) auditEvent(ev *wire.Event, more ...func(*audit.Entry)) {
	if k.o.Audit == nil {
		return
	}
	e := audit.FromEvent(ev)
	for _, f := range more {
		f(&e)
	}
	if _, _, err := k.o.Audit.Append(e); err != nil {
		k.log.Error("kiosk: audit log append failed", "err", err)
		k.count("audit_errors")
	}
}

func (k *Kiosk) newReferral(t *wire.Transaction, out *decisionOut, photo []byte, now time.Time) *referral {
	r := &referral{photo: photo}
	r.ReferralID, r.TransactionID, r.OpenedAt, r.Reference = t.ReferralID, t.ID, now, t.Reference
	r.Reasons = append([]string(nil), t.Reasons...)
	if h := t.Holder; h != nil {
		r.Surname, r.GivenNames, r.Nationality, r.BirthDate = h.Surname, h.GivenNames, h.Nationality, h.BirthDate
	}
	if d := t.Document; d != nil {
		r.DocumentCode, r.IssuingState, r.DocumentNo, r.ExpiryDate = d.Code, d.IssuingState, d.Number, d.ExpiryDate
	}
	if out != nil && out.record != nil {
		r.AuthorizationID, r.Category, r.Occupation, r.Employer = out.record.AuthorizationID, out.record.Category, out.record.Occupation, out.record.Employer
	}
	r.Checks = append(r.Checks, t.Checks...)
	r.HasPhoto = len(photo) > 0
	return r
}

// emit makes a non-transaction event durable and audits it (device faults,
// referral decisions). It runs off the loop.
func (k *Kiosk) emit(ev *wire.Event) error { return k.emitAudited(ev) }

// emitAudited is emit with more in the audit entry than the event says
// (the officer of a decision and the path it came by).
func (k *Kiosk) emitAudited(ev *wire.Event, more ...func(*audit.Entry)) error {
	if ev.At == "" {
		ev.At = wire.FormatTime(k.o.Now())
	}
	if _, err := k.o.Outbox.Append(ev); err != nil {
		k.log.Error("kiosk: event not durable", "type", ev.Type, "err", err)
		k.count("event_errors")
		return err
	}
	k.auditEvent(ev, more...)
	return nil
}

func (k *Kiosk) deviceFault(name, code, msg string) {
	k.mu.Lock()
	d, ok := k.devices[name]
	if !ok {
		k.addDevice(view.Device{Name: name})
		d = k.devices[name]
	}
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
	if d, ok := k.devices[name]; ok {
		d.State, d.Code, d.Message, d.Since = "ok", "", "", k.o.Now()
	}
	k.notifyLocked()
	k.mu.Unlock()
	k.log.Info("kiosk: device recovered", "device", name, "after", after)
	go k.emit(&wire.Event{Type: wire.EventDeviceRecovered, Device: &wire.DeviceEvent{Device: name, Code: after}})
	k.refreshState()
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
	for _, n := range k.devOrder {
		d := k.devices[n]
		if d.State == "fault" && !k.optional(n) {
			reasons = append(reasons, n+"_"+d.Code)
			if n == "mrzReader" {
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
	changed := state != k.state || !equal(reasons, k.reasons)
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

// optional says whether a device is optional equipment (the receipt
// printer): its faults never refer a traveler, degrade or close the kiosk.
func (k *Kiosk) optional(name string) bool {
	return k.o.Printer != nil && name == k.o.Printer.Name()
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// prune forgets decided referrals (and their personal data) after the
// retention, and any referral after a day.
func (k *Kiosk) prune() {
	now := k.o.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	keep := k.refOrder[:0]
	for _, id := range k.refOrder {
		r := k.referrals[id]
		if (r.Decision != "" && now.Sub(r.decidedAt) > k.o.ReferralRetention) || now.Sub(r.OpenedAt) > 24*time.Hour {
			clear(r.photo)
			clear(r.chipPhoto)
			delete(k.referrals, id)
			continue
		}
		keep = append(keep, id)
	}
	k.refOrder = keep
}

func (k *Kiosk) publishTelemetry() {
	st := k.replica()
	ob := k.o.Outbox.Stats()
	t := wire.Telemetry{KioskID: k.o.KioskID, At: wire.FormatTime(k.o.Now()), Devices: map[string]wire.DeviceState{},
		QueueDepth: ob.Depth, Authz: st.Wire()}
	k.mu.Lock()
	for _, n := range k.devOrder {
		d := k.devices[n]
		t.Devices[n] = wire.DeviceState{State: d.State, Code: d.Code}
	}
	k.mu.Unlock()
	if err := k.o.Link.PublishTelemetry(t); err != nil {
		k.log.Debug("kiosk: telemetry not sent", "err", err)
	}
}

func (k *Kiosk) count(name string) {
	k.mu.Lock()
	k.counters[name]++
	k.mu.Unlock()
}

func (k *Kiosk) notify() {
	k.mu.Lock()
	k.notifyLocked()
	k.mu.Unlock()
}

func (k *Kiosk) notifyLocked() {
	k.version++
	close(k.changed)
	k.changed = make(chan struct{})
}
