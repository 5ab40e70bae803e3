package session

import (
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

var chipDoc = DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, Chip: true}}

// A passport read at the kiosk's reader has its chip read before the face
// step: the chip screen, the read in the background, its progress, then on.
func TestChipStepBeforeTheFace(t *testing.T) {
	s, fx := run(t, cfg, Start{}, chipDoc)
	if s.Phase != Chip || Screen(s) != view.ScreenChip || !has(fx, ReadChip{}) || !has(fx, Show{Screen: view.ScreenChip}) {
		t.Fatalf("after the document: %v %v", s.Phase, fx)
	}
	if has(fx, CaptureFace{}) {
		t.Fatal("face capture started before the chip was read")
	}
	s, fx = Step(s, ChipProgress{TxID: s.TxID, Stage: "chip_reading"}, t0.Add(time.Second), cfg, ids)
	if s.Guidance != "chip_reading" || !has(fx, Show{Screen: view.ScreenChip}) {
		t.Fatalf("progress: %q %v", s.Guidance, fx)
	}
	read := &ChipResult{Read: true}
	s, fx = Step(s, ChipDone{TxID: s.TxID, Result: read}, t0.Add(2*time.Second), cfg, ids)
	if s.Phase != Face || !s.ChipDone || s.Chip != read || s.ChipTimedOut || s.Guidance != "" || !has(fx, CaptureFace{}) {
		t.Fatalf("after the chip: %+v %v", s, fx)
	}
	if _, ok := s.StepTimings["chip"]; !ok {
		t.Errorf("no chip timing: %v", s.StepTimings)
	}
}

// The card, when needed, comes after the chip; a card tapped during the
// chip step counts.
func TestChipThenCard(t *testing.T) {
	need := DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, Chip: true, NeedCard: true}}
	s, _ := run(t, cfg, Start{}, need)
	s, _ = Step(s, ChipDone{TxID: s.TxID, Result: &ChipResult{Detail: "read"}}, t0, cfg, ids)
	if s.Phase != Card {
		t.Fatalf("phase %v, want card", s.Phase)
	}
	s, _ = run(t, cfg, Start{}, need, CardRead{Tag: "0A1B"})
	s, fx := Step(s, ChipDone{TxID: s.TxID, Result: &ChipResult{Detail: "read"}}, t0, cfg, ids)
	if s.Phase != Face || s.CardTag != "0A1B" || !has(fx, CaptureFace{}) {
		t.Fatalf("card during the chip: %v %v", s.Phase, fx)
	}
}

// No answer from the reader in time: the step stops, the chip counts as
// unreadable (timeout) and the traveler goes on; never a pass.
func TestChipTimeout(t *testing.T) {
	c := cfg
	c.ChipTimeout = 5 * time.Second
	s, fx := run(t, c, Start{}, chipDoc, 6*time.Second, Tick{})
	if !has(fx, StopChip{}) || !s.ChipDone || !s.ChipTimedOut || s.Chip != nil || s.Phase != Face {
		t.Fatalf("after the chip timeout: %+v %v", s, fx)
	}
	// The reader's answer after the timeout changes nothing.
	s2, fx2 := Step(s, ChipDone{TxID: s.TxID, Result: &ChipResult{Detail: "late"}}, t0.Add(7*time.Second), c, ids)
	if s2.Chip != nil || len(fx2) != 0 {
		t.Fatalf("a late chip result was taken: %v %v", s2.Chip, fx2)
	}
	// Default safety net.
	s, _ = run(t, cfg, Start{}, chipDoc, DefaultChipTimeout-time.Second, Tick{})
	if s.Phase != Chip {
		t.Fatalf("timed out early: %v", s.Phase)
	}
}

// Another transaction's result never lands in this one.
func TestChipResultOfAnotherTransactionIgnored(t *testing.T) {
	s, _ := run(t, cfg, Start{}, chipDoc)
	s2, fx := Step(s, ChipDone{TxID: "tx-old", Result: &ChipResult{Detail: "other traveler"}}, t0, cfg, ids)
	if s2.Phase != Chip || s2.Chip != nil || len(fx) != 0 {
		t.Fatalf("took another transaction's chip: %+v", s2)
	}
	s2, fx = Step(s, ChipProgress{TxID: "tx-old", Stage: "chip_reading"}, t0, cfg, ids)
	if s2.Guidance != "" || len(fx) != 0 {
		t.Fatal("took another transaction's progress")
	}
}

// Cancelling, or the session running out, during the chip stops the read.
func TestChipCancelAndExpiry(t *testing.T) {
	s, fx := run(t, cfg, Start{}, chipDoc, Cancel{})
	if !has(fx, StopChip{}) || !has(fx, Record{Aborted: true}) || s.Outcome != "aborted" {
		t.Fatalf("cancel: %v %v", s.Outcome, fx)
	}
	c := cfg
	c.SessionTimeout, c.ChipTimeout = 10*time.Second, time.Minute
	s, fx = run(t, c, Start{}, chipDoc, 11*time.Second, Tick{})
	if !has(fx, StopChip{}) || s.Outcome != "aborted" {
		t.Fatalf("expiry: %v %v", s.Outcome, fx)
	}
}

// No chip step for a document the agent does not mark (a scanned page, a
// kiosk without a chip reader), nor for an invalid zone.
func TestNoChipStepUnlessAsked(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}})
	if has(fx, ReadChip{}) || s.Phase != Face {
		t.Fatalf("unmarked document: %v %v", s.Phase, fx)
	}
	s, fx = run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Chip: true}})
	if has(fx, ReadChip{}) || s.Phase != Deciding {
		t.Fatalf("invalid document: %v %v", s.Phase, fx)
	}
}

// The chip result never survives its session.
func TestChipForgottenAfterTheSession(t *testing.T) {
	s, _ := run(t, cfg, Start{}, chipDoc)
	s, _ = Step(s, ChipDone{TxID: s.TxID, Result: &ChipResult{Detail: "dg2"}}, t0, cfg, ids)
	s, _ = Step(s, FaceDone{Result: &FaceResult{Captured: true}}, t0, cfg, ids)
	s, _ = Step(s, Decided{Outcome: "referred"}, t0, cfg, ids)
	s, _ = Step(s, Durable{TxID: s.TxID}, t0, cfg, ids)
	s, _ = Step(s, Finish{}, t0, cfg, ids)
	if s.Chip != nil || s.ChipDone || s.Phase != Idle {
		t.Fatalf("chip kept after the session: %+v", s)
	}
}
