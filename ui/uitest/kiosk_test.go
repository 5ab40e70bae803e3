package uitest_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/ui/uitest"
)

// TestAutomaticSession runs a session by the clock, as the dev server does.
func TestAutomaticSession(t *testing.T) {
	k := uitest.New()
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	k.SetClock(func() time.Time { return now })
	step := func(d time.Duration) { now = now.Add(d); k.Tick() }

	ch := k.Changed()
	if err := k.Start("fr"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("Changed not closed by Start")
	}
	if err := k.Present(0, true); err != nil {
		t.Fatal(err)
	}
	var guidance []string
	for i := 0; i < 20 && k.Traveler().Screen == view.ScreenFace; i++ {
		if g := k.Traveler().Guidance; len(guidance) == 0 || guidance[len(guidance)-1] != g {
			guidance = append(guidance, g)
		}
		step(uitest.GuidanceStep)
	}
	if len(guidance) < 3 {
		t.Errorf("guidance %q", guidance)
	}
	if s := k.Traveler().Screen; s != view.ScreenProcessing {
		t.Fatalf("after face: %q", s)
	}
	step(uitest.ProcessingTime + time.Millisecond)
	tr := k.Traveler()
	if tr.Screen != view.ScreenAdmitted || tr.Step != tr.Steps || tr.Lang != "fr" {
		t.Fatalf("outcome %+v", tr)
	}
	step(uitest.OutcomeTimeout + time.Second)
	if s := k.Traveler().Screen; s != view.ScreenWelcome {
		t.Fatalf("after the outcome: %q", s)
	}
	// A document step that times out aborts, then returns to welcome.
	k.Start("en")
	step(uitest.DocumentTimeout + time.Second)
	if s := k.Traveler().Screen; s != view.ScreenAborted {
		t.Fatalf("after the document time-out: %q", s)
	}
	step(uitest.AbortedTimeout + time.Second)
	if s := k.Traveler().Screen; s != view.ScreenWelcome {
		t.Fatalf("after aborted: %q", s)
	}
}

func TestReferralAndDecision(t *testing.T) {
	k := uitest.New()
	k.Start("en")
	if err := k.Present(1, false); err != nil { // wrong card, card step waits
		t.Fatal(err)
	}
	if s := k.Traveler().Screen; s != view.ScreenCard {
		t.Fatalf("screen %q", s)
	}
	k.PresentCard("0A1B2C3D4F")
	k.Complete()
	rs := k.Referrals()
	if k.Traveler().Screen != view.ScreenReferred || len(rs) != 1 || rs[0].Reasons[0] != "CARD_MISMATCH" {
		t.Fatalf("referrals %+v", rs)
	}
	if _, ok := k.Photo(rs[0].ReferralID); !ok {
		t.Error("no photo")
	}
	if err := k.Decide(context.Background(), rs[0].ReferralID, "B1", "admit", ""); err != nil {
		t.Fatal(err)
	}
	if err := k.Decide(context.Background(), rs[0].ReferralID, "B1", "admit", ""); err == nil {
		t.Error("decided twice")
	}
	if r := k.Referrals()[0]; r.Decision != "admit" || r.DecidedBy != "B1" {
		t.Errorf("after decision %+v", r)
	}
	tech := k.Technician()
	if len(tech.Recent) != 1 || tech.Recent[0].Outcome != "referred" {
		t.Errorf("recent %+v", tech.Recent)
	}
}

// TestChipFixtures: every chip case the officer console shows is there,
// with real JPEG photos, and the queue serves them.
func TestChipFixtures(t *testing.T) {
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	fs := uitest.ChipFixtures(now)
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, f := range fs {
		r := f.Referral
		if ids[r.ReferralID] {
			t.Errorf("%s: referral ID %s twice", f.Name, r.ReferralID)
		}
		ids[r.ReferralID] = true
		if !r.OpenedAt.Before(now) || len(r.Reasons) == 0 || r.Reference == "" {
			t.Errorf("%s: %+v", f.Name, r)
		}
		for _, p := range [][]byte{f.Photo, f.ChipPhoto} {
			if p == nil {
				continue
			}
			img, err := jpeg.Decode(bytes.NewReader(p))
			if err != nil || img.Bounds().Dx() < 100 {
				t.Errorf("%s: photo %v", f.Name, err)
			}
		}
		if r.HasChipPhoto != (f.ChipPhoto != nil) || (r.HasChipPhoto && r.ChipPhotoType != "image/jpeg") {
			t.Errorf("%s: hasChipPhoto %v, type %q", f.Name, r.HasChipPhoto, r.ChipPhotoType)
		}
		switch c := r.Chip; {
		case c == nil:
			seen["nil"] = true
		case !c.Read:
			seen["failure "+c.Failure] = true
		default:
			if c.DG1Matches != nil && !*c.DG1Matches {
				seen["dg1 mismatch"] = true
			}
			pa := c.PassiveAuth
			seen[pa.Status+" "+pa.Step] = true
			if c.ActiveAuth != nil && c.ActiveAuth.Status == "invalid" {
				seen["aa invalid"] = true
			}
			if pa.Step == "dg_hash" && pa.DG != 2 {
				t.Errorf("%s: dg_hash of DG%d", f.Name, pa.DG)
			}
		}
		if m := r.FaceMatch; m != nil && m.Result == "failed" && *m.Score < *m.Threshold {
			seen["face mismatch"] = true
		}
		if r.ChipPhotoOriginalType == "image/jp2" {
			seen["jp2"] = true
		}
	}
	for _, want := range []string{"nil", "failure no_chip", "failure access_denied", "dg1 mismatch", "valid ",
		"invalid sod_format", "invalid sod_signature", "invalid ds_certificate", "invalid dg_hash", "no_trust_anchor ",
		"face mismatch", "jp2", "aa invalid"} {
		if !seen[want] {
			t.Errorf("no fixture for %q; have %v", want, seen)
		}
	}

	k := uitest.New()
	k.AddChipFixtures()
	if got := len(k.Referrals()); got != len(fs) {
		t.Fatalf("%d referrals, want %d", got, len(fs))
	}
	for _, f := range fs {
		id := f.Referral.ReferralID
		if _, ok := k.Photo(id); !ok {
			t.Errorf("%s: no live photo", id)
		}
		if _, ok := k.ChipPhoto(id); ok != (f.ChipPhoto != nil) {
			t.Errorf("%s: chip photo served %v", id, ok)
		}
	}
}
