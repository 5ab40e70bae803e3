package kiosk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

type referral struct {
	view.Referral
	photo     []byte
	chipPhoto []byte // DG2, as JPEG
	decidedAt time.Time
}

// Referrals lists open and recently decided referrals, newest first.
func (k *Kiosk) Referrals() []view.Referral {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.referrals.list()
}

// Photo is a referral's face capture.
func (k *Kiosk) Photo(referralID string) ([]byte, bool) {
	return k.referralImage(referralID, func(r *referral) []byte { return r.photo })
}

// ChipPhoto is the face image read from a referral's passport chip (DG2),
// as JPEG.
func (k *Kiosk) ChipPhoto(referralID string) ([]byte, bool) {
	return k.referralImage(referralID, func(r *referral) []byte { return r.chipPhoto })
}

// referralImage is a copy of one of a referral's images (the referral's
// own is wiped when it is pruned); false when it has none.
func (k *Kiosk) referralImage(referralID string, image func(*referral) []byte) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, ok := k.referrals.byID[referralID]
	if !ok || len(image(r)) == 0 {
		return nil, false
	}
	return bytes.Clone(image(r)), true
}

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
	r, ok := k.referrals.open(d.ReferralID)
	if !ok {
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
	_, ok := o.k.referrals.open(id)
	return ok
}

func (o officerDecisions) Decide(_ context.Context, d wire.OfficerDecision, via string) error {
	return o.k.decideReferral(d, via)
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

// newReference draws a traveler reference that no referral kept on this
// kiosk has.
func (k *Kiosk) newReference() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		ref := wire.NewReference()
		if !k.referrals.hasReference(ref) {
			return ref
		}
	}
}

// prune forgets decided referrals (and their personal data) after the
// retention, and any referral after a day.
func (k *Kiosk) prune() {
	now := k.o.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.referrals.prune(func(r *referral) bool {
		return (r.Decision != "" && now.Sub(r.decidedAt) > k.o.ReferralRetention) || now.Sub(r.OpenedAt) > 24*time.Hour
	})
}

// referrals is the referral store: the referrals opened on this kiosk,
// in the order they were opened, with their personal data and images
// until they are pruned. The kiosk's mutex guards it.
type referrals struct {
	byID  map[string]*referral
	order []string
}

func (s *referrals) add(r *referral) {
	if s.byID == nil {
		s.byID = map[string]*referral{}
	}
	s.byID[r.ReferralID] = r
	s.order = append(s.order, r.ReferralID)
}

// open is the referral id while no officer has decided it.
func (s *referrals) open(id string) (*referral, bool) {
	r, ok := s.byID[id]
	if !ok || r.Decision != "" {
		return nil, false
	}
	return r, true
}

// list is every referral kept, newest first.
func (s *referrals) list() []view.Referral {
	out := make([]view.Referral, 0, len(s.order))
	for i := len(s.order) - 1; i >= 0; i-- {
		out = append(out, s.byID[s.order[i]].Referral)
	}
	return out
}

// hasReference says a referral kept has the traveler reference ref.
func (s *referrals) hasReference(ref string) bool {
	for _, r := range s.byID {
		if r.Reference == ref {
			return true
		}
	}
	return false
}

// prune forgets the referrals gone says are over, wiping their images.
func (s *referrals) prune(gone func(*referral) bool) {
	keep := s.order[:0]
	for _, id := range s.order {
		r := s.byID[id]
		if gone(r) {
			clear(r.photo)
			clear(r.chipPhoto)
			delete(s.byID, id)
			continue
		}
		keep = append(keep, id)
	}
	s.order = keep
}
