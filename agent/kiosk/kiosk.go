package kiosk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
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
	// StatePath is where the central lock, the referral rate a command set
	// and the maintenance mode are kept across restarts (persist.go;
	// {kiosk.dataDir}/kiosk-state.json); "" keeps them in memory only.
	StatePath string

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
	devices   devices
	referrals referrals
	recent    []view.Transaction
	counters  map[string]int64
	locked    bool // the central system's signed lock
	// maintenance: a technician took the kiosk out of service locally
	// (SetMaintenance); separate from locked, which only the central
	// system lifts.
	maintenance bool
	rate        float64
	rateSet     *float64   // the rate a set-referral-rate command set (kept)
	keepMu      sync.Mutex // serialises writes of the kept state
	faceStop    context.CancelFunc
	chipStop    context.CancelFunc
	tx          *txData
	state       string
	reasons     []string
	brokerURL   string
	receipts    view.Receipts
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
		counters: map[string]int64{}, rate: o.Policy.RandomReferralRate, state: wire.StateOnline,
	}
	if o.StatePath != "" {
		s, err := loadKept(o.StatePath)
		if err != nil {
			k.log.Error(err.Error())
		}
		k.locked, k.maintenance, k.rateSet = s.Locked, s.Maintenance, s.ReferralRate
		if s.ReferralRate != nil {
			k.rate = *s.ReferralRate
		}
		if k.locked || k.maintenance {
			k.log.Info("kiosk: closed at start, as it was kept", "locked", k.locked, "maintenance", k.maintenance)
		}
	}
	for _, d := range o.Devices {
		k.devices.add(view.Device{Name: d.Name(), State: "ok", Since: k.started})
	}
	if o.Face != nil {
		k.devices.add(view.Device{Name: "camera", State: "ok", Since: k.started})
	}
	if o.Printer != nil {
		k.devices.add(view.Device{Name: o.Printer.Name(), State: "ok", Since: k.started})
	}
	if o.Chip != nil {
		if _, ok := k.devices.lookup("chipReader"); !ok {
			k.devices.add(view.Device{Name: "chipReader", Kind: "pcsc", State: "ok", Since: k.started})
		}
	}
	return k, nil
}

// AttachLink sets the MQTT link once it exists (it needs the kiosk as its
// command and decision handler). Call it before Run.
func (k *Kiosk) AttachLink(l Link) {
	k.mu.Lock()
	k.o.Link = l
	k.mu.Unlock()
}

func (k *Kiosk) count(name string) {
	k.mu.Lock()
	k.counters[name]++
	k.mu.Unlock()
}

func (k *Kiosk) notify() {
	k.mu.Lock()
	k.notifyLocked()
	k.mu.Unlock()
}

func (k *Kiosk) notifyLocked() {
	k.version++
	close(k.changed)
	k.changed = make(chan struct{})
}
