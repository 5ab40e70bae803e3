package kiosk

import (
	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// decisionOut is what the kiosk keeps of a decision for its events.
type decisionOut struct {
	outcome string
	reasons []string
	checks  []wire.Check
	authID  string
	record  *wire.AuthzRecord
}

// decide gathers the session's inputs, runs decide.Decide and keeps the
// result for the transaction's events. It returns the outcome.
func (k *Kiosk) decide(unreadable bool) string {
	now := k.o.Now()
	k.mu.Lock()
	s := k.s
	var faults []string
	faceRan, chipRan := false, false
	if k.tx != nil {
		faults = append(faults, k.tx.faults...)
		faceRan, chipRan = k.tx.faceRan, k.tx.chipRan
	}
	rate := k.rate
	k.mu.Unlock()
	rs := k.replica()

	in := decide.Input{
		Policy: decide.Policy{PortCode: k.o.PortCode, Direction: k.o.Direction, RequireCard: k.o.Policy.RequireCard,
			RequireFace: k.o.Policy.RequireFace, MaxStaleness: k.o.Policy.MaxStaleness, RandomReferralRate: rate,
			ChipOnInvalid: k.o.ChipPolicy.OnInvalid, ChipOnNoTrustAnchor: k.o.ChipPolicy.OnNoTrustAnchor},
		LastSync: rs.LastSync,
		Now:      now,
		Rand:     k.o.Rand,
	}
	var doc *session.DocumentRead
	if d := s.Doc; d != nil && !unreadable {
		doc = d
		dd := d.Document
		in.Document = &dd
		if d.Lookup != nil && d.Lookup.Err != nil {
			faults = append(faults, "replica")
		}
	}
	if s.CardTag != "" {
		in.Card = &decide.Card{Tag: s.CardTag}
	}
	cands, err := k.candidates(doc, s.CardTag, rs.Seq)
	if err != nil {
		// The replica could not answer: refer, never admit on no data.
		k.log.Error("kiosk: replica look-up failed", "err", err)
		faults = append(faults, "replica")
	}
	in.Candidates = cands
	// The face step is weighed only when it ran: an invalid document goes
	// straight to the decision and is not also FACE_CAPTURE_FAILED.
	if k.o.Face != nil && faceRan {
		in.Face.Attempted = true
		if fr := s.Face; fr != nil {
			in.Face.Captured = fr.Captured
			switch fr.Verify.Result {
			case wire.CheckSuccessful, wire.CheckFailed:
				if fr.Verify.Score != nil && fr.Verify.Threshold != nil {
					in.Face.Compared, in.Face.Score, in.Face.Threshold = true, *fr.Verify.Score, *fr.Verify.Threshold
				}
			}
			in.Face.Detail = fr.Verify.Detail
			if in.Face.Detail == "" && !fr.Captured {
				in.Face.Detail = fr.Reason
			}
		}
	}
	if !unreadable {
		in.Chip = decideChip(chipOf(s, chipRan))
	}
	if s.Letter != "" {
		l := &decide.Letter{}
		if k.o.Keys == nil {
			l.Err = &wire.RejectError{Code: wire.RejectUnknownKey, Detail: "no trusted keys"}
		} else {
			l.Letter, l.Err = k.o.Keys.VerifyLetter(s.Letter, now)
		}
		in.Letter = l
	}
	in.DeviceFaults = k.requiredFaults(dedupe(faults), in)
	res := decide.Decide(in)
	out := &decisionOut{outcome: res.Outcome, reasons: res.Reasons, checks: res.Checks, record: res.Record}
	if res.Record != nil {
		out.authID = res.Record.AuthorizationID
	}
	k.mu.Lock()
	if k.tx != nil {
		k.tx.decision = out
	}
	k.counters["decisions"]++
	k.mu.Unlock()
	return res.Outcome
}

// requiredFaults keeps the faults of the devices this traveler needed: a
// card reader that hiccups while a traveler who needs no card is served, or
// a camera that restarts while a good face was still captured, does not
// refer anybody. Unknown devices count.
func (k *Kiosk) requiredFaults(devices []string, in decide.Input) []string {
	needCard := k.o.Policy.RequireCard
	for _, r := range in.Candidates {
		needCard = needCard || r.RequireCard
	}
	var out []string
	for _, d := range devices {
		switch d {
		case "cardReader":
			if !needCard && in.Card == nil {
				continue
			}
		case "camera":
			if !k.o.Policy.RequireFace && in.Face.Captured {
				continue
			}
		case "scanner":
			if in.Letter == nil {
				continue
			}
		case "chipReader":
			if in.Chip == nil {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
