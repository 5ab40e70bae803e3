package kiosk

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// countingReplica is the rig's replica, with its look-ups written down.
type countingReplica struct {
	Replica
	mu    sync.Mutex
	calls []string // "state/number/tag"
}

func (c *countingReplica) Candidates(state, number, tag string) ([]wire.AuthzRecord, error) {
	c.mu.Lock()
	c.calls = append(c.calls, state+"/"+number+"/"+tag)
	c.mu.Unlock()
	return c.Replica.Candidates(state, number, tag)
}

func (c *countingReplica) lookups() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// countingRig is a rig whose replica counts its look-ups.
func countingRig(t *testing.T, recs ...wire.AuthzRecord) (*rig, *countingReplica) {
	t.Helper()
	cr := &countingReplica{}
	r := newRigWith(t, Policy{}, func(o *Options) { cr.Replica = o.Replica; o.Replica = cr }, recs...)
	return r, cr
}

// The replica is asked once per traveler: the document when it is read,
// and then only what that did not cover (the card's tag).
func TestOneReplicaLookUpPerTraveler(t *testing.T) {
	r, cr := countingRig(t, record("XPT-2026-0000123", "L898902C3", nil))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	if got := cr.lookups(); !slices.Equal(got, []string{"CAN/L898902C3/"}) {
		t.Fatalf("look-ups without a card %q, want the document's once", got)
	}

	r, cr = countingRig(t, record("XPT-2026-0000123", "L898902C3", nil))
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
	r.waitCardHeld()
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	if tx := r.lastTx(); tx.Outcome != wire.OutcomeAdmitted || tx.AuthorizationID != "XPT-2026-0000123" || tx.Card == nil || tx.Card.Tag != "0A1B2C3D4E" {
		t.Fatalf("transaction %+v", tx)
	}
	if got := cr.lookups(); !slices.Equal(got, []string{"CAN/L898902C3/", "//0A1B2C3D4E"}) {
		t.Fatalf("look-ups with a card %q, want the document's once, then the card's", got)
	}
}

// A record revoked between the document's read and the decision refers
// the traveler: the decision sees the replica moved on and asks again.
func TestRevokedDuringTheSessionRefers(t *testing.T) {
	needsCard := func(a *wire.AuthzRecord) { a.RequireCard = true }
	r, cr := countingRig(t, record("XPT-2026-0000123", "L898902C3", needsCard))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenCard)
	revoked := record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) {
		needsCard(a)
		a.Version, a.Status = 2, wire.StatusRevoked
	})
	env, err := wire.Seal("central-test", r.priv, wire.AuthzBatch{Seq: 2, IssuedAt: wire.FormatTime(r.now()), Records: []wire.AuthzRecord{revoked}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rep.HandleBatch(context.Background(), wire.TopicAuthzBatches, env); err != nil {
		t.Fatal(err)
	}
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
	r.waitScreen(view.ScreenReferred)
	tx := r.lastTx()
	if tx.Outcome != wire.OutcomeReferred || !slices.Contains(tx.Reasons, wire.ReasonAuthRevoked) {
		t.Fatalf("transaction %+v, want referred for %s", tx, wire.ReasonAuthRevoked)
	}
	got := cr.lookups()
	if len(got) != 2 || got[0] != "CAN/L898902C3/" || got[1] != "CAN/L898902C3/0A1B2C3D4E" {
		t.Fatalf("look-ups %q: want the document's, then all again after the batch", strings.Join(got, " "))
	}
}
