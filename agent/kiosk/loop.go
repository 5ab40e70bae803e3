package kiosk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/mrzdoc"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Run drives the kiosk until ctx ends.
func (k *Kiosk) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	sources := k.o.Devices
	if k.o.Printer != nil {
		sources = append(append([]drivers.Device(nil), sources...), k.o.Printer)
	}
	for _, d := range sources {
		wg.Add(1)
		go func(d drivers.Device) {
			defer wg.Done()
			for {
				select {
				case ev, ok := <-d.Events():
					if !ok {
						return
					}
					select {
					case k.in <- ev:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}(d)
	}
	defer wg.Wait()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var tele <-chan time.Time
	if k.o.TelemetryInterval > 0 && k.o.Link != nil {
		t := time.NewTicker(k.o.TelemetryInterval)
		defer t.Stop()
		tele = t.C
	}
	k.refreshState()
	for {
		select {
		case <-ctx.Done():
			k.mu.Lock()
			if k.faceStop != nil {
				k.faceStop()
			}
			if k.chipStop != nil {
				k.chipStop()
			}
			k.mu.Unlock()
			return ctx.Err()
		case in := <-k.in:
			k.handle(ctx, in)
		case <-tick.C:
			k.refreshState()
			k.step(ctx, session.Tick{})
			k.prune()
		case <-tele:
			k.publishTelemetry()
		}
	}
}

// post queues an input for the loop without blocking the caller for long.
func (k *Kiosk) post(v any) error {
	select {
	case k.in <- v:
		return nil
	case <-time.After(2 * time.Second):
		return errors.New("kiosk: busy")
	}
}

// Internal messages to the loop.
type (
	msgDurable   struct{ txID, reference string }
	msgRecordErr struct {
		txID string
		err  error
	}
	msgFaceGuide struct{ code string }
	msgFaceDone  struct{ res FaceResult }
	msgDocument  struct {
		lines  []string
		source string
	}
	msgLetter struct{ text string }
)

func (k *Kiosk) handle(ctx context.Context, in any) {
	switch m := in.(type) {
	case session.Input:
		k.step(ctx, m)
	case drivers.Document:
		k.document(ctx, m.Lines, m.Device, true)
	case msgDocument:
		k.document(ctx, m.lines, m.source, false)
	case drivers.Card:
		k.count("cards")
		k.step(ctx, session.CardRead{Tag: m.Tag})
	case msgLetter:
		k.count("letters")
		k.step(ctx, session.LetterRead{Text: m.text})
	case drivers.Misread:
		// A presentation the reader could not read: the traveler is asked
		// to try again (the session ignores it when nobody is in one).
		k.count("misreads")
		if m.Device == "cardReader" {
			k.step(ctx, session.CardUnreadable{})
		} else {
			k.step(ctx, session.DocUnreadable{})
		}
	case drivers.Printed:
		k.printed(m)
	case drivers.Fault:
		k.deviceFault(m.Device, string(m.Err.Code()), m.Err.Error())
	case drivers.Recovered:
		k.deviceRecovered(m.Device, string(m.After))
	case msgChipProgress:
		k.step(ctx, session.ChipProgress{TxID: m.txID, Stage: m.stage})
	case msgChipDone:
		k.chipDone(ctx, m)
	case msgFaceGuide:
		k.step(ctx, session.FaceGuidance{Code: m.code})
	case msgFaceDone:
		k.mu.Lock()
		k.faceStop = nil
		if k.tx != nil && m.res.DeviceFault != "" && !m.res.Captured {
			k.tx.faults = append(k.tx.faults, "camera")
		}
		k.mu.Unlock()
		r := m.res
		k.step(ctx, session.FaceDone{Result: &r})
	case msgDurable:
		k.step(ctx, session.Durable{TxID: m.txID, Reference: m.reference})
	case msgRecordErr:
		// Never fail open: an outcome that could not be made durable is
		// shown as a referral, and the kiosk closes.
		k.log.Error("kiosk: transaction event not durable; referring and closing", "err", m.err)
		k.mu.Lock()
		k.s.Outcome = wire.OutcomeReferred
		k.mu.Unlock()
		k.refreshState()
		k.step(ctx, session.Durable{TxID: m.txID})
	}
}

// step runs the session and carries out its effects.
func (k *Kiosk) step(ctx context.Context, in session.Input) {
	k.mu.Lock()
	s, fx := session.Step(k.s, in, k.o.Now(), k.o.Session, wire.NewID)
	k.s = s
	k.mu.Unlock()
	for _, f := range fx {
		switch f := f.(type) {
		case session.Show:
			k.notify()
		case session.BeginTransaction:
			k.mu.Lock()
			k.tx = &txData{id: f.TxID, started: k.o.Now()}
			k.mu.Unlock()
			k.count("sessions")
		case session.CaptureFace:
			k.mu.Lock()
			if k.tx != nil {
				k.tx.faceRan = true
			}
			k.mu.Unlock()
			k.startFace(ctx)
		case session.ReadChip:
			k.startChip(ctx)
		case session.StopChip:
			k.stopChip()
		case session.StopFace:
			k.mu.Lock()
			if k.faceStop != nil {
				k.faceStop()
				k.faceStop = nil
			}
			k.mu.Unlock()
		case session.Decide:
			outcome := k.decide(f.Unreadable)
			k.step(ctx, session.Decided{Outcome: outcome})
		case session.Record:
			k.record(f.Aborted)
		case session.Dropped:
			// A card or letter no session could take: counted, never kept.
			k.count(f.What + "s_dropped")
			k.log.Debug("kiosk: input dropped: no session takes it", "input", f.What)
		}
	}
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

// Document hands the kiosk MRZ lines read elsewhere (the scanner spool, the
// camera). source names the device for the audit.
func (k *Kiosk) Document(lines []string, source string) error {
	return k.post(msgDocument{lines: append([]string(nil), lines...), source: source})
}

// Letter hands the kiosk a scanned pre-approval letter's QR text.
func (k *Kiosk) Letter(text string) error { return k.post(msgLetter{text: text}) }

// atReader is set for a document from a reader device (the passport lies
// on the kiosk's reader: its chip can be read), not for one handed in by
// Document (the scanner spool, the camera).
func (k *Kiosk) document(ctx context.Context, lines []string, source string, atReader bool) {
	now := k.o.Now()
	res := mrz.Parse(lines, mrz.Options{Today: now, Correct: true})
	k.count("documents")
	k.log.Debug("kiosk: document read", "source", source, "lines", lines, "valid", res.Valid)
	if res.Format == mrz.FrenchDL || res.Format == mrz.SwissDL {
		// A driving licence read well is still no travel document: the
		// traveler is asked for the passport, as after a failed read.
		k.count("documents_not_travel")
		k.step(ctx, session.DocUnreadable{Message: "not_travel_document"})
		return
	}
	if res.Format == mrz.FormatUnknown {
		// Not the shape of any MRZ: the reader saw something else (a page
		// without a zone, a partial read). The traveler may try again until
		// the document step times out (MRZ_UNREADABLE). A zone of the right
		// shape whose check digits fail is MRZ_INVALID instead.
		k.count("documents_unreadable")
		k.step(ctx, session.DocUnreadable{})
		return
	}
	k.mu.Lock()
	phase := k.s.Phase
	k.mu.Unlock()
	if phase != session.Idle && phase != session.Document && phase != session.Outcome {
		k.count("documents_ignored")
		return
	}
	// What the zone says, mapped once: the decision, the events and the
	// referral all use it.
	doc := mrzdoc.Of(res)
	var lookup *session.Lookup
	need := k.o.Policy.RequireCard
	if doc.Valid {
		lookup = k.lookUpDocument(doc.IssuingState, doc.Number)
		for _, r := range lookup.Candidates {
			need = need || r.RequireCard
		}
	}
	// The chip of a passport on the kiosk's reader: TD3 passports only (an
	// ID card's chip is not asked for).
	readChip := k.o.Chip != nil && atReader && doc.Valid && strings.HasPrefix(doc.Code, "P")
	k.step(ctx, session.DocRead{Doc: session.DocumentRead{Document: doc, NeedCard: need, Chip: readChip,
		Lines: slices.Clone(res.Lines), Lookup: lookup}})
}

// startFace runs the capture off the loop. The session asks for it only
// when a FaceCapturer is configured (session.Config.FaceEnabled).
func (k *Kiosk) startFace(ctx context.Context) {
	fctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.faceStop = cancel
	// The reference is the chip's photo (DG2) when one was read: the
	// comparator matches the live capture against it.
	var ref []byte
	if k.tx != nil {
		ref = bytes.Clone(chipReference(chipOf(k.s, k.tx.chipRan)))
		k.tx.faceRef = len(ref) > 0
	}
	k.mu.Unlock()
	go func() {
		defer cancel()
		defer clear(ref)
		res := k.o.Face.Capture(fctx, ref, func(code string) {
			select {
			case k.in <- msgFaceGuide{code: code}:
			case <-fctx.Done():
			}
		})
		if fctx.Err() != nil && ctx.Err() != nil {
			return
		}
		select {
		case k.in <- msgFaceDone{res: res}:
		case <-ctx.Done():
		}
	}()
}
