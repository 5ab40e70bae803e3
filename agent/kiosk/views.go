package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(wire.DateFormat)
}

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
		if d, ok := k.devices["camera"]; ok && d.State != "" {
			t.Face.Capture = d.State
		}
	}
	t.State, t.Reasons, t.StartedAt = k.state, append([]string(nil), k.reasons...), k.started
	t.Maintenance = k.maintenance
	t.Policy = view.Policy{RandomReferralRate: k.rate, RequireCard: k.o.Policy.RequireCard, RequireFace: k.o.Policy.RequireFace,
		FaceUnavailable: k.o.Policy.FaceUnavailable}
	t.Broker.URL = k.brokerURL
	for _, n := range k.devOrder {
		t.Devices = append(t.Devices, k.devices[n].Device)
	}
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

// Referrals lists open and recently decided referrals, newest first.
func (k *Kiosk) Referrals() []view.Referral {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]view.Referral, 0, len(k.refOrder))
	for i := len(k.refOrder) - 1; i >= 0; i-- {
		out = append(out, k.referrals[k.refOrder[i]].Referral)
	}
	return out
}

// Photo is a referral's face capture.
func (k *Kiosk) Photo(referralID string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := k.referrals[referralID]
	if !ok || len(r.photo) == 0 {
		return nil, false
	}
	return bytes.Clone(r.photo), true // a copy: the referral's is wiped when pruned
}

// ChipPhoto is the face image read from a referral's passport chip (DG2),
// as JPEG.
func (k *Kiosk) ChipPhoto(referralID string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := k.referrals[referralID]
	if !ok || len(r.chipPhoto) == 0 {
		return nil, false
	}
	return bytes.Clone(r.chipPhoto), true
}

// Changed is closed at the next change.
func (k *Kiosk) Changed() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.changed
}

// Start begins a session (a tap on the welcome screen).
func (k *Kiosk) Start(lang string) error { return k.post(session.Start{Lang: lang}) }

// SetLanguage switches between en and fr.
func (k *Kiosk) SetLanguage(lang string) error {
	if lang != "en" && lang != "fr" {
		return fmt.Errorf("language %q: want en or fr", lang)
	}
	return k.post(session.SetLang{Lang: lang})
}

// Cancel ends the session (traveler walked away or pressed cancel).
func (k *Kiosk) Cancel() error { return k.post(session.Cancel{}) }

// Finish acknowledges the outcome.
func (k *Kiosk) Finish() error { return k.post(session.Finish{}) }

// MoreTime answers "Need more time?" on the traveler screen.
func (k *Kiosk) MoreTime() error { return k.post(session.MoreTime{}) }

// ErrNoReferral is returned for an unknown or already decided referral.
var ErrNoReferral = errors.New("kiosk: no such open referral")

// ViaConsole is the path of a decision made on the kiosk's own officer
// console, as the audit log records it.
const ViaConsole = "console"

// Decide closes a referral from the kiosk's own officer console.
func (k *Kiosk) Decide(ctx context.Context, referralID, officerID, decision, note string) error {
	return k.decideReferral(wire.OfficerDecision{ReferralID: referralID, KioskID: k.o.KioskID, OfficerID: officerID,
		Decision: decision, Note: note, At: wire.FormatTime(k.o.Now())}, ViaConsole)
}

// decideReferral applies a decision that came by via (ViaConsole, or
// "mqtt:{keyId}" for a signed decision from another console) and audits it
// with the officer and the path.
func (k *Kiosk) decideReferral(d wire.OfficerDecision, via string) error {
	switch d.Decision {
	case wire.DecisionAdmit, wire.DecisionRefuse, wire.DecisionSecondary:
	default:
		return fmt.Errorf("kiosk: decision %q: want admit, refuse or secondary", d.Decision)
	}
	if d.OfficerID == "" {
		return errors.New("kiosk: an officer ID is required")
	}
	k.mu.Lock()
	r, ok := k.referrals[d.ReferralID]
	if !ok || r.Decision != "" {
		k.mu.Unlock()
		return ErrNoReferral
	}
	r.Decision, r.DecidedBy, r.decidedAt = d.Decision, d.OfficerID, k.o.Now()
	txID, reference := r.TransactionID, r.Reference
	k.notifyLocked()
	k.mu.Unlock()
	dd := d
	return k.emitAudited(&wire.Event{Type: wire.EventReferralDecided, Referral: &wire.Referral{ReferralID: d.ReferralID,
		TransactionID: txID, Reference: reference, Decision: &dd}}, func(e *audit.Entry) { e.Officer, e.Via = d.OfficerID, via })
}

// OfficerDecisions is the link's handler of officer decisions arriving
// over MQTT from other officer consoles.
func (k *Kiosk) OfficerDecisions() interface {
	ReferralOpen(referralID string) bool
	Decide(ctx context.Context, d wire.OfficerDecision, via string) error
} {
	return officerDecisions{k}
}

type officerDecisions struct{ k *Kiosk }

func (o officerDecisions) ReferralOpen(id string) bool {
	o.k.mu.Lock()
	defer o.k.mu.Unlock()
	r, ok := o.k.referrals[id]
	return ok && r.Decision == ""
}

func (o officerDecisions) Decide(_ context.Context, d wire.OfficerDecision, via string) error {
	return o.k.decideReferral(d, via)
}

// SetMaintenance takes the kiosk out of service locally (on) or returns
// it to service: a technician's maintenance mode. While on, the kiosk is
// closed to travelers as for the central system's lock (a traveler in
// progress finishes, then the kiosk closes) and reports itself locked with
// the reason "maintenance". It is a flag of its own: returning to service
// never lifts a central lock, and a central unlock does not end a
// maintenance.
func (k *Kiosk) SetMaintenance(on bool) error {
	k.mu.Lock()
	was := k.maintenance
	k.maintenance = on
	k.mu.Unlock()
	if was != on {
		if on {
			k.count("maintenance_on")
			k.log.Info("kiosk: out of service for maintenance")
		} else {
			k.count("maintenance_off")
			k.log.Info("kiosk: maintenance over")
		}
	}
	k.refreshState()
	return nil
}

// ApplyCommand carries out a verified central command (the link verified
// signature, addressee, expiry and replay). Its error is the rejection reason.
func (k *Kiosk) ApplyCommand(ctx context.Context, cmd wire.Command) error {
	switch cmd.Type {
	case wire.CommandLock:
		k.mu.Lock()
		k.locked = true
		k.mu.Unlock()
	case wire.CommandUnlock:
		k.mu.Lock()
		k.locked = false
		k.mu.Unlock()
	case wire.CommandResync:
		if err := k.o.Replica.Resync(ctx); err != nil {
			return errors.New("resync_failed")
		}
	case wire.CommandSetReferralRate:
		var args struct {
			Rate *float64 `json:"rate"`
		}
		if err := json.Unmarshal(cmd.Args, &args); err != nil || args.Rate == nil || *args.Rate < 0 || *args.Rate > 1 {
			return errors.New("bad_args")
		}
		k.mu.Lock()
		k.rate = *args.Rate
		k.mu.Unlock()
	default:
		return errors.New("unknown_command")
	}
	k.count("command_" + cmd.Type)
	k.refreshState()
	return nil
}
