package kiosk

import (
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// Traveler is the traveler screen now. It never carries a reason.
func (k *Kiosk) Traveler() view.Traveler {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.s
	v := view.Traveler{Screen: session.Screen(s), Lang: s.Lang, Guidance: s.Guidance, Message: s.Message,
		Version: k.version, Steps: 3}
	if v.Lang == "" {
		v.Lang = "en"
	}
	if k.o.Face != nil {
		v.Steps = 4
	}
	switch s.Phase {
	case session.Document, session.Chip:
		v.Step = 1 // the chip is the passport's step
	case session.Card:
		v.Step = 2
	case session.Face:
		v.Step = 3
	case session.Deciding, session.Recording, session.Outcome:
		v.Step = v.Steps
	}
	// The card step is skipped by a traveler whose record and the policy
	// need no card: once past it (or at the outcome), it shows as not
	// needed rather than done.
	if s.Phase > session.Card && s.Doc != nil && !s.NeedCard && s.CardTag == "" {
		v.Skipped = []int{2}
	}
	v.MoreTime = s.Prompt
	switch s.Phase {
	case session.Document, session.Card:
		v.Deadline = s.Deadline
		if s.Expires.Before(v.Deadline) {
			v.Deadline = s.Expires
		}
	case session.Outcome:
		v.Deadline = s.Deadline // when the outcome screen closes
		v.Reference = s.Reference
	case session.Idle:
		v.Deadline = s.HeldUntil // a held card or letter: how long it is kept
	}
	return v
}

// Technician is the technician console's status page (no personal data).
func (k *Kiosk) Technician() view.Technician {
	st := k.replica()
	ob := k.o.Outbox.Stats()
	t := view.Technician{KioskID: k.o.KioskID, PortCode: k.o.PortCode, Direction: k.o.Direction, Version: k.o.Version,
		Authz: view.Authz{Seq: st.Seq, Records: st.Records, LastSyncAt: st.LastSync, Staleness: st.Staleness,
			Stale: st.Stale(k.o.Policy.MaxStaleness), Rejected: int64(st.Rejected)},
		Outbox:   view.Outbox{Depth: ob.Depth, Capacity: k.o.OutboxCapacity, NextSeq: ob.LastSeq + 1, AckedSeq: ob.Acked, Full: ob.Full},
		Counters: map[string]int64{},
	}
	if lc, ok := k.o.Link.(linkConnects); ok {
		n, last := lc.Connects()
		t.Broker.Reconnects = int64(max(n, 1) - 1)
		t.Broker.Since = last
	}
	if k.o.Link != nil {
		t.Broker.Connected = k.o.Link.Connected()
		for code, n := range k.o.Link.Rejections() {
			t.Counters["rejected_"+code] = int64(n)
		}
	}
	if k.o.Face != nil {
		t.Face.CaptureDetail, t.Face.Verification = k.o.Face.Describe()
	} else {
		t.Face.Capture, t.Face.Verification = "disabled", "not_supported: no camera configured"
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.o.Face != nil {
		// Whether capture works is the camera's health, not the words
		// describing the pipeline (which the console took for a state and
		// said "not working" of a camera that was fine).
		t.Face.Capture = "ok"
		if d, ok := k.devices.lookup("camera"); ok && d.State != "" {
			t.Face.Capture = d.State
		}
	}
	t.State, t.Reasons, t.StartedAt = k.state, append([]string(nil), k.reasons...), k.started
	t.Maintenance = k.maintenance
	t.Policy = view.Policy{RandomReferralRate: k.rate, RequireCard: k.o.Policy.RequireCard, RequireFace: k.o.Policy.RequireFace,
		FaceUnavailable: k.o.Policy.FaceUnavailable}
	t.Broker.URL = k.brokerURL
	t.Devices = append(t.Devices, k.devices.list()...)
	for n, v := range k.counters {
		t.Counters[n] = v
	}
	t.Recent = append([]view.Transaction(nil), k.recent...)
	if k.o.Printer != nil {
		r := k.receipts
		if r.Last != nil {
			last := *r.Last
			r.Last = &last
		}
		t.Receipts = &r
	}
	return t
}

// SetBroker fills the broker part of the technician page.
func (k *Kiosk) SetBroker(url string) {
	k.mu.Lock()
	k.brokerURL = url
	k.mu.Unlock()
}

// Changed is closed at the next change.
func (k *Kiosk) Changed() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.changed
}
