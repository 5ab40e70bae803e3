package uitest_test

import (
	"context"
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
