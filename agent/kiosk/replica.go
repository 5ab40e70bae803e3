package kiosk

import (
	"context"
	"slices"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Replica is what the kiosk needs of the authorization replica
// (agent/authz). It speaks in plain types and the protocol's records, so
// that this package does not import the replica's package, nor Pebble.
type Replica interface {
	Candidates(issuingState, number, cardTag string) ([]wire.AuthzRecord, error)
	// Summary is the replica now: the seq of the last batch applied (it
	// moves with every batch applied), the records held, the last
	// successful sync (zero: never) and the envelopes refused.
	Summary() (seq uint64, records int64, lastSync time.Time, rejected uint64)
	Resync(ctx context.Context) error
}

// ReplicaStatus is what the kiosk shows and weighs of the replica.
type ReplicaStatus struct {
	Seq       uint64
	Records   int64
	LastSync  time.Time
	Staleness time.Duration // since LastSync; -1 when never synced
	Rejected  uint64
}

// Stale says the replica is older than the policy allows (or never synced).
func (s ReplicaStatus) Stale(max time.Duration) bool { return s.Staleness < 0 || s.Staleness > max }

// Wire is the status as telemetry carries it.
func (s ReplicaStatus) Wire() wire.AuthzStatus {
	w := wire.AuthzStatus{Seq: s.Seq, Records: s.Records}
	if !s.LastSync.IsZero() {
		w.LastSyncAt = wire.FormatTime(s.LastSync)
	}
	return w
}

// replica is the replica's status now.
func (k *Kiosk) replica() ReplicaStatus {
	var s ReplicaStatus
	s.Seq, s.Records, s.LastSync, s.Rejected = k.o.Replica.Summary()
	s.Staleness = -1
	if !s.LastSync.IsZero() {
		s.Staleness = k.o.Now().Sub(s.LastSync)
	}
	return s
}

// lookUpDocument asks the replica for a document's records when it is
// read (the flow needs to know whether a card is required). The session
// keeps the answer with the seq the replica had just before, for the
// decision to reuse.
func (k *Kiosk) lookUpDocument(issuingState, number string) *session.Lookup {
	l := &session.Lookup{Seq: k.replica().Seq}
	l.Candidates, l.Err = k.o.Replica.Candidates(issuingState, number, "")
	return l
}

// candidates are the records the decision weighs: those of the document
// (nil: none, or not weighed) and of the card tag (empty: none), as one
// Replica.Candidates(state, number, tag) gives them, the document's first.
// The document's look-up when it was read is reused while the replica's
// seq is the one it was made at (seq is the replica's now); only the card
// tag, which that look-up did not cover, is asked. A replica that moved on
// in between (a batch applied: a revocation during the session), a look-up
// that failed or a document that had none (an invalid zone) is asked again
// as a whole.
func (k *Kiosk) candidates(doc *session.DocumentRead, tag string, seq uint64) ([]wire.AuthzRecord, error) {
	if doc == nil {
		if tag == "" {
			return nil, nil
		}
		return k.o.Replica.Candidates("", "", tag)
	}
	l := doc.Lookup
	if l == nil || l.Err != nil || l.Seq != seq {
		return k.o.Replica.Candidates(doc.Document.IssuingState, doc.Document.Number, tag)
	}
	out := slices.Clone(l.Candidates)
	if tag == "" {
		return out, nil
	}
	byCard, err := k.o.Replica.Candidates("", "", tag)
	for _, r := range byCard {
		// A record found by both is the document's, once.
		if !slices.ContainsFunc(l.Candidates, func(d wire.AuthzRecord) bool { return d.AuthorizationID == r.AuthorizationID }) {
			out = append(out, r)
		}
	}
	return out, err
}
