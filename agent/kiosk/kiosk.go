package kiosk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// Outbox is what the kiosk needs of the durable event queue.
type Outbox interface {
	Append(ev *wire.Event) (uint64, error)
	Full() bool
	Stats() outbox.Stats
}

// Auditor is the audit log.
type Auditor interface {
	Append(e audit.Entry) (uint64, string, error)
}

// Link is what the kiosk needs of the MQTT link (nil: no link, as in tests).
type Link interface {
	SetState(state string, reasons ...string)
	SetAuthzSeq(seq uint64)
	Connected() bool
	PublishTelemetry(t wire.Telemetry) error
	Rejections() map[string]uint64
}

// linkConnects is what the technician console shows of the link's broker
// sessions when the link can say (agent/link's does): how many it opened
// and when the last began (zero: never).
type linkConnects interface {
	Connects() (n uint64, last time.Time)
}

// FaceResult is a face capture's outcome, with verification when it ran
// (the session carries it as it is).
type FaceResult = session.FaceResult

// FaceCapturer runs one guided capture: at most its window, calling guide
// with guidance codes (move_closer, hold_still, …) as they change.
type FaceCapturer interface {
	Capture(ctx context.Context, reference []byte, guide func(code string)) FaceResult
	// Describe says plainly what the face pipeline can do: capture, what
	// capture checks (the camera's state comes from its device health);
	// verification, its state and why, "ok: …" or "not_supported: no face
	// model configured".
	Describe() (capture, verification string)
}

// Policy is the kiosk policy beyond the session's timeouts.
type Policy struct {
	RequireCard        bool
	MaxStaleness       time.Duration
	RandomReferralRate float64
	RequireFace        bool
	// FaceUnavailable says why a face check the configuration asks for
	// cannot run (RequireFace is then set: every traveler is referred).
	FaceUnavailable string
}

// Options configure a Kiosk.
type Options struct {
	KioskID, PortCode, Direction, Version string

	Session session.Config
	Policy  Policy

	Replica Replica // required
	Outbox  Outbox  // required
	Audit   Auditor
	Link    Link
	Keys    *wire.KeyRing // to verify pre-approval letters

	// Devices are the serial readers (and any other drivers.Device); their
	// events drive the session and their faults are reported.
	Devices []drivers.Device
	// Camera names the camera in device status when Face is set.
	Face FaceCapturer
	// Printer prints a receipt for each admitted and referred traveler
	// (nil: no printer). It is optional equipment: its faults are shown and
	// reported, but never refer a traveler nor degrade or close the kiosk.
	Printer drivers.ReceiptPrinter
	// Chip reads the passport's chip after its MRZ (nil: no chip step).
	// Its health is a drivers.Device named "chipReader" in Devices.
	Chip       ChipReader
	ChipPolicy ChipPolicy
	// InlinePhoto puts the capture into referral.opened as base64.
	InlinePhoto bool
	// OutboxCapacity is shown on the technician console (outbox.maxEvents).
	OutboxCapacity int
	// TelemetryInterval: how often telemetry is published (0: never).
	TelemetryInterval time.Duration
	// ReferralRetention: how long a decided referral (with its personal
	// data) stays in memory for the officer console.
	ReferralRetention time.Duration

	Now    func() time.Time
	Rand   io.Reader // crypto randomness for random referral; crypto/rand by default
	Logger *slog.Logger
}

// Kiosk is the running agent.
type Kiosk struct {
	o   Options
	log *slog.Logger
	in  chan any

	mu        sync.Mutex
	s         session.State
	version   uint64
	changed   chan struct{}
	started   time.Time
	devices   map[string]*deviceState
	devOrder  []string
	referrals map[string]*referral
	refOrder  []string
	recent    []view.Transaction
	counters  map[string]int64
	locked    bool // the central system's signed lock
	// maintenance: a technician took the kiosk out of service locally
	// (SetMaintenance); separate from locked, which only the central
	// system lifts.
	maintenance bool
	rate        float64
	faceStop    context.CancelFunc
	chipStop    context.CancelFunc
	tx          *txData
	state       string
	reasons     []string
	brokerURL   string
	receipts    view.Receipts
}

type deviceState struct {
	view.Device
}

// txData is what the current transaction gathered beyond the session state.
type txData struct {
	id       string
	started  time.Time
	faults   []string // devices that failed during the session
	faceRan  bool     // the face step started (a capture counts even if cut short)
	chipRan  bool     // the chip step started
	faceRef  bool     // the face step compared with the chip's photo
	decision *decisionOut
}

type referral struct {
	view.Referral
	photo     []byte
	chipPhoto []byte // DG2, as JPEG
	decidedAt time.Time
}

// New checks the options and builds an idle kiosk.
func New(o Options) (*Kiosk, error) {
	if o.Replica == nil || o.Outbox == nil {
		return nil, errors.New("kiosk: a replica and an outbox are required")
	}
	if !wire.ValidKioskID(o.KioskID) || !wire.ValidPortCode(o.PortCode) {
		return nil, fmt.Errorf("kiosk: bad kiosk ID %q or port code %q", o.KioskID, o.PortCode)
	}
	if o.Direction != wire.DirCAtoUS && o.Direction != wire.DirUStoCA {
		return nil, fmt.Errorf("kiosk: bad direction %q", o.Direction)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReferralRetention == 0 {
		o.ReferralRetention = 15 * time.Minute
	}
	if o.Session.OutcomeHold == 0 {
		o.Session.OutcomeHold = 12 * time.Second
	}
	o.Session.FaceEnabled = o.Face != nil
	k := &Kiosk{
		o: o, log: o.Logger, in: make(chan any, 64),
		changed: make(chan struct{}), started: o.Now(),
		devices: map[string]*deviceState{}, referrals: map[string]*referral{},
		counters: map[string]int64{}, rate: o.Policy.RandomReferralRate, state: wire.StateOnline,
	}
	for _, d := range o.Devices {
		k.addDevice(view.Device{Name: d.Name(), State: "ok", Since: k.started})
	}
	if o.Face != nil {
		k.addDevice(view.Device{Name: "camera", State: "ok", Since: k.started})
	}
	if o.Printer != nil {
		k.addDevice(view.Device{Name: o.Printer.Name(), State: "ok", Since: k.started})
	}
	if o.Chip != nil {
		if _, ok := k.devices["chipReader"]; !ok {
			k.addDevice(view.Device{Name: "chipReader", Kind: "pcsc", State: "ok", Since: k.started})
		}
	}
	return k, nil
}

func (k *Kiosk) addDevice(d view.Device) {
	if _, ok := k.devices[d.Name]; !ok {
		k.devOrder = append(k.devOrder, d.Name)
	}
	k.devices[d.Name] = &deviceState{Device: d}
}

// DescribeDevice sets what the technician console shows of a device (its
// kind, path, whether it is simulated).
func (k *Kiosk) DescribeDevice(name, kind, path string, simulated bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d, ok := k.devices[name]
	if !ok {
		k.addDevice(view.Device{Name: name, State: "ok", Since: k.o.Now()})
		d = k.devices[name]
	}
	d.Kind, d.Path, d.Simulated = kind, path, simulated
}

// SetDeviceState records a device that is not a drivers.Device (absent,
// disabled, not built in this binary, the scanner spool).
func (k *Kiosk) SetDeviceState(name, kind, state, code, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d, ok := k.devices[name]
	if !ok {
		k.addDevice(view.Device{Name: name})
		d = k.devices[name]
	}
	d.Kind, d.State, d.Code, d.Message, d.Since = kind, state, code, message, k.o.Now()
	k.notifyLocked()
}

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
	var lookup *session.Lookup
	need := k.o.Policy.RequireCard
	if res.Valid {
		lookup = k.lookUpDocument(res.IssuingState, res.DocumentNumber)
		for _, r := range lookup.Candidates {
			need = need || r.RequireCard
		}
	}
	// The chip of a passport on the kiosk's reader: TD3 passports only (an
	// ID card's chip is not asked for).
	readChip := k.o.Chip != nil && atReader && res.Valid && strings.HasPrefix(res.DocumentCode, "P")
	k.step(ctx, session.DocRead{Doc: session.DocumentRead{Valid: res.Valid, NeedCard: need, Chip: readChip,
		MRZ: res, Lookup: lookup}})
}

// AttachLink sets the MQTT link once it exists (it needs the kiosk as its
// command and decision handler). Call it before Run.
func (k *Kiosk) AttachLink(l Link) {
	k.mu.Lock()
	k.o.Link = l
	k.mu.Unlock()
}
