package central

import (
	"slices"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Expect is this package's reading of the spec's decision table for the
// reasons that stem from data, used to label the population: given what a
// traveler presents, the records a kiosk would find (every record listing
// the document, or else those the presented card maps to), the kiosk's
// direction and the day, it returns the outcome with every reason and the
// record chosen. Among several candidate records it picks the one with the
// fewest reasons (a renewed passport: the valid one). Kiosk policy is
// assumed neutral: card not required by the kiosk, no face verifier,
// random referral rate 0, fresh data, healthy devices.
//
// It is a label maker, not the kiosk's decision engine (agent/authz owns
// that); where the two disagree, one of them is wrong and the spec decides.
func Expect(t *Traveler, cands []wire.AuthzRecord, direction string, today time.Time, ring *wire.KeyRing) (Expectation, *wire.AuthzRecord) {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return expect(t, cands, direction, day, verifyLetter(t, ring, day))
}

// letterCheck is a letter verified once (signature and date).
type letterCheck struct {
	l   *wire.Letter
	err error
}

func verifyLetter(t *Traveler, ring *wire.KeyRing, day time.Time) letterCheck {
	if t.Letter == "" {
		return letterCheck{}
	}
	l, err := ring.VerifyLetter(t.Letter, day)
	return letterCheck{l, err}
}

func expect(t *Traveler, cands []wire.AuthzRecord, direction string, day time.Time, lc letterCheck) (Expectation, *wire.AuthzRecord) {
	ds := day.Format(wire.DateFormat)
	if len(t.MRZ) == 0 {
		return refer(wire.ReasonMRZUnreadable), nil
	}
	if t.MRZInvalid {
		return refer(wire.ReasonMRZInvalid), nil
	}
	var base []string
	if t.Document.ExpiryDate != "" && t.Document.ExpiryDate < ds {
		base = append(base, wire.ReasonDocExpired)
	}
	if len(cands) == 0 {
		rs := append(base, wire.ReasonNotAuthorized)
		if t.Letter != "" && !letterOK(t, nil, lc) {
			rs = append(rs, wire.ReasonPreapprovalInvalid)
		}
		return refer(rs...), nil
	}
	var best []string
	var bestRec *wire.AuthzRecord
	for i := range cands {
		r := &cands[i]
		rs := slices.Clone(base)
		rs = append(rs, recordReasons(t, r, direction, ds)...)
		if t.Letter != "" && !letterOK(t, r, lc) {
			rs = append(rs, wire.ReasonPreapprovalInvalid)
		}
		if bestRec == nil || len(rs) < len(best) {
			best, bestRec = rs, r
		}
	}
	if len(best) == 0 {
		return Expectation{Outcome: wire.OutcomeAdmitted, Reasons: []string{}}, bestRec
	}
	return refer(best...), bestRec
}

func recordReasons(t *Traveler, r *wire.AuthzRecord, direction, today string) []string {
	var rs []string
	n := 39
	if t.Format == "TD1" {
		n = 30
	}
	listed := slices.ContainsFunc(r.Documents, func(d wire.Document) bool {
		return d.IssuingState == t.Document.IssuingState && d.Number == t.Document.Number
	})
	h, z := r.Holder, t.Holder
	if !listed || h.BirthDate != z.BirthDate || h.Nationality != z.Nationality || h.Sex != z.Sex ||
		nameField(h.Surname, h.GivenNames, n) != nameField(z.Surname, z.GivenNames, n) {
		// A record found through the card that does not list the document
		// presented does not establish the holder either.
		rs = append(rs, wire.ReasonHolderMismatch)
	}
	switch r.Status {
	case wire.StatusSuspended:
		rs = append(rs, wire.ReasonAuthSuspended)
	case wire.StatusRevoked:
		rs = append(rs, wire.ReasonAuthRevoked)
	case wire.StatusActive:
	default:
		rs = append(rs, wire.ReasonAuthRevoked)
	}
	if today < r.ValidFrom {
		rs = append(rs, wire.ReasonAuthNotYetValid)
	}
	if today > r.ValidUntil {
		rs = append(rs, wire.ReasonAuthExpired)
	}
	if !slices.Contains(r.Entries, direction) {
		rs = append(rs, wire.ReasonDirectionNotAllowed)
	}
	if t.Card == nil && r.RequireCard {
		rs = append(rs, wire.ReasonCardMissing)
	}
	if t.Card != nil && (r.TrustedTraveler == nil || r.TrustedTraveler.CardTag != t.Card.Tag) {
		rs = append(rs, wire.ReasonCardMismatch)
	}
	return rs
}

func letterOK(t *Traveler, r *wire.AuthzRecord, lc letterCheck) bool {
	l := lc.l
	if lc.err != nil || l == nil {
		return false
	}
	if l.Document.IssuingState != t.Document.IssuingState || l.Document.Number != t.Document.Number {
		return false
	}
	if r != nil && (l.AuthorizationID != r.AuthorizationID || l.Holder.Surname != r.Holder.Surname || l.Holder.BirthDate != r.Holder.BirthDate) {
		return false
	}
	return true
}

// refer sorts reasons into the order of the spec's table.
func refer(reasons ...string) Expectation {
	out := make([]string, 0, len(reasons))
	for _, r := range wire.AllReasons {
		if slices.Contains(reasons, r) {
			out = append(out, r)
		}
	}
	return Expectation{Outcome: wire.OutcomeReferred, Reasons: out}
}
