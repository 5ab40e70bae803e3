package kiosk

import (
	"context"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
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
