package kiosk

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/authz"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var today = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

// reader is an in-memory device: the tests push the events a driver would.
type reader struct {
	name string
	ch   chan drivers.Event
}

func (r *reader) Name() string                 { return r.name }
func (r *reader) Events() <-chan drivers.Event { return r.ch }
func (r *reader) Health() *drivers.Error       { return nil }
func (r *reader) Close() error                 { return nil }
func newReader(name string) *reader            { return &reader{name: name, ch: make(chan drivers.Event, 8)} }
func (r *reader) send(ev drivers.Event)        { r.ch <- ev }

type rig struct {
	t       *testing.T
	k       *Kiosk
	ob      *outbox.Outbox
	rep     *authz.Replica
	mrz     *reader
	card    *reader
	auditF  string
	priv    ed25519.PrivateKey
	keys    *wire.KeyRing
	cancel  context.CancelFunc
	done    chan error
	nowMu   sync.Mutex
	nowTime time.Time
}

func (r *rig) now() time.Time {
	r.nowMu.Lock()
	defer r.nowMu.Unlock()
	return r.nowTime
}

func (r *rig) advance(d time.Duration) {
	r.nowMu.Lock()
	r.nowTime = r.nowTime.Add(d)
	r.nowMu.Unlock()
}

func record(id, number string, mod func(*wire.AuthzRecord)) wire.AuthzRecord {
	rec := wire.AuthzRecord{AuthorizationID: id, Version: 1, Status: wire.StatusActive, Category: "professional",
		Holder:          wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Documents:       []wire.Document{{Code: "P", IssuingState: "CAN", Number: number, ExpiryDate: "2030-04-15"}},
		TrustedTraveler: &wire.TrustedTraveler{Program: "NEXUS", MembershipID: "123456789", CardTag: "0A1B2C3D4E"},
		ValidFrom:       "2026-01-01", ValidUntil: "2031-01-01", Entries: []string{wire.DirUStoCA, wire.DirCAtoUS}}
	if mod != nil {
		mod(&rec)
	}
	return rec
}

func passport(number string) []string {
	lines, err := mrz.Generate(mrz.Fields{DocumentCode: "P", IssuingState: "CAN", Nationality: "CAN", DocumentNumber: number,
		Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Sex: "F",
		BirthDate: time.Date(1974, 8, 12, 0, 0, 0, 0, time.UTC), ExpiryDate: time.Date(2030, 4, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	return lines
}

func newRig(t *testing.T, pol Policy, recs ...wire.AuthzRecord) *rig {
	t.Helper()
	return newRigFace(t, pol, nil, recs...)
}

func newRigFace(t *testing.T, pol Policy, fc FaceCapturer, recs ...wire.AuthzRecord) *rig {
	t.Helper()
	return newRigPrinter(t, pol, fc, nil, recs...)
}

func newRigPrinter(t *testing.T, pol Policy, fc FaceCapturer, pr drivers.ReceiptPrinter, recs ...wire.AuthzRecord) *rig {
	t.Helper()
	return newRigWith(t, pol, func(o *Options) { o.Face, o.Printer = fc, pr }, recs...)
}

// newRigWith is a rig whose options mod changes before the kiosk is built.
func newRigWith(t *testing.T, pol Policy, mod func(*Options), recs ...wire.AuthzRecord) *rig {
	t.Helper()
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(nil)
	keys, _ := wire.NewKeyRing(map[string]string{"central-test": base64.StdEncoding.EncodeToString(pub)})
	r := &rig{t: t, priv: priv, keys: keys, nowTime: today, mrz: newReader("mrzReader"), card: newReader("cardReader")}
	var err error
	r.ob, err = outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: "yyz-t1-k07", PortCode: "YYZ", MaxEvents: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.ob.Close() })
	r.rep, err = authz.Open(authz.Options{Path: filepath.Join(dir, authz.DirName), Keys: keys, Now: r.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.rep.Close() })
	env, err := wire.Seal("central-test", priv, wire.AuthzBatch{Seq: 1, IssuedAt: wire.FormatTime(today), Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rep.HandleBatch(context.Background(), wire.TopicAuthzBatches, env); err != nil {
		t.Fatal(err)
	}
	r.auditF = filepath.Join(dir, "audit.log")
	al, err := audit.Open(r.auditF)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	if pol.MaxStaleness == 0 {
		pol.MaxStaleness = time.Hour
	}
	o := Options{KioskID: "yyz-t1-k07", PortCode: "YYZ", Direction: wire.DirUStoCA, Version: "test",
		Session: session.Config{SessionTimeout: time.Minute, DocumentTimeout: 30 * time.Second, CardTimeout: 10 * time.Second, OutcomeHold: 5 * time.Second},
		Policy:  pol, Replica: r.rep, Outbox: r.ob, Audit: al, Keys: keys, Devices: []drivers.Device{r.mrz, r.card},
		OutboxCapacity: 50, Now: r.now, Rand: bytes.NewReader(bytes.Repeat([]byte{0xff}, 64))}
	if mod != nil {
		mod(&o)
	}
	r.k, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// waitScreen waits until the traveler screen is one of want.
func (r *rig) waitScreen(want ...string) view.Traveler {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := r.k.Traveler()
		if slices.Contains(want, v.Screen) {
			return v
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("screen %q, want %v", v.Screen, want)
		}
		select {
		case <-r.k.Changed():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// events reads every durable event from the outbox.
func (r *rig) events() []wire.Event {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	recs, _ := r.ob.Next(ctx, 0, 1000)
	var out []wire.Event
	for _, rec := range recs {
		var ev wire.Event
		if err := json.Unmarshal(rec.Data, &ev); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func (r *rig) lastTx() *wire.Transaction {
	r.t.Helper()
	evs := r.events()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Transaction != nil {
			return evs[i].Transaction
		}
	}
	r.t.Fatal("no transaction event")
	return nil
}

func TestAdmittedTravelerIsDurableBeforeShown(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
	r.waitCardHeld()
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	tx := r.lastTx() // shown, so already durable
	if tx.Outcome != wire.OutcomeAdmitted || len(tx.Reasons) != 0 || tx.AuthorizationID != "XPT-2026-0000123" ||
		tx.Document.Number != "L898902C3" || tx.Holder.Surname != "ERIKSSON" || tx.Card.Tag != "0A1B2C3D4E" || tx.Direction != "US>CA" {
		t.Fatalf("transaction %+v", tx)
	}
	if _, ok := tx.TimingsMs["decision"]; !ok || len(tx.Checks) == 0 {
		t.Fatalf("timings %v checks %v", tx.TimingsMs, tx.Checks)
	}
	// The audit log has the transaction, without personal data, and verifies.
	data, _ := os.ReadFile(r.auditF)
	if bytes.Contains(data, []byte("L898902C3")) || bytes.Contains(data, []byte("ERIKSSON")) || !bytes.Contains(data, []byte(tx.ID)) {
		t.Fatalf("audit log: %s", data)
	}
	if res, err := audit.Verify(bytes.NewReader(data)); err != nil || !res.Intact() {
		t.Fatalf("audit chain: %v %+v", err, res)
	}
	// The screen goes back to the welcome screen after the hold.
	r.advance(6 * time.Second)
	r.waitScreen(view.ScreenWelcome)
}

func TestReferredTravelerOpensAReferralOfficersCanDecide(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) { a.Status = wire.StatusSuspended }))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenReferred)
	tx := r.lastTx()
	if tx.Outcome != wire.OutcomeReferred || !slices.Equal(tx.Reasons, []string{wire.ReasonAuthSuspended}) || tx.ReferralID == "" {
		t.Fatalf("transaction %+v", tx)
	}
	refs := r.k.Referrals()
	if len(refs) != 1 || refs[0].ReferralID != tx.ReferralID || refs[0].DocumentNo != "L898902C3" {
		t.Fatalf("referrals %+v", refs)
	}
	if err := r.k.Decide(context.Background(), tx.ReferralID, "B1234", "secondary", "check employer"); err != nil {
		t.Fatal(err)
	}
	if err := r.k.Decide(context.Background(), tx.ReferralID, "B1234", "admit", ""); err != ErrNoReferral {
		t.Fatalf("second decision: %v", err)
	}
	var types []string
	for _, ev := range r.events() {
		types = append(types, ev.Type)
	}
	want := []string{wire.EventTransactionCompleted, wire.EventReferralOpened, wire.EventReferralDecided}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	// The link's handler refuses decisions for referrals that are not open.
	od := r.k.OfficerDecisions()
	if od.ReferralOpen(tx.ReferralID) || od.ReferralOpen("nope") {
		t.Fatal("a decided or unknown referral is open")
	}
	// A second traveler, decided over MQTT (verified by the link).
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	waitCounter(t, r.k, "sessions", 2)
	r.waitScreen(view.ScreenReferred)
	tx2 := r.lastTx()
	if err := od.Decide(context.Background(), wire.OfficerDecision{ReferralID: tx2.ReferralID, KioskID: "yyz-t1-k07", OfficerID: "O-77",
		Decision: wire.DecisionRefuse, At: wire.FormatTime(today)}, "mqtt:central-test"); err != nil {
		t.Fatal(err)
	}
	// Every decision is audited with the officer and the path it came by.
	f, _ := os.Open(r.auditF)
	defer f.Close()
	var decided []audit.Entry
	audit.Scan(f, func(_ int, rec audit.Record, err error) bool {
		var e audit.Entry
		if err == nil && json.Unmarshal(rec.Entry, &e) == nil && e.Kind == wire.EventReferralDecided {
			decided = append(decided, e)
		}
		return true
	})
	if len(decided) != 2 || decided[0].Officer != "B1234" || decided[0].Via != ViaConsole || decided[0].Decision != "secondary" ||
		decided[1].Officer != "O-77" || decided[1].Via != "mqtt:central-test" || decided[1].ReferralID != tx2.ReferralID {
		t.Fatalf("audited decisions %+v", decided)
	}
}

func TestTravelerFacingStateNeverSaysWhy(t *testing.T) {
	r := newRig(t, Policy{})
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("X00000000")})
	v := r.waitScreen(view.ScreenReferred)
	b, _ := json.Marshal(v)
	for _, reason := range wire.AllReasons {
		if bytes.Contains(b, []byte(reason)) {
			t.Fatalf("traveler view says %s: %s", reason, b)
		}
	}
	if tx := r.lastTx(); !slices.Equal(tx.Reasons, []string{wire.ReasonNotAuthorized}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
}

func TestGarbageFromTheReaderIsUnreadableThenTimesOut(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	if err := r.k.Start("fr"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: []string{"GARBAGE"}})
	time.Sleep(100 * time.Millisecond)
	if v := r.k.Traveler(); v.Screen != view.ScreenDocument || v.Lang != "fr" {
		t.Fatalf("after garbage: %+v", v)
	}
	r.advance(31 * time.Second)
	r.waitScreen(view.ScreenReferred)
	if tx := r.lastTx(); !slices.Equal(tx.Reasons, []string{wire.ReasonMRZUnreadable}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
}

func TestDeviceFaultDuringSessionRefersAndIsReported(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) { a.RequireCard = true }))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenCard)
	r.card.send(drivers.Fault{Device: "cardReader", Err: drivers.Errorf(drivers.CodeDisconnected, "unplugged")})
	r.advance(11 * time.Second)
	r.waitScreen(view.ScreenReferred)
	tx := r.lastTx()
	if !slices.Equal(tx.Reasons, []string{wire.ReasonCardMissing, wire.ReasonDeviceFault}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
	tech := r.k.Technician()
	if tech.State != wire.StateDegraded || !slices.Contains(tech.Reasons, "cardReader_disconnected") {
		t.Fatalf("state %s %v", tech.State, tech.Reasons)
	}
	r.card.send(drivers.Recovered{Device: "cardReader", After: drivers.CodeDisconnected})
	deadline := time.Now().Add(3 * time.Second)
	for r.k.Technician().State != wire.StateOnline {
		if time.Now().After(deadline) {
			t.Fatal("not back online after recovery")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The fault and recovery events are made durable off the loop.
	for deadline := time.Now().Add(3 * time.Second); ; {
		var types []string
		for _, ev := range r.events() {
			types = append(types, ev.Type)
		}
		if slices.Contains(types, wire.EventDeviceFault) && slices.Contains(types, wire.EventDeviceRecovered) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %v", types)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCommandsLockAndRandomReferral(t *testing.T) {
	r := newRig(t, Policy{RandomReferralRate: 0.02}, record("XPT-2026-0000123", "L898902C3", nil))
	ctx := context.Background()
	// The technician console shows the policy in force.
	if tech := r.k.Technician(); tech.Outbox.Capacity != 50 {
		t.Fatalf("outbox capacity on the console: %d", tech.Outbox.Capacity)
	}
	if p := r.k.Technician().Policy; p.RandomReferralRate != 0.02 || p.RequireFace || p.RequireCard {
		t.Fatalf("policy on the console %+v", p)
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandLock}); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenClosed)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	time.Sleep(100 * time.Millisecond)
	if r.k.Traveler().Screen != view.ScreenClosed || len(r.events()) != 0 {
		t.Fatal("a locked kiosk processed a traveler")
	}
	if r.k.Technician().State != wire.StateLocked {
		t.Fatal("not locked")
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandUnlock}); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenWelcome)
	for _, bad := range []string{`{}`, `{"rate":2}`, `{"rate":"x"}`} {
		if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandSetReferralRate, Args: json.RawMessage(bad)}); err == nil {
			t.Errorf("rate %s accepted", bad)
		}
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: "reboot"}); err == nil {
		t.Error("unknown command accepted")
	}
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandSetReferralRate, Args: json.RawMessage(`{"rate":1}`)}); err != nil {
		t.Fatal(err)
	}
	if p := r.k.Technician().Policy; p.RandomReferralRate != 1 {
		t.Fatalf("the console shows rate %v after set_referral_rate 1", p.RandomReferralRate)
	}
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenReferred)
	if tx := r.lastTx(); !slices.Equal(tx.Reasons, []string{wire.ReasonRandomSelection}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
}

func TestFullOutboxClosesTheKiosk(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	for i := 0; !r.ob.Full(); i++ {
		if _, err := r.ob.Append(&wire.Event{Type: wire.EventDeviceFault, Device: &wire.DeviceEvent{Device: "x", Code: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	r.waitScreen(view.ScreenClosed)
	tech := r.k.Technician()
	if tech.State != wire.StateDegraded || !slices.Contains(tech.Reasons, "outbox_full") || !tech.Outbox.Full {
		t.Fatalf("state %s %v", tech.State, tech.Reasons)
	}
}

func TestStaleReplicaRefers(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	r.advance(2 * time.Hour)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenReferred)
	if tx := r.lastTx(); !slices.Equal(tx.Reasons, []string{wire.ReasonDataStale}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !slices.Contains(r.k.Technician().Reasons, "authz_stale") {
		if time.Now().After(deadline) {
			t.Fatal("staleness not on the technician console")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPreapprovalLetter(t *testing.T) {
	rec := record("XPT-2026-0000123", "L898902C3", nil)
	r := newRig(t, Policy{}, rec)
	good, _ := wire.SignLetter(r.priv, wire.Letter{KID: "central-test", AuthorizationID: rec.AuthorizationID,
		Document: wire.LetterDocument{IssuingState: "CAN", Number: "L898902C3"},
		Holder:   wire.LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, ValidUntil: "2027-03-31"})
	other, _ := wire.SignLetter(r.priv, wire.Letter{KID: "central-test", AuthorizationID: rec.AuthorizationID,
		Document: wire.LetterDocument{IssuingState: "CAN", Number: "ZZ0000000"},
		Holder:   wire.LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, ValidUntil: "2027-03-31"})
	for _, c := range []struct {
		letter  string
		screen  string
		reasons []string
	}{{good, view.ScreenAdmitted, nil}, {other, view.ScreenReferred, []string{wire.ReasonPreapprovalInvalid}}} {
		// Letter hands the letter to the loop's queue before the passport
		// is sent: the loop takes it first.
		if err := r.k.Letter(c.letter); err != nil {
			t.Fatal(err)
		}
		r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
		r.waitScreen(c.screen)
		if tx := r.lastTx(); !slices.Equal(tx.Reasons, c.reasons) {
			t.Fatalf("reasons %v, want %v", tx.Reasons, c.reasons)
		}
		_ = r.k.Finish()
		r.waitScreen(view.ScreenWelcome)
	}
}

// camera is a face step that returns a prepared result after guiding once.
type camera struct{ res FaceResult }

func (c camera) Capture(ctx context.Context, ref []byte, guide func(string)) FaceResult {
	guide("move_closer")
	return c.res
}

func (c camera) Describe() (string, string) { return "test camera", "test comparator" }

func TestFaceStep(t *testing.T) {
	score, threshold := 0.31, 0.42
	for _, c := range []struct {
		name    string
		res     FaceResult
		reasons []string
	}{
		{"mismatch", FaceResult{Captured: true, JPEG: []byte{0xff, 0xd8, 0xff}, Verify: wire.Check{Name: "face.verify",
			Result: wire.CheckFailed, Score: &score, Threshold: &threshold}}, []string{wire.ReasonFaceMismatch}},
		{"capture failed", FaceResult{Captured: false, Reason: "move_closer", Verify: wire.Check{Name: "face.verify",
			Result: wire.CheckNotSupported}}, []string{wire.ReasonFaceCaptureFailed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRigFace(t, Policy{}, camera{c.res}, record("XPT-2026-0000123", "L898902C3", nil))
			r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
			r.waitScreen(view.ScreenReferred)
			tx := r.lastTx()
			if !slices.Equal(tx.Reasons, c.reasons) {
				t.Fatalf("reasons %v, want %v", tx.Reasons, c.reasons)
			}
			if _, ok := tx.TimingsMs["face"]; !ok {
				t.Fatalf("no face timing: %v", tx.TimingsMs)
			}
			if c.res.JPEG != nil {
				photo, ok := r.k.Photo(tx.ReferralID)
				if !ok || !bytes.Equal(photo, c.res.JPEG) {
					t.Fatal("the referral has no photo")
				}
			}
		})
	}
	// An invalid document skips the face step and is not also FACE_CAPTURE_FAILED.
	r := newRigFace(t, Policy{}, camera{FaceResult{}}, record("XPT-2026-0000123", "L898902C3", nil))
	lines := passport("L898902C3")
	lines[1] = lines[1][:9] + "0" + lines[1][10:]
	if lines[1] == passport("L898902C3")[1] {
		lines[1] = lines[1][:9] + "1" + lines[1][10:]
	}
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: lines})
	r.waitScreen(view.ScreenReferred)
	if tx := r.lastTx(); !slices.Equal(tx.Reasons, []string{wire.ReasonMRZInvalid}) {
		t.Fatalf("reasons %v", tx.Reasons)
	}
}

func TestFaultOfADeviceNotNeededDoesNotRefer(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.card.send(drivers.Fault{Device: "cardReader", Err: drivers.Errorf(drivers.CodeDisconnected, "unplugged")})
	r.waitDevice("cardReader", "fault")
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	if tx := r.lastTx(); len(tx.Reasons) != 0 {
		t.Fatalf("reasons %v", tx.Reasons)
	}
}

// A card or letter presented after the passport, once the decision is made,
// belongs to that traveler's session and is dropped with it: the next
// traveler, who has none, is neither referred CARD_MISMATCH nor
// PREAPPROVAL_INVALID, and their event carries nobody else's tag.
func TestLateCardOrLetterNeverReachesTheNextTraveler(t *testing.T) {
	first := record("XPT-2026-0000123", "L898902C3", nil)
	second := record("XPT-2026-0000456", "ZE184226B", func(a *wire.AuthzRecord) {
		a.TrustedTraveler = &wire.TrustedTraveler{Program: "NEXUS", MembershipID: "987654321", CardTag: "FFEEDDCCBB"}
	})
	r := newRig(t, Policy{}, first, second)
	letter, _ := wire.SignLetter(r.priv, wire.Letter{KID: "central-test", AuthorizationID: first.AuthorizationID,
		Document: wire.LetterDocument{IssuingState: "CAN", Number: "L898902C3"},
		Holder:   wire.LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, ValidUntil: "2027-03-31"})

	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"}) // after the passport
	if err := r.k.Letter(letter); err != nil {
		t.Fatal(err)
	}
	waitCounter(t, r.k, "cards_dropped", 1)
	waitCounter(t, r.k, "letters_dropped", 1)
	if v := r.k.Traveler(); v.Screen != view.ScreenAdmitted || v.Message != "" {
		t.Fatalf("a late card changed the outcome screen: %+v", v)
	}

	// The next traveler, right away, without card or letter.
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("ZE184226B")})
	waitCounter(t, r.k, "sessions", 2)
	r.waitScreen(view.ScreenAdmitted, view.ScreenReferred)
	tx := r.lastTx()
	if tx.Document.Number != "ZE184226B" || tx.Card != nil || len(tx.Reasons) != 0 {
		t.Fatalf("second traveler inherited: card %+v reasons %v", tx.Card, tx.Reasons)
	}
}

// A card tapped on the welcome screen is held for the next session, and the
// screen says so, with the time it is kept.
func TestCardOnTheWelcomeScreenIsShownAndHeld(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) { a.RequireCard = true }))
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
	r.waitCardHeld()
	if v := r.k.Traveler(); v.Screen != view.ScreenWelcome || !v.Deadline.Equal(today.Add(session.DefaultHoldWindow)) {
		t.Fatalf("held card on screen: %+v", v)
	}
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	if tx := r.lastTx(); tx.Card == nil || tx.Card.Tag != "0A1B2C3D4E" {
		t.Fatalf("held card not used: %+v", tx.Card)
	}
}

// waitCardHeld waits until a card tapped on the welcome screen is held
// (the screen says "card_held"): the card and the passport come on two
// channels, and a passport sent before the card is taken would otherwise
// race it.
func (r *rig) waitCardHeld() {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for v := r.k.Traveler(); v.Message != "card_held"; v = r.k.Traveler() {
		if time.Now().After(deadline) {
			r.t.Fatalf("card not held on the welcome screen: %+v", v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDevice waits until the technician's view shows the device in state:
// a device's events and another's come on two channels, and one sent
// after the other may otherwise overtake it.
func (r *rig) waitDevice(name, state string) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, d := range r.k.Technician().Devices {
			if d.Name == name && d.State == state {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("device %s not %s: %+v", name, state, r.k.Technician().Devices)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitCounter(t *testing.T, k *Kiosk, name string, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for k.Technician().Counters[name] < want {
		if time.Now().After(deadline) {
			t.Fatalf("counter %s = %d, want %d", name, k.Technician().Counters[name], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A driving licence read well is no travel document: the traveler is asked
// for the passport, nothing is decided.
func TestDrivingLicenceIsAskedForThePassport(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: []string{"D1FRA13AA000026181231MARTIN<<9"}})
	waitCounter(t, r.k, "documents_not_travel", 1)
	if v := r.k.Traveler(); v.Screen != view.ScreenDocument || v.Message != "not_travel_document" {
		t.Fatalf("screen %+v", v)
	}
	if evs := r.events(); len(evs) != 0 {
		t.Fatalf("events %v", evs)
	}
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
}

// A traveler who starts and walks away before presenting anything is an
// aborted transaction, not a referral for nobody; the aborted screen is
// short and closes on its own.
func TestAbandonedSessionIsNoReferral(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.advance(31 * time.Second)
	v := r.waitScreen(view.ScreenAborted)
	if v.Reference != "" || v.Deadline.IsZero() || v.Deadline.Sub(r.now()) > session.DefaultAbandonedHold {
		t.Fatalf("aborted view %+v", v)
	}
	tx := r.lastTx()
	if tx.Outcome != wire.OutcomeAborted || len(tx.Reasons) != 0 || tx.ReferralID != "" || tx.Reference != "" {
		t.Fatalf("transaction %+v", tx)
	}
	if refs := r.k.Referrals(); len(refs) != 0 {
		t.Fatalf("referrals %+v", refs)
	}
	r.advance(session.DefaultAbandonedHold + time.Second)
	r.waitScreen(view.ScreenWelcome)
}

// The outcome carries a short reference, the same on the screen, in the
// events, in the officer's queue and in the audit log; the outcome screen
// says when it closes.
func TestOutcomeReference(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) { a.Status = wire.StatusSuspended }))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	v := r.waitScreen(view.ScreenReferred)
	tx := r.lastTx()
	if tx.Reference == "" || wire.NormalizeReference(tx.Reference) != tx.Reference || v.Reference != tx.Reference {
		t.Fatalf("reference: transaction %q, screen %q", tx.Reference, v.Reference)
	}
	if !v.Deadline.Equal(r.now().Add(5 * time.Second)) {
		t.Fatalf("outcome closes at %v", v.Deadline)
	}
	if !slices.Equal(v.Skipped, []int{2}) {
		t.Fatalf("no card was needed, yet skipped %v", v.Skipped)
	}
	var opened *wire.Referral
	for _, ev := range r.events() {
		if ev.Type == wire.EventReferralOpened {
			opened = ev.Referral
		}
	}
	if opened == nil || opened.Reference != tx.Reference {
		t.Fatalf("referral.opened %+v", opened)
	}
	if refs := r.k.Referrals(); len(refs) != 1 || refs[0].Reference != tx.Reference {
		t.Fatalf("queue %+v", refs)
	}
	data, _ := os.ReadFile(r.auditF)
	if !bytes.Contains(data, []byte(`"reference":"`+tx.Reference+`"`)) {
		t.Fatalf("audit log without the reference: %s", data)
	}
	// The next traveler does not see it; an admitted one gets a new one.
	r.advance(6 * time.Second)
	r.waitScreen(view.ScreenWelcome)
	if v := r.k.Traveler(); v.Reference != "" {
		t.Fatalf("reference left on the welcome screen: %q", v.Reference)
	}
}

// A presentation the reader could not read is said on the screen, and
// makes a timed-out session a traveler's (MRZ_UNREADABLE), not an
// abandoned one.
func TestMisreadIsShown(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", func(a *wire.AuthzRecord) { a.RequireCard = true }))
	if err := r.k.Start("en"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenDocument)
	r.mrz.send(drivers.Misread{Device: "mrzReader", Kind: drivers.RejectBadCheck})
	waitFor(t, func() bool { return r.k.Traveler().Message == "document_unreadable" })
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenCard)
	r.card.send(drivers.Misread{Device: "cardReader", Kind: drivers.RejectBadCheck})
	waitFor(t, func() bool { return r.k.Traveler().Message == "card_unreadable" })
	r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
	v := r.waitScreen(view.ScreenAdmitted)
	if v.Message != "" || len(v.Skipped) != 0 {
		t.Fatalf("after the card: %+v", v)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 3 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describedCamera describes itself as the real face station does.
type describedCamera struct{ camera }

func (describedCamera) Describe() (string, string) {
	return "face capture: cascades haarcascade_frontalface_default.xml; face 20-80% of the frame width, sharpness >= 40",
		"not_supported: no face-embedding model is configured ([face] modelFile)"
}

// The technician page's face capture state is the camera's health: the
// pipeline's description is detail, never taken for the state (the console
// said "not working" of a camera that was fine).
func TestTechnicianFaceCaptureIsTheCameraState(t *testing.T) {
	r := newRigFace(t, Policy{}, describedCamera{}, record("XPT-2026-0000123", "L898902C3", nil))
	f := r.k.Technician().Face
	if f.Capture != "ok" || !strings.Contains(f.CaptureDetail, "cascades") || !strings.HasPrefix(f.Verification, "not_supported: ") {
		t.Fatalf("camera fine: %+v", f)
	}
	r.mrz.send(drivers.Fault{Device: "camera", Err: drivers.Errorf(drivers.CodeDisconnected, "unplugged")})
	deadline := time.Now().Add(2 * time.Second)
	for r.k.Technician().Face.Capture != "fault" {
		if time.Now().After(deadline) {
			t.Fatalf("camera unplugged: %+v", r.k.Technician().Face)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.mrz.send(drivers.Recovered{Device: "camera", After: drivers.CodeDisconnected})
	for r.k.Technician().Face.Capture != "ok" {
		if time.Now().After(deadline.Add(2 * time.Second)) {
			t.Fatalf("camera back: %+v", r.k.Technician().Face)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Without a camera, capture is disabled.
	if f := newRig(t, Policy{}).k.Technician().Face; f.Capture != "disabled" {
		t.Fatalf("no camera: %+v", f)
	}
}

// stateLink records the states the kiosk reports to the central system.
type stateLink struct {
	mu     sync.Mutex
	states []string
}

func (l *stateLink) SetState(state string, reasons ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, state+" "+strings.Join(reasons, ","))
}
func (l *stateLink) SetAuthzSeq(uint64)                    {}
func (l *stateLink) Connected() bool                       { return false }
func (l *stateLink) PublishTelemetry(wire.Telemetry) error { return nil }
func (l *stateLink) Rejections() map[string]uint64         { return nil }
func (l *stateLink) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.states) == 0 {
		return ""
	}
	return l.states[len(l.states)-1]
}

// A technician's maintenance closes the kiosk as the central lock does,
// reports it locked for "maintenance", and is a flag of its own: a central
// unlock does not end it, and returning to service does not lift a
// central lock.
func TestMaintenanceIsLocalAndSeparateFromTheCentralLock(t *testing.T) {
	l := &stateLink{}
	r := newRigWith(t, Policy{}, func(o *Options) { o.Link = l }, record("XPT-2026-0000123", "L898902C3", nil))
	ctx := context.Background()
	st := func(state string, reasons ...string) {
		t.Helper()
		tech := r.k.Technician()
		if tech.State != state || !slices.Equal(tech.Reasons, reasons) {
			t.Fatalf("state %s %v, want %s %v", tech.State, tech.Reasons, state, reasons)
		}
		if want := state + " " + strings.Join(reasons, ","); l.last() != want {
			t.Fatalf("reported %q, want %q", l.last(), want)
		}
	}
	refused := func() {
		t.Helper()
		n := len(r.events())
		r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
		time.Sleep(100 * time.Millisecond)
		if r.k.Traveler().Screen != view.ScreenClosed || len(r.events()) != n {
			t.Fatal("a kiosk out of service processed a traveler")
		}
	}
	if err := r.k.SetMaintenance(true); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenClosed)
	st(wire.StateLocked, "maintenance")
	if !r.k.Technician().Maintenance {
		t.Fatal("the technician page does not say maintenance")
	}
	refused()
	// A central lock joins it; a central unlock leaves the maintenance on.
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandLock}); err != nil {
		t.Fatal(err)
	}
	st(wire.StateLocked, "locked", "maintenance")
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandUnlock}); err != nil {
		t.Fatal(err)
	}
	st(wire.StateLocked, "maintenance")
	refused()
	// Locked centrally again: returning to service leaves the lock on.
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandLock}); err != nil {
		t.Fatal(err)
	}
	if err := r.k.SetMaintenance(false); err != nil {
		t.Fatal(err)
	}
	st(wire.StateLocked, "locked")
	if r.k.Technician().Maintenance {
		t.Fatal("maintenance still shown")
	}
	refused()
	if err := r.k.ApplyCommand(ctx, wire.Command{Type: wire.CommandUnlock}); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenWelcome)
	st(wire.StateOnline)
	c := r.k.Technician().Counters
	if c["maintenance_on"] != 1 || c["maintenance_off"] != 1 {
		t.Fatalf("counters %v", c)
	}
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenCard, view.ScreenAdmitted)
}

// A traveler in progress when the kiosk is taken out of service finishes,
// as under the central lock; the kiosk closes after.
func TestMaintenanceLetsTheTravelerInProgressFinish(t *testing.T) {
	r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", nil))
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenCard, view.ScreenAdmitted)
	if err := r.k.SetMaintenance(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if sc := r.k.Traveler().Screen; sc == view.ScreenClosed {
		t.Fatal("the traveler in progress was cut off")
	}
	if err := r.k.Cancel(); err != nil {
		t.Fatal(err)
	}
	r.k.Finish()
	r.waitScreen(view.ScreenClosed)
}
