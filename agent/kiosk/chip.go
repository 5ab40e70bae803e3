package kiosk

import (
	"context"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// ChipReader reads and verifies a passport's chip with the keys of the
// printed zone (cmd wires drivers/chip over pcscd). It returns within its
// own timeout or when ctx ends, and reports its stage through progress
// (ChipStageWaiting, ChipStageReading). Whatever goes wrong is a
// ChipResult that is not Read, never a panic.
type ChipReader interface {
	Check(ctx context.Context, printed []string, progress func(stage string)) ChipResult
}

// Stages of a chip read, shown on the traveler's chip screen as guidance.
const (
	ChipStageWaiting = "chip_waiting" // no chip in the reader's field yet
	ChipStageReading = "chip_reading" // the chip is being read: keep the passport still
)

// Why a chip could not be read (ChipResult.Failure, view.Chip.Failure).
const (
	ChipNoChip       = "no_chip"       // no chip came into the reader's field in time
	ChipAccessDenied = "access_denied" // BAC or PACE refused (the printed zone's keys do not open it)
	ChipTimeout      = "timeout"       // the read did not finish in time
	ChipRemoved      = "removed"       // the passport was taken away mid-read
	ChipReadError    = "read_error"    // the reader or the chip failed (secure messaging, status words)
	ChipMalformed    = "malformed"     // a file that is not what ICAO 9303 says (truncated, a DG2 that is no image)
)

// ChipResult is one traveler's chip step, without raw chip files (the
// session carries it as it is; Failure is one of the Chip* failures).
type ChipResult = session.ChipResult

// ChipPolicy says what passive authentication's verdicts do.
type ChipPolicy struct {
	OnInvalid       string // refer (default) | ignore
	OnNoTrustAnchor string // refer (default) | ignore
}

type msgChipProgress struct{ txID, stage string }
type msgChipDone struct {
	txID string
	res  ChipResult
}

// startChip reads the chip of the session's document off the loop.
func (k *Kiosk) startChip(ctx context.Context) {
	k.mu.Lock()
	s := k.s
	d := s.Doc
	if k.tx != nil {
		k.tx.chipRan = true
	}
	k.mu.Unlock()
	txID := s.TxID
	if d == nil || k.o.Chip == nil {
		// Cannot happen (the session asks only for a read passport):
		// a chip step without a zone is an unreadable chip.
		go k.postChip(ctx, msgChipDone{txID: txID, res: ChipResult{Failure: ChipReadError, Detail: "no printed zone to open the chip with"}})
		return
	}
	lines := append([]string(nil), d.Lines...)
	cctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.chipStop = cancel
	k.mu.Unlock()
	go func() {
		defer cancel()
		res := k.o.Chip.Check(cctx, lines, func(stage string) {
			k.postChip(cctx, msgChipProgress{txID: txID, stage: stage})
		})
		if cctx.Err() != nil && ctx.Err() != nil {
			res.Wipe()
			return
		}
		k.postChip(ctx, msgChipDone{txID: txID, res: res})
	}()
}

func (k *Kiosk) postChip(ctx context.Context, m any) {
	select {
	case k.in <- m:
	case <-ctx.Done():
	}
}

func (k *Kiosk) stopChip() {
	k.mu.Lock()
	if k.chipStop != nil {
		k.chipStop()
		k.chipStop = nil
	}
	k.mu.Unlock()
}

// chipDone hands the result to the session; a reader fault counts as a
// device fault of this session.
func (k *Kiosk) chipDone(ctx context.Context, m msgChipDone) {
	k.mu.Lock()
	current := k.tx != nil && k.tx.id == m.txID && k.s.Phase == session.Chip
	if current {
		k.chipStop = nil
		if m.res.ReaderFault != "" {
			k.tx.faults = append(k.tx.faults, "chipReader")
		}
	}
	k.mu.Unlock()
	k.count("chips")
	if !current {
		// The step timed out or the traveler left: nobody takes it.
		m.res.Wipe()
		return
	}
	if !m.res.Read {
		k.count("chips_unreadable")
	}
	k.log.Debug("kiosk: chip step done", "read", m.res.Read, "failure", m.res.Failure, "protocol", m.res.Protocol,
		"dg1Matches", m.res.DG1Matches, "pa", m.res.PA.Status, "step", m.res.PA.Step, "aa", m.res.AA.Status, "ca", m.res.CA.Status)
	r := m.res
	k.step(ctx, session.ChipDone{TxID: m.txID, Result: &r})
}

// chipOf is the session's chip result: nil when no chip step ran; a
// timed-out step is a result that says so.
func chipOf(s session.State, ran bool) *ChipResult {
	if !ran {
		return nil
	}
	if s.Chip != nil {
		return s.Chip
	}
	return &ChipResult{Failure: ChipTimeout, Detail: "no answer from the chip reader in time"}
}

// decideChip is what the decision weighs of the chip.
func decideChip(c *ChipResult) *decide.Chip {
	if c == nil {
		return nil
	}
	return &decide.Chip{Read: c.Read, Failure: c.Failure, Detail: c.Detail, DG1Matches: c.DG1Matches,
		PA: c.PA.Status, PAStep: c.PA.Step, PADG: c.PA.DG, PADetail: c.PA.Detail, AA: c.AA.Status, AADetail: c.AA.Detail,
		CA: c.CA.Status, CADetail: c.CA.Detail}
}

// chipView is what the officer sees of the chip.
func chipView(c *ChipResult) *view.Chip {
	if c == nil {
		return nil
	}
	v := &view.Chip{Read: c.Read, Failure: c.Failure, Detail: c.Detail, Protocol: c.Protocol}
	if c.Read {
		m := c.DG1Matches
		v.DG1Matches = &m
		pa, aa, ca := c.PA, c.AA, c.CA
		v.PassiveAuth = &pa
		if aa.Status != "" {
			v.ActiveAuth = &aa
		}
		if ca.Status != "" {
			v.ChipAuth = &ca
		}
	}
	return v
}

// chipWire is the chip's verdict in referral.opened.
func chipWire(c *ChipResult) *wire.ReferralChip {
	if c == nil {
		return nil
	}
	w := &wire.ReferralChip{Read: c.Read, Failure: c.Failure, Protocol: c.Protocol}
	if c.Read {
		m := c.DG1Matches
		w.DG1Matches = &m
		w.PassiveAuth, w.Step, w.DG, w.Country, w.ActiveAuth, w.ChipAuth = c.PA.Status, c.PA.Step, c.PA.DG, c.PA.Country, c.AA.Status, c.CA.Status
	}
	return w
}

// faceMatchView is the officer's view of the face comparison: the face
// step's verify check and what it compared the capture with.
func faceMatchView(fr *FaceResult, ref string) *view.FaceMatch {
	if fr == nil {
		return nil
	}
	v := fr.Verify
	fm := &view.FaceMatch{Result: v.Result, Score: v.Score, Threshold: v.Threshold, Reference: ref, Detail: v.Detail}
	if fm.Result == "" {
		fm.Result = wire.CheckNotSupported
	}
	if !fr.Captured {
		fm.Result = wire.CheckAborted
		if fm.Detail == "" {
			fm.Detail = "no face captured: " + fr.Reason
		}
	}
	return fm
}

// chipReference is the face step's reference: DG2's photo when the chip
// was read and held one.
func chipReference(c *ChipResult) []byte {
	if c == nil || !c.Read || len(c.Photo) == 0 {
		return nil
	}
	return c.Photo
}
