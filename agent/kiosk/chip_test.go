package kiosk

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// fakeChip is a chip reader that answers with a prepared result, after
// saying it waits and reads; block makes it wait for the context.
type fakeChip struct {
	res   ChipResult
	block bool
	mu    sync.Mutex
	got   [][]string
	given []*ChipResult
}

func (f *fakeChip) Check(ctx context.Context, printed []string, progress func(string)) ChipResult {
	f.mu.Lock()
	f.got = append(f.got, printed)
	f.mu.Unlock()
	progress(ChipStageWaiting)
	progress(ChipStageReading)
	if f.block {
		<-ctx.Done()
		return ChipResult{Failure: ChipTimeout}
	}
	r := f.res
	r.Photo = bytes.Clone(f.res.Photo)
	return r
}

func (f *fakeChip) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// refCamera records the reference it was given and answers res.
type refCamera struct {
	res FaceResult
	mu  sync.Mutex
	ref []byte
}

func (c *refCamera) Capture(ctx context.Context, ref []byte, guide func(string)) FaceResult {
	c.mu.Lock()
	c.ref = bytes.Clone(ref)
	c.mu.Unlock()
	return c.res
}

func (c *refCamera) Describe() (string, string) { return "test camera", "test comparator" }

var dg2JPEG = []byte{0xff, 0xd8, 0xff, 0xe0, 'c', 'h', 'i', 'p', 0xff, 0xd9}

func genuine() ChipResult {
	return ChipResult{Read: true, Protocol: "BAC", DG1Matches: true,
		PA:    view.PassiveAuth{Status: "valid", Country: "CA", CSCA: "CN=CSCA CA"},
		Photo: dg2JPEG, PhotoType: "image/jpeg"}
}

func chipRig(t *testing.T, pol Policy, chip *fakeChip, cam FaceCapturer, cp ChipPolicy) *rig {
	t.Helper()
	return newRigWith(t, pol, func(o *Options) {
		o.Chip, o.ChipPolicy, o.Face = chip, cp, cam
		o.Session.ChipTimeout = 2 * time.Second
	}, record("XPT-2026-0000123", "L898902C3", nil))
}

func checkNamed(tx *wire.Transaction, name string) wire.Check {
	for _, c := range tx.Checks {
		if c.Name == name {
			return c
		}
	}
	return wire.Check{}
}

// A genuine chip: read with the printed zone, passive authentication
// valid, the traveler goes on to the face step with DG2 as the reference,
// and is admitted.
func TestGenuineChipAdmitsAndIsTheFaceReference(t *testing.T) {
	score, thr := 0.9, 0.5
	cam := &refCamera{res: FaceResult{Captured: true, JPEG: []byte{0xff, 0xd8, 0xff, 1}, Verify: wire.Check{Name: "face.verify",
		Result: wire.CheckSuccessful, Score: &score, Threshold: &thr}}}
	ch := &fakeChip{res: genuine()}
	r := chipRig(t, Policy{}, ch, cam, ChipPolicy{})
	lines := passport("L898902C3")
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: lines})
	r.waitScreen(view.ScreenAdmitted)
	if ch.calls() != 1 || !slices.Equal(ch.got[0], lines) {
		t.Fatalf("chip read with %v", ch.got)
	}
	cam.mu.Lock()
	ref := cam.ref
	cam.mu.Unlock()
	if !bytes.Equal(ref, dg2JPEG) {
		t.Fatalf("face reference %x, want the chip's DG2", ref)
	}
	tx := r.lastTx()
	if tx.Outcome != wire.OutcomeAdmitted {
		t.Fatalf("outcome %s %v", tx.Outcome, tx.Reasons)
	}
	for _, n := range []string{"chip.read", "chip.dg1_match", "chip.passive_auth"} {
		if c := checkNamed(tx, n); c.Result != wire.CheckSuccessful {
			t.Errorf("%s: %+v", n, c)
		}
	}
	if _, ok := tx.TimingsMs["chip"]; !ok {
		t.Errorf("no chip timing %v", tx.TimingsMs)
	}
}

// Each way a chip fails is a referral with its reason, never admitted;
// the officer's view says what the chip said, with both photos when read.
func TestChipFailuresAreReferred(t *testing.T) {
	mod := func(f func(*ChipResult)) ChipResult {
		c := genuine()
		f(&c)
		return c
	}
	cases := []struct {
		name    string
		res     ChipResult
		block   bool
		pol     ChipPolicy
		reasons []string
		paCheck string // chip.passive_auth result
		detail  string // in chip.read or chip.passive_auth's detail
	}{
		{"no chip", ChipResult{Failure: ChipNoChip, Detail: "no chip in the field"}, false, ChipPolicy{},
			[]string{wire.ReasonChipUnreadable}, wire.CheckUndetermined, "no_chip"},
		{"BAC refused", ChipResult{Failure: ChipAccessDenied, Detail: "access denied (BAC refused)"}, false, ChipPolicy{},
			[]string{wire.ReasonChipUnreadable}, wire.CheckUndetermined, "access_denied"},
		{"card removed", ChipResult{Failure: ChipRemoved}, false, ChipPolicy{},
			[]string{wire.ReasonChipUnreadable}, wire.CheckUndetermined, "removed"},
		{"malformed DG2", ChipResult{Failure: ChipMalformed, Detail: "DG2: not an image"}, false, ChipPolicy{},
			[]string{wire.ReasonChipUnreadable}, wire.CheckUndetermined, "malformed"},
		{"reader never answers", ChipResult{}, true, ChipPolicy{},
			[]string{wire.ReasonChipUnreadable}, wire.CheckUndetermined, "timeout"},
		{"pcscd down", ChipResult{Failure: ChipReadError, ReaderFault: "not_found"}, false, ChipPolicy{},
			[]string{wire.ReasonDeviceFault, wire.ReasonChipUnreadable}, wire.CheckUndetermined, "read_error"},
		{"DG1 differs", mod(func(c *ChipResult) { c.DG1Matches = false }), false, ChipPolicy{},
			[]string{wire.ReasonChipMRZMismatch}, wire.CheckSuccessful, ""},
		{"bad SOD signature", mod(func(c *ChipResult) {
			c.PA = view.PassiveAuth{Status: "invalid", Step: "sod_signature", Detail: "signature does not verify"}
		}), false, ChipPolicy{}, []string{wire.ReasonChipInvalid}, wire.CheckFailed, "sod_signature"},
		{"DG2 hash", mod(func(c *ChipResult) { c.PA = view.PassiveAuth{Status: "invalid", Step: "dg_hash", DG: 2} }), false, ChipPolicy{},
			[]string{wire.ReasonChipInvalid}, wire.CheckFailed, "dg_hash DG2"},
		{"CSCA not held", mod(func(c *ChipResult) { c.PA = view.PassiveAuth{Status: "no_trust_anchor", Country: "ZZ"} }), false, ChipPolicy{},
			[]string{wire.ReasonChipUntrusted}, wire.CheckUndetermined, "no_trust_anchor"},
		{"invalid ignored, untrusted still refers", mod(func(c *ChipResult) { c.PA = view.PassiveAuth{Status: "no_trust_anchor"} }), false,
			ChipPolicy{OnInvalid: "ignore"}, []string{wire.ReasonChipUntrusted}, wire.CheckUndetermined, "no_trust_anchor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			score, thr := 0.9, 0.5
			cam := &refCamera{res: FaceResult{Captured: true, JPEG: []byte{0xff, 0xd8, 0xff, 2}, Verify: wire.Check{Name: "face.verify",
				Result: wire.CheckSuccessful, Score: &score, Threshold: &thr}}}
			r := chipRig(t, Policy{}, &fakeChip{res: c.res, block: c.block}, cam, c.pol)
			r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
			if c.block {
				v := r.waitScreen(view.ScreenChip)
				if v.Step != 1 {
					t.Errorf("chip screen at step %d, want the passport's", v.Step)
				}
				for deadline := time.Now().Add(2 * time.Second); r.k.Traveler().Guidance != ChipStageReading; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("chip screen guidance %q, want %s", r.k.Traveler().Guidance, ChipStageReading)
					}
				}
				r.advance(3 * time.Second) // past the step's safety net
			}
			r.waitScreen(view.ScreenReferred)
			tx := r.lastTx()
			if tx.Outcome != wire.OutcomeReferred || !slices.Equal(tx.Reasons, c.reasons) {
				t.Fatalf("outcome %s reasons %v, want %v", tx.Outcome, tx.Reasons, c.reasons)
			}
			if got := checkNamed(tx, "chip.passive_auth"); got.Result != c.paCheck {
				t.Errorf("chip.passive_auth %+v, want %s", got, c.paCheck)
			}
			if c.detail != "" {
				d := checkNamed(tx, "chip.read").Detail + " " + checkNamed(tx, "chip.passive_auth").Detail
				if !bytes.Contains([]byte(d), []byte(c.detail)) {
					t.Errorf("details %q do not say %q", d, c.detail)
				}
			}
			refs := r.k.Referrals()
			if len(refs) != 1 || refs[0].Chip == nil {
				t.Fatalf("referrals %+v", refs)
			}
			v := refs[0]
			if v.Chip.Read != c.res.Read || v.Chip.Failure != map[bool]string{true: "", false: c.res.Failure}[c.res.Read] && !c.block {
				t.Errorf("chip view %+v", v.Chip)
			}
			if c.block && v.Chip.Failure != ChipTimeout {
				t.Errorf("timed out chip view %+v", v.Chip)
			}
			if c.res.Read {
				if v.Chip.PassiveAuth == nil || v.Chip.PassiveAuth.Status != c.res.PA.Status || v.Chip.PassiveAuth.Step != c.res.PA.Step ||
					v.Chip.DG1Matches == nil || *v.Chip.DG1Matches != c.res.DG1Matches || v.Chip.Protocol != "BAC" {
					t.Errorf("chip view %+v pa %+v", v.Chip, v.Chip.PassiveAuth)
				}
				if !v.HasChipPhoto || v.ChipPhotoType != "image/jpeg" {
					t.Errorf("chip photo %v %q", v.HasChipPhoto, v.ChipPhotoType)
				}
				if p, ok := r.k.ChipPhoto(v.ReferralID); !ok || !bytes.Equal(p, dg2JPEG) {
					t.Errorf("chip photo served %x %v", p, ok)
				}
				if v.FaceMatch == nil || v.FaceMatch.Reference != "chip" || v.FaceMatch.Result != wire.CheckSuccessful || *v.FaceMatch.Score != 0.9 {
					t.Errorf("face match %+v", v.FaceMatch)
				}
			} else {
				if v.HasChipPhoto || v.Chip.PassiveAuth != nil {
					t.Errorf("an unread chip shows %+v", v)
				}
				if _, ok := r.k.ChipPhoto(v.ReferralID); ok {
					t.Error("a chip photo for an unread chip")
				}
				if v.FaceMatch == nil || v.FaceMatch.Reference != "none" {
					t.Errorf("face match %+v", v.FaceMatch)
				}
			}
			// referral.opened carries the chip's verdict.
			var opened *wire.Referral
			for _, ev := range r.events() {
				if ev.Type == wire.EventReferralOpened {
					opened = ev.Referral
				}
			}
			if opened == nil || opened.Chip == nil || opened.Chip.Read != c.res.Read ||
				(c.res.Read && (opened.Chip.PassiveAuth != c.res.PA.Status || opened.ChipPhotoRef == "")) {
				t.Errorf("referral.opened chip %+v", opened)
			}
		})
	}
}

// A scanned page's document never has its chip read; nor has a kiosk
// without a chip reader any chip check.
func TestNoChipStepForTheScannerSpool(t *testing.T) {
	ch := &fakeChip{res: genuine()}
	r := chipRig(t, Policy{}, ch, nil, ChipPolicy{})
	if err := r.k.Document(passport("L898902C3"), "scanner"); err != nil {
		t.Fatal(err)
	}
	r.waitScreen(view.ScreenAdmitted)
	if ch.calls() != 0 {
		t.Fatal("the chip was read for a scanned page")
	}
	if c := checkNamed(r.lastTx(), "chip.read"); c.Name != "" {
		t.Fatalf("chip check without a chip step: %+v", c)
	}
}

// The chip's photo is wiped once the outcome is delivered; a referral
// keeps its copy for the officer until it is pruned, then that goes too.
func TestChipPhotoWiped(t *testing.T) {
	ch := &fakeChip{res: genuine()}
	r := chipRig(t, Policy{}, ch, nil, ChipPolicy{})
	r.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r.waitScreen(view.ScreenAdmitted)
	r.k.mu.Lock()
	res := r.k.s.Chip
	r.k.mu.Unlock()
	if res == nil || res.Photo != nil {
		t.Fatalf("after the outcome the session still holds the chip photo: %+v", res)
	}

	r2 := chipRig(t, Policy{}, &fakeChip{res: func() ChipResult { c := genuine(); c.DG1Matches = false; return c }()}, nil, ChipPolicy{})
	r2.mrz.send(drivers.Document{Device: "mrzReader", Lines: passport("L898902C3")})
	r2.waitScreen(view.ScreenReferred)
	id := r2.k.Referrals()[0].ReferralID
	r2.k.mu.Lock()
	kept := r2.k.referrals.byID[id].chipPhoto
	r2.k.mu.Unlock()
	if !bytes.Equal(kept, dg2JPEG) {
		t.Fatalf("referral's chip photo %x", kept)
	}
	r2.advance(25 * time.Hour)
	r2.k.prune()
	if _, ok := r2.k.ChipPhoto(id); ok {
		t.Fatal("chip photo served after the referral was pruned")
	}
	if !bytes.Equal(kept, make([]byte, len(kept))) {
		t.Fatalf("pruned chip photo not overwritten: %x", kept)
	}
}

// The chip reader is a device on the technician console and in telemetry;
// its fault during a chip step refers the traveler DEVICE_FAULT.
func TestChipReaderDevice(t *testing.T) {
	r := chipRig(t, Policy{}, &fakeChip{res: genuine()}, nil, ChipPolicy{})
	var found *view.Device
	for _, d := range r.k.Technician().Devices {
		if d.Name == "chipReader" {
			found = &d
		}
	}
	if found == nil || found.State != "ok" {
		t.Fatalf("no chipReader device: %+v", r.k.Technician().Devices)
	}
	r.k.deviceFault("chipReader", "not_found", "pcscd not answering")
	for _, d := range r.k.Technician().Devices {
		if d.Name == "chipReader" && (d.State != "fault" || d.Code != "not_found") {
			t.Fatalf("chipReader %+v", d)
		}
	}
}
