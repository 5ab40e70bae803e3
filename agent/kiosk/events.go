package kiosk

import (
	"bytes"
	"encoding/base64"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

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
	if d := s.Doc; d != nil {
		doc, h := d.Document.Document, d.Document.Holder
		t.Document, t.Holder = &doc, &h
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
			k.referrals.add(ref)
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

func (k *Kiosk) publishTelemetry() {
	st := k.replica()
	ob := k.o.Outbox.Stats()
	t := wire.Telemetry{KioskID: k.o.KioskID, At: wire.FormatTime(k.o.Now()), Devices: map[string]wire.DeviceState{},
		QueueDepth: ob.Depth, Authz: st.Wire()}
	k.mu.Lock()
	for _, d := range k.devices.list() {
		t.Devices[d.Name] = wire.DeviceState{State: d.State, Code: d.Code}
	}
	k.mu.Unlock()
	if err := k.o.Link.PublishTelemetry(t); err != nil {
		k.log.Debug("kiosk: telemetry not sent", "err", err)
	}
}
