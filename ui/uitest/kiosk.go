// Package uitest holds an in-memory ui.Kiosk (and ui.Simulator) for the
// ui package's tests and its development server: a small traveler state
// machine that can be driven step by step, a referral queue, and a
// technician snapshot with plausible values. It has no devices and no
// agent behind it.
package uitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/ui"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Timings of the automatic run (Tick); tests that drive the machine by
// hand never reach them.
var (
	DocumentTimeout = 60 * time.Second
	CardTimeout     = 20 * time.Second
	FaceTimeout     = 10 * time.Second
	OutcomeTimeout  = 20 * time.Second
	AbortedTimeout  = 10 * time.Second
	GuidanceStep    = 900 * time.Millisecond
	ProcessingTime  = 1500 * time.Millisecond
)

// Steps in the progress indicator: document, card, face, result.
const Steps = 4

// Traveler is one demo traveler, with the data a referral shows.
type Traveler struct {
	ui.SimTraveler
	Surname, GivenNames, Nationality, BirthDate string
	DocumentNo, ExpiryDate                      string
	AuthorizationID, Category                   string
	Occupation, Employer                        string
	CardTag                                     string
}

// DemoTravelers are fictitious travelers (specimen-style names).
func DemoTravelers() []Traveler {
	return []Traveler{
		{SimTraveler: ui.SimTraveler{Label: "Anna Eriksson — valid, with card", Expected: "admitted", HasCard: true},
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "CAN", BirthDate: "1974-08-12",
			DocumentNo: "L898902C3", ExpiryDate: "2030-04-15", AuthorizationID: "XPT-2026-0000123",
			Category: "professional", Occupation: "Software engineer", Employer: "Example Robotics Inc.", CardTag: "0A1B2C3D4E"},
		{SimTraveler: ui.SimTraveler{Label: "Pierre Tremblay — wrong card", Expected: "referred", Reasons: []string{"CARD_MISMATCH"}, HasCard: true},
			Surname: "TREMBLAY", GivenNames: "PIERRE LUC", Nationality: "CAN", BirthDate: "1981-02-03",
			DocumentNo: "GA123456", ExpiryDate: "2029-11-30", AuthorizationID: "XPT-2026-0000456",
			Category: "technical", Occupation: "Field technician", Employer: "Atelier Boréal ltée", CardTag: "0A1B2C3D4F"},
		{SimTraveler: ui.SimTraveler{Label: "John Specimen — expired passport, no authorization", Expected: "referred", Reasons: []string{"DOC_EXPIRED", "NOT_AUTHORIZED"}},
			Surname: "SPECIMEN", GivenNames: "JOHN", Nationality: "USA", BirthDate: "1969-12-24",
			DocumentNo: "E00007730", ExpiryDate: "2024-01-09"},
	}
}

// Decision is one Decide call, as the Kiosk received it.
type Decision struct {
	ReferralID, OfficerID, Decision, Note string
}

// Kiosk is the in-memory kiosk. Its zero value is not ready: use New.
type Kiosk struct {
	mu         sync.Mutex
	now        func() time.Time
	t          view.Traveler
	since      time.Time // when the current screen began
	traveler   int       // the demo traveler in the session, -1 if none
	withCard   bool
	guidance   int
	referrals  []view.Referral
	photos     map[string][]byte
	chipPhotos map[string][]byte
	tech       view.Technician
	travelers  []Traveler
	changed    chan struct{}
	nextID     int
	// Commands lists the commands received, for tests ("start en", …).
	commands  []string
	decisions []Decision
	receipt   *ui.Receipt
	// locked: the simulated central lock (the "lock" fault);
	// maintenance: a technician's (SetMaintenance).
	locked, maintenance bool
}

var _ ui.Kiosk = (*Kiosk)(nil)
var _ ui.Simulator = (*Kiosk)(nil)

// New returns a kiosk on its welcome screen.
func New() *Kiosk {
	k := &Kiosk{now: time.Now, photos: map[string][]byte{}, chipPhotos: map[string][]byte{}, changed: make(chan struct{}), traveler: -1,
		travelers: DemoTravelers()}
	k.t = view.Traveler{Screen: view.ScreenWelcome, Lang: "en", Steps: Steps, Version: 1}
	k.since = k.now()
	start := k.now().Add(-3*time.Hour - 12*time.Minute)
	k.tech = view.Technician{
		KioskID: "yyz-t1-k07", PortCode: "YYZ", Direction: "US>CA", Version: "dev", State: "online",
		StartedAt: start,
		Devices: []view.Device{
			{Name: "mrzReader", Kind: "desko", Path: "/dev/ttyUSB0", State: "ok", Since: start, Simulated: true},
			{Name: "cardReader", Kind: "em4100", Path: "/dev/ttyUSB1", State: "ok", Since: start, Simulated: true},
			{Name: "camera", Kind: "v4l2", Path: "/dev/video0", State: "ok", Since: start, Simulated: true},
			{Name: "scanner", Kind: "spool", Path: "/var/spool/xpt/scans", State: "disabled", Since: start, Simulated: true},
			{Name: "printer", Kind: "escpos", Path: "/dev/ttyUSB2", State: "ok", Since: start, Simulated: true},
		},
		Receipts: &view.Receipts{},
		Broker:   view.Broker{URL: "tcp://127.0.0.1:1883", Connected: true, Since: start},
		Authz:    view.Authz{Seq: 1842, Records: 2410332, LastSyncAt: k.now().Add(-95 * time.Second), Staleness: 95 * time.Second},
		Outbox:   view.Outbox{Capacity: 10000, NextSeq: 4218, AckedSeq: 4217},
		Face:     view.Face{Capture: "ok", CaptureDetail: "face capture: cascades haarcascade_frontalface_default.xml; face 20-80% of the frame width, sharpness >= 40", Verification: "not_supported: no face model configured"},
		Counters: map[string]int64{
			"transactions.admitted": 0, "transactions.referred": 0, "transactions.aborted": 0,
			"security.message_rejected.bad_signature": 0, "security.message_rejected.unknown_key": 0,
		},
		Recent: []view.Transaction{},
	}
	return k
}

// SetClock replaces the clock (tests).
func (k *Kiosk) SetClock(now func() time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = now
}

// changedLocked wakes everyone waiting on Changed.
func (k *Kiosk) changedLocked() {
	k.t.Version++
	close(k.changed)
	k.changed = make(chan struct{})
}

func (k *Kiosk) screenLocked(screen string, step int, timeout time.Duration) {
	k.t.Screen, k.t.Step = screen, step
	k.t.Guidance, k.t.Message, k.t.MoreTime, k.t.Reference = "", "", false, ""
	k.since = k.now()
	k.t.Deadline = time.Time{}
	if timeout > 0 {
		k.t.Deadline = k.since.Add(timeout)
	}
}

// Traveler implements ui.Kiosk.
func (k *Kiosk) Traveler() view.Traveler {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.t
}

// Technician implements ui.Kiosk.
func (k *Kiosk) Technician() view.Technician {
	k.mu.Lock()
	defer k.mu.Unlock()
	t := k.tech
	t.Devices = append([]view.Device(nil), t.Devices...)
	t.Recent = append([]view.Transaction(nil), t.Recent...)
	t.Reasons = append([]string(nil), t.Reasons...)
	t.Counters = make(map[string]int64, len(k.tech.Counters))
	for n, v := range k.tech.Counters {
		t.Counters[n] = v
	}
	t.Authz.Staleness = k.now().Sub(t.Authz.LastSyncAt).Round(time.Second)
	return t
}

// Referrals implements ui.Kiosk.
func (k *Kiosk) Referrals() []view.Referral {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]view.Referral(nil), k.referrals...)
}

// Photo implements ui.Kiosk.
func (k *Kiosk) Photo(id string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.photos[id]
	return b, ok
}

// ChipPhoto implements ui.Kiosk.
func (k *Kiosk) ChipPhoto(id string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.chipPhotos[id]
	return b, ok
}

// Changed implements ui.Kiosk.
func (k *Kiosk) Changed() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.changed
}

// ErrState is returned for a command the current screen does not take.
var ErrState = errors.New("uitest: not possible on this screen")

// Start implements ui.Kiosk.
func (k *Kiosk) Start(lang string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "start "+lang)
	if k.t.Screen != view.ScreenWelcome {
		return ErrState
	}
	k.t.Lang = lang
	k.traveler = -1
	k.screenLocked(view.ScreenDocument, 1, DocumentTimeout)
	k.changedLocked()
	return nil
}

// SetLanguage implements ui.Kiosk.
func (k *Kiosk) SetLanguage(lang string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "language "+lang)
	k.t.Lang = lang
	k.changedLocked()
	return nil
}

// Cancel implements ui.Kiosk.
func (k *Kiosk) Cancel() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "cancel")
	switch k.t.Screen {
	case view.ScreenDocument, view.ScreenCard, view.ScreenFace:
	default:
		return ErrState
	}
	k.abortLocked()
	return nil
}

func (k *Kiosk) abortLocked() {
	k.recordLocked("aborted", nil)
	k.screenLocked(view.ScreenAborted, 0, AbortedTimeout)
	k.changedLocked()
}

// Finish implements ui.Kiosk.
func (k *Kiosk) Finish() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "finish")
	switch k.t.Screen {
	case view.ScreenAdmitted, view.ScreenReferred, view.ScreenAborted:
	default:
		return ErrState
	}
	k.welcomeLocked()
	return nil
}

// MoreTime implements ui.Kiosk: while "Need more time?" is asked, the
// step starts over.
func (k *Kiosk) MoreTime() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "more-time")
	if !k.t.MoreTime {
		return ErrState
	}
	k.t.MoreTime = false
	k.since = k.now()
	switch k.t.Screen {
	case view.ScreenDocument:
		k.t.Deadline = k.since.Add(DocumentTimeout)
	case view.ScreenCard:
		k.t.Deadline = k.since.Add(CardTimeout)
	}
	k.changedLocked()
	return nil
}

// MoreTimePrompt is how long before a step's end the in-memory kiosk asks
// "Need more time?".
var MoreTimePrompt = 10 * time.Second

func (k *Kiosk) promptLocked(now time.Time) {
	if !k.t.MoreTime && !k.t.Deadline.IsZero() && k.t.Deadline.Sub(now) <= MoreTimePrompt {
		k.t.MoreTime = true
		k.changedLocked()
	}
}

func (k *Kiosk) welcomeLocked() {
	k.traveler = -1
	k.screenLocked(view.ScreenWelcome, 0, 0)
	k.changedLocked()
}

// Decide implements ui.Kiosk.
func (k *Kiosk) Decide(ctx context.Context, id, officer, decision, note string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "decide "+id+" "+decision)
	for i := range k.referrals {
		r := &k.referrals[i]
		if r.ReferralID != id {
			continue
		}
		if r.Decision != "" {
			return fmt.Errorf("uitest: referral %s already decided", id)
		}
		r.Decision, r.DecidedBy = decision, officer
		k.decisions = append(k.decisions, Decision{id, officer, decision, note})
		k.changedLocked()
		return nil
	}
	return fmt.Errorf("uitest: no referral %s", id)
}

// Commands returns the commands received so far.
func (k *Kiosk) Commands() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.commands...)
}

// Decisions returns the officer decisions received so far.
func (k *Kiosk) Decisions() []Decision {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Decision(nil), k.decisions...)
}

// Travelers implements ui.Simulator.
func (k *Kiosk) Travelers() []ui.SimTraveler {
	out := make([]ui.SimTraveler, len(k.travelers))
	for i, t := range k.travelers {
		out[i] = t.SimTraveler
	}
	return out
}

// Present implements ui.Simulator: traveler i's document is read; with
// the card the card step passes at once.
func (k *Kiosk) Present(i int, withCard bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, fmt.Sprintf("present %d %v", i, withCard))
	if i < 0 || i >= len(k.travelers) {
		return fmt.Errorf("uitest: no demo traveler %d", i)
	}
	if k.t.Screen == view.ScreenClosed {
		return nil // the reader reads it (a raw capture sees it); a closed kiosk drops it
	}
	if k.t.Screen != view.ScreenDocument {
		return fmt.Errorf("uitest: the kiosk is on %q, not waiting for a document", k.t.Screen)
	}
	k.traveler, k.withCard = i, withCard
	if withCard {
		k.faceLocked()
	} else {
		k.screenLocked(view.ScreenCard, 2, CardTimeout)
		k.changedLocked()
	}
	return nil
}

func (k *Kiosk) faceLocked() {
	k.screenLocked(view.ScreenFace, 3, FaceTimeout)
	k.guidance = 0
	k.t.Guidance = guidanceCycle[0]
	k.changedLocked()
}

// PresentCard implements ui.Simulator.
func (k *Kiosk) PresentCard(tag string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "card "+tag)
	if k.t.Screen != view.ScreenCard {
		return fmt.Errorf("uitest: the kiosk is on %q, not waiting for a card", k.t.Screen)
	}
	k.withCard = true
	k.faceLocked()
	return nil
}

// Faults implements ui.FaultLister.
func (k *Kiosk) Faults() []string {
	return []string{"mrz-disconnect", "card-noise", "camera-disconnect", "document-unreadable", "lock", "clear"}
}

// Fault implements ui.Simulator.
func (k *Kiosk) Fault(kind string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, "fault "+kind)
	dev := func(name, code, msg string) {
		for i := range k.tech.Devices {
			if k.tech.Devices[i].Name == name {
				d := &k.tech.Devices[i]
				d.State, d.Code, d.Message, d.Since = "fault", code, msg, k.now()
			}
		}
		k.tech.State = "degraded"
		k.tech.Reasons = append(k.tech.Reasons, name+": "+code)
	}
	switch kind {
	case "mrz-disconnect":
		dev("mrzReader", "not_found", "open /dev/ttyUSB0: no such file or directory")
		k.screenLocked(view.ScreenClosed, 0, 0)
	case "card-noise":
		dev("cardReader", "protocol", "3 frames with a bad checksum in 10 s")
		if k.t.Screen == view.ScreenCard {
			k.t.Message = "card_unreadable"
		}
	case "camera-disconnect":
		dev("camera", "not_found", "/dev/video0 went away")
	case "document-unreadable":
		if k.t.Screen == view.ScreenDocument {
			k.t.Message = "document_unreadable"
		}
	case "lock":
		k.locked = true
		k.outOfServiceLocked()
	case "clear":
		for i := range k.tech.Devices {
			d := &k.tech.Devices[i]
			if d.State == "fault" {
				d.State, d.Code, d.Message, d.Since = "ok", "", "", k.now()
			}
		}
		k.locked = false
		k.tech.State, k.tech.Reasons = "online", nil
		k.outOfServiceLocked()
	default:
		return fmt.Errorf("uitest: unknown fault %q", kind)
	}
	k.changedLocked()
	return nil
}

// SetMaintenance implements ui.Kiosk: the kiosk is out of service while
// it or the simulated central lock is on (the "lock" fault; "clear" lifts
// only that one).
func (k *Kiosk) SetMaintenance(on bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.commands = append(k.commands, fmt.Sprintf("maintenance %v", on))
	k.maintenance = on
	if !k.locked && !on {
		k.tech.State, k.tech.Reasons = "online", nil
	}
	k.outOfServiceLocked()
	k.changedLocked()
	return nil
}

// outOfServiceLocked sets the state and the traveler screen from the lock
// and the maintenance, as the agent does (the reason codes are the
// agent's).
func (k *Kiosk) outOfServiceLocked() {
	k.tech.Maintenance = k.maintenance
	if k.locked || k.maintenance {
		k.tech.State, k.tech.Reasons = "locked", nil
		if k.locked {
			k.tech.Reasons = append(k.tech.Reasons, "locked")
		}
		if k.maintenance {
			k.tech.Reasons = append(k.tech.Reasons, "maintenance")
		}
		if k.t.Screen != view.ScreenClosed {
			k.screenLocked(view.ScreenClosed, 0, 0)
		}
		return
	}
	if k.t.Screen == view.ScreenClosed {
		k.screenLocked(view.ScreenWelcome, 0, 0)
	}
}

// guidanceCycle is what the simulated face capture says, in order.
var guidanceCycle = []string{"no_face", "move_closer", "center_face", "look_at_camera", "hold_still"}

// SetGuidance and SetMessage put a code on the traveler screen (tests).
func (k *Kiosk) SetGuidance(code string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t.Guidance = code
	k.changedLocked()
}

// SetMessage puts a device message code on the traveler screen.
func (k *Kiosk) SetMessage(code string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t.Message = code
	k.changedLocked()
}

// Complete ends the face step at once and decides (tests): processing is
// skipped.
func (k *Kiosk) Complete() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.decideLocked()
}

// Tick advances the automatic parts of the session by the clock: face
// guidance, processing, time-outs. Run calls it; tests may too.
func (k *Kiosk) Tick() {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	el := now.Sub(k.since)
	switch k.t.Screen {
	case view.ScreenDocument:
		if el > DocumentTimeout {
			k.abortLocked()
		} else {
			k.promptLocked(now)
		}
	case view.ScreenCard:
		if el > CardTimeout {
			k.faceLocked()
		} else {
			k.promptLocked(now)
		}
	case view.ScreenFace:
		n := int(el / GuidanceStep)
		if n >= len(guidanceCycle) {
			k.screenLocked(view.ScreenProcessing, 4, 0)
			k.changedLocked()
		} else if n != k.guidance {
			k.guidance = n
			k.t.Guidance = guidanceCycle[n]
			k.changedLocked()
		}
	case view.ScreenProcessing:
		if el > ProcessingTime {
			k.decideLocked()
		}
	case view.ScreenAdmitted, view.ScreenReferred:
		if el > OutcomeTimeout {
			k.welcomeLocked()
		}
	case view.ScreenAborted:
		if el > AbortedTimeout {
			k.welcomeLocked()
		}
	}
}

// Run ticks until ctx ends.
func (k *Kiosk) Run(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.Tick()
		}
	}
}

func (k *Kiosk) decideLocked() {
	if k.traveler < 0 {
		k.traveler = 0
	}
	tr := k.travelers[k.traveler]
	reasons := append([]string(nil), tr.Reasons...)
	if tr.HasCard && !k.withCard {
		reasons = append(reasons, "CARD_MISSING")
	}
	if tr.Expected == "admitted" && len(reasons) == 0 {
		txID := k.recordLocked("admitted", nil)
		k.screenLocked(view.ScreenAdmitted, 4, OutcomeTimeout)
		k.t.Reference = wire.NewReference()
		k.printLocked(txID, "admitted", k.t.Reference)
		k.t.Step = Steps
		k.changedLocked()
		return
	}
	k.nextID++
	id := fmt.Sprintf("R-%04d", k.nextID)
	txID := k.recordLocked("referred", reasons)
	checks := []view.Check{
		{Name: "mrz.check_digits", Result: "successful"},
		{Name: "authz.lookup", Result: "successful", Detail: "record " + tr.AuthorizationID},
		{Name: "face.capture", Result: "successful", Score: ptr(0.87), Threshold: ptr(0.6), Detail: "best of 23 frames"},
		{Name: "face.verify", Result: "not_supported", Detail: "no face model configured"},
	}
	if tr.AuthorizationID == "" {
		checks[1] = view.Check{Name: "authz.lookup", Result: "failed", Detail: "no record for this document"}
	}
	for _, r := range reasons {
		if r == "CARD_MISMATCH" {
			checks = append(checks, view.Check{Name: "card.match", Result: "failed", Detail: "tag 0A1B2C3D4F, record has 0A1B2C3D4E"})
		}
	}
	k.referrals = append(k.referrals, view.Referral{
		ReferralID: id, TransactionID: txID, OpenedAt: k.now(), Reasons: reasons,
		Surname: tr.Surname, GivenNames: tr.GivenNames, Nationality: tr.Nationality, BirthDate: tr.BirthDate,
		DocumentCode: "P", IssuingState: tr.Nationality, DocumentNo: tr.DocumentNo, ExpiryDate: tr.ExpiryDate,
		AuthorizationID: tr.AuthorizationID, Category: tr.Category, Occupation: tr.Occupation, Employer: tr.Employer,
		Checks: checks, HasPhoto: true, Reference: wire.NewReference(),
	})
	k.photos[id] = portrait(k.nextID)
	k.screenLocked(view.ScreenReferred, 4, OutcomeTimeout)
	k.t.Reference = k.referrals[len(k.referrals)-1].Reference
	k.printLocked(txID, "referred", k.t.Reference)
	k.changedLocked()
}

func (k *Kiosk) recordLocked(outcome string, reasons []string) string {
	k.tech.Outbox.NextSeq++
	seq := k.tech.Outbox.NextSeq - 1
	id := fmt.Sprintf("T-%06d", seq)
	k.tech.Recent = append([]view.Transaction{{ID: id, At: k.now(), Outcome: outcome, Reasons: reasons, Seq: seq}}, k.tech.Recent...)
	if len(k.tech.Recent) > 20 {
		k.tech.Recent = k.tech.Recent[:20]
	}
	k.tech.Counters["transactions."+outcome]++
	k.tech.Outbox.AckedSeq = seq
	return id
}

// printLocked prints the outcome's receipt on the simulated printer.
func (k *Kiosk) printLocked(txID, outcome, ref string) {
	title, body := "ADMITTED", "You may proceed."
	if outcome == "referred" {
		title, body = "SEE AN OFFICER", "Please see an officer."
	}
	c := drivers.AlignCenter
	pg := printer.Page{Cut: true, Items: []printer.Item{
		{Kind: printer.ItemText, Text: "XPT", Align: c, Bold: true, Width: 2, Height: 2},
		{Kind: printer.ItemText, Text: "Border kiosk", Align: c, Width: 1, Height: 1},
		{Kind: printer.ItemText, Text: title, Align: c, Bold: true, Width: 2, Height: 2},
		{Kind: printer.ItemText, Text: body, Align: c, Width: 1, Height: 1},
		{Kind: printer.ItemText, Text: "Reference: " + ref, Bold: true, Width: 1, Height: 1},
		{Kind: printer.ItemText, Text: "Kiosk: yyz-t1-k07 (YYZ)", Width: 1, Height: 1},
		{Kind: printer.ItemText, Text: "Time: " + k.now().Format("2006-01-02 15:04 MST"), Width: 1, Height: 1},
		{Kind: printer.ItemQR, Text: ref, Align: c, QRModule: 6},
	}}
	png, _ := sim.RenderReceipt(pg, 80)
	k.receipt = &ui.Receipt{At: k.now(), Text: pg.Text(), PNG: png}
	k.tech.Receipts.Printed++
	k.tech.Receipts.Last = &view.ReceiptStatus{TransactionID: txID, Outcome: outcome, At: k.now(), Result: "printed"}
	k.tech.Counters["receipts_printed"]++
}

// LastReceipt is the last receipt the simulated printer printed.
func (k *Kiosk) LastReceipt() (ui.Receipt, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.receipt == nil {
		return ui.Receipt{}, false
	}
	return *k.receipt, true
}

// AddReferral puts a referral in the queue (tests).
func (k *Kiosk) AddReferral(r view.Referral, photo []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.referrals = append(k.referrals, r)
	if photo != nil {
		k.photos[r.ReferralID] = photo
	}
	k.changedLocked()
}

// SetTechnician replaces the technician snapshot (tests).
func (k *Kiosk) SetTechnician(f func(*view.Technician)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f(&k.tech)
	k.changedLocked()
}

func ptr(f float64) *float64 { return &f }

// portrait draws a grey placeholder head and shoulders, so that the
// officer console has a JPEG to show without any real face.
func portrait(seed int) []byte {
	const w, h = 240, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{0xd8, 0xdd, 0xe3, 0xff}
	fg := color.RGBA{uint8(0x70 + 10*(seed%4)), 0x78, 0x84, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			dx, dy := float64(x-w/2)/55, float64(y-120)/70
			if dx*dx+dy*dy <= 1 {
				c = fg
			}
			sx, sy := float64(x-w/2)/110, float64(y-h)/100
			if sy < 0 && sx*sx+sy*sy <= 1 && math.Abs(sx) <= 1 {
				c = fg
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}
