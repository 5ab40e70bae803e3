package session

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

var (
	t0  = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	cfg = Config{SessionTimeout: 3 * time.Minute, DocumentTimeout: time.Minute, CardTimeout: 20 * time.Second,
		FaceEnabled: true, OutcomeHold: 10 * time.Second}
	seq int
)

func ids(now time.Time) string { seq++; return fmt.Sprintf("tx-%d", seq) }

// run feeds inputs at the given offsets and returns the final state and all effects.
func run(t *testing.T, c Config, steps ...any) (State, []Effect) {
	t.Helper()
	var s State
	var all []Effect
	now := t0
	for _, st := range steps {
		if d, ok := st.(time.Duration); ok {
			now = now.Add(d)
			continue
		}
		var fx []Effect
		s, fx = Step(s, st.(Input), now, c, ids)
		all = append(all, fx...)
	}
	return s, all
}

func has(fx []Effect, want Effect) bool {
	for _, f := range fx {
		if reflect.DeepEqual(f, want) {
			return true
		}
	}
	return false
}

func TestHappyPathShowsOutcomeOnlyWhenDurable(t *testing.T) {
	s, fx := run(t, cfg, Start{Lang: "fr"}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, FaceDone{Result: &FaceResult{Captured: true}},
		Decided{Outcome: "admitted"})
	if s.Phase != Recording || Screen(s) != view.ScreenProcessing {
		t.Fatalf("before durable: phase %v screen %s", s.Phase, Screen(s))
	}
	if !has(fx, CaptureFace{}) || !has(fx, Decide{}) || !has(fx, Record{}) {
		t.Fatalf("effects %v", fx)
	}
	if has(fx, Show{Screen: view.ScreenAdmitted}) {
		t.Fatal("outcome shown before it was durable")
	}
	s2, fx2 := Step(s, Durable{TxID: "other"}, t0, cfg, ids)
	if s2.Phase != Recording || len(fx2) != 0 {
		t.Fatal("a durable ack for another transaction moved the session")
	}
	s, fx = Step(s, Durable{TxID: s.TxID}, t0, cfg, ids)
	if s.Phase != Outcome || !has(fx, Show{Screen: view.ScreenAdmitted}) || s.Lang != "fr" {
		t.Fatalf("after durable: %v %v", s.Phase, fx)
	}
	s, fx = Step(s, Tick{}, t0.Add(11*time.Second), cfg, ids)
	if s.Phase != Idle || !has(fx, Show{Screen: view.ScreenWelcome}) || s.Lang != "" {
		t.Fatalf("outcome hold: %v %v lang %q", s.Phase, fx, s.Lang)
	}
	// The next traveler, who just places a passport, does not get the
	// previous traveler's French.
	s, _ = Step(s, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, t0.Add(12*time.Second), cfg, ids)
	if s.Lang != "en" {
		t.Errorf("a passport after a French traveler: lang %q, want the default en", s.Lang)
	}
}

func TestDocumentOnReaderStartsSession(t *testing.T) {
	s, fx := run(t, Config{SessionTimeout: time.Minute, DocumentTimeout: time.Minute, CardTimeout: time.Second},
		DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}})
	if s.Phase != Deciding || s.TxID == "" || !has(fx, Decide{}) {
		t.Fatalf("%v %v", s.Phase, fx)
	}
}

func TestNoDocumentIsUnreadable(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocUnreadable{}, 59*time.Second, Tick{}, 2*time.Second, Tick{})
	if s.Phase != Deciding || !has(fx, Decide{Unreadable: true}) || s.DocErrors != 1 {
		t.Fatalf("%v %v", s.Phase, fx)
	}
}

func TestInvalidMRZGoesStraightToDecision(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{NeedCard: true}})
	if s.Phase != Deciding || has(fx, CaptureFace{}) {
		t.Fatalf("%v %v", s.Phase, fx)
	}
}

func TestCardStep(t *testing.T) {
	// Waits for the card, then goes on.
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}})
	if s.Phase != Card || !has(fx, Show{Screen: view.ScreenCard}) {
		t.Fatalf("%v %v", s.Phase, fx)
	}
	s, fx = Step(s, CardRead{Tag: "0A1B2C3D4E"}, t0.Add(time.Second), cfg, ids)
	if s.Phase != Face || s.CardTag != "0A1B2C3D4E" || !has(fx, CaptureFace{}) {
		t.Fatalf("%v %v", s.Phase, fx)
	}
	// No card in time: the decision says CARD_MISSING.
	s, _ = run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}, 21*time.Second, Tick{})
	if s.Phase != Face || s.CardTag != "" {
		t.Fatalf("card timeout: %v", s.Phase)
	}
}

func TestCancelAndTimeoutAbortDurably(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, Cancel{})
	if s.Phase != Recording || s.Outcome != "aborted" || !has(fx, StopFace{}) || !has(fx, Record{Aborted: true}) {
		t.Fatalf("cancel: %v %v", s.Phase, fx)
	}
	s, fx = Step(s, Durable{TxID: s.TxID}, t0, cfg, ids)
	if !has(fx, Show{Screen: view.ScreenAborted}) {
		t.Fatalf("aborted screen: %v", fx)
	}
	s, fx = run(t, Config{SessionTimeout: 30 * time.Second, DocumentTimeout: time.Minute, CardTimeout: time.Minute},
		Start{}, 31*time.Second, Tick{})
	if s.Outcome != "aborted" || !has(fx, Record{Aborted: true}) {
		t.Fatalf("session timeout: %v %v", s.Phase, fx)
	}
}

func TestDecisionInFlightIsNotCancelled(t *testing.T) {
	s, _ := run(t, Config{SessionTimeout: time.Minute, DocumentTimeout: time.Minute, CardTimeout: time.Second},
		Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, Cancel{}, 2*time.Minute, Tick{})
	if s.Phase != Deciding {
		t.Fatalf("phase %v", s.Phase)
	}
}

func TestClosedKioskFinishesCurrentTravelerThenCloses(t *testing.T) {
	c := Config{SessionTimeout: time.Minute, DocumentTimeout: time.Minute, CardTimeout: time.Second, OutcomeHold: time.Second}
	s, _ := run(t, c, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, Availability{Open: false, Reasons: []string{"outbox_full"}})
	if s.Phase != Deciding {
		t.Fatalf("closing interrupted a traveler: %v", s.Phase)
	}
	s, _ = Step(s, Decided{Outcome: "referred"}, t0, c, ids)
	s, _ = Step(s, Durable{TxID: s.TxID}, t0, c, ids)
	s, fx := Step(s, Finish{}, t0, c, ids)
	if s.Phase != Closed || !has(fx, Show{Screen: view.ScreenClosed}) {
		t.Fatalf("after outcome: %v %v", s.Phase, fx)
	}
	s, fx = Step(s, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, t0, c, ids)
	if s.Phase != Closed || len(fx) != 0 {
		t.Fatal("a closed kiosk took a document")
	}
	s, fx = Step(s, Availability{Open: true}, t0, c, ids)
	if s.Phase != Idle || !has(fx, Show{Screen: view.ScreenWelcome}) {
		t.Fatalf("reopen: %v %v", s.Phase, fx)
	}
}

func TestFaceGuidanceAndSafetyNet(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, FaceGuidance{Code: "move_closer"})
	if s.Guidance != "move_closer" || !has(fx, Show{Screen: view.ScreenFace}) {
		t.Fatal("guidance not shown")
	}
	s, fx = Step(s, Tick{}, t0.Add(13*time.Second), cfg, ids)
	if s.Phase != Deciding || !has(fx, StopFace{}) {
		t.Fatalf("face safety net: %v %v", s.Phase, fx)
	}
}

func TestStepTimings(t *testing.T) {
	s, _ := run(t, cfg, Start{}, 2*time.Second, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, 3*time.Second, FaceDone{})
	if s.StepTimings["document"] != 2*time.Second || s.StepTimings["face"] != 3*time.Second {
		t.Fatalf("timings %v", s.StepTimings)
	}
}

// Input belongs to the session it arrived in: after the decision it is
// dropped with that session, and the next traveler never inherits it.
func TestInputAfterTheDecisionIsDroppedNotInherited(t *testing.T) {
	decided := func(c Config) State {
		s, _ := run(t, c, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, FaceDone{}, Decided{Outcome: "admitted"})
		return s
	}
	for _, late := range []struct {
		name string
		in   Input
		what string
	}{{"card", CardRead{Tag: "OLD"}, "card"}, {"letter", LetterRead{Text: "XPT1.a.b"}, "letter"}} {
		t.Run(late.name, func(t *testing.T) {
			// While the decision is being recorded, and while the outcome shows.
			s := decided(cfg)
			s, fx := Step(s, late.in, t0.Add(time.Second), cfg, ids)
			if !has(fx, Dropped{What: late.what}) {
				t.Fatalf("recording: %v", fx)
			}
			s, _ = Step(s, Durable{TxID: s.TxID}, t0.Add(time.Second), cfg, ids)
			s, fx = Step(s, late.in, t0.Add(2*time.Second), cfg, ids)
			if !has(fx, Dropped{What: late.what}) || s.Phase != Outcome {
				t.Fatalf("outcome: %v %v", s.Phase, fx)
			}
			// The next traveler, a second later, starts clean.
			s, _ = Step(s, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}, t0.Add(3*time.Second), cfg, ids)
			if s.CardTag != "" || s.Letter != "" || s.Phase != Card {
				t.Fatalf("inherited: card %q letter %q phase %v", s.CardTag, s.Letter, s.Phase)
			}
		})
	}
	// Also without a camera, where the decision follows the document at once.
	noFace := cfg
	noFace.FaceEnabled = false
	s, _ := run(t, noFace, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, CardRead{Tag: "LATE"})
	if s.CardTag != "" {
		t.Fatalf("a card after the decision joined it: %q", s.CardTag)
	}
}

// A card or letter presented on the welcome screen is held, said on the
// screen with a countdown, taken by the session that starts in the window,
// and dropped after it.
func TestWelcomeScreenHoldsInputForAWindow(t *testing.T) {
	c := cfg
	c.HoldWindow = 15 * time.Second
	s, fx := run(t, c, CardRead{Tag: "AA"})
	if s.Phase != Idle || s.Message != "card_held" || !s.HeldUntil.Equal(t0.Add(15*time.Second)) || !has(fx, Show{Screen: view.ScreenWelcome}) {
		t.Fatalf("held: %v %q %v %v", s.Phase, s.Message, s.HeldUntil, fx)
	}
	s, _ = Step(s, LetterRead{Text: "XPT1.x.y"}, t0.Add(10*time.Second), c, ids)
	if s.Message != "card_letter_held" || !s.HeldUntil.Equal(t0.Add(25*time.Second)) {
		t.Fatalf("a second presentation restarts the window: %q %v", s.Message, s.HeldUntil)
	}
	s, _ = Step(s, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}, t0.Add(24*time.Second), c, ids)
	if s.CardTag != "AA" || s.Letter != "XPT1.x.y" || s.Phase != Face || s.Message != "" {
		t.Fatalf("taken: %q %q %v %q", s.CardTag, s.Letter, s.Phase, s.Message)
	}
	// Past the window, a tick drops it and the screen says nothing more.
	s, _ = run(t, c, CardRead{Tag: "AA"}, 15*time.Second, Tick{})
	if !s.Held.empty() || s.Message != "" || !s.HeldUntil.IsZero() {
		t.Fatalf("not dropped on tick: %+v %q", s.Held, s.Message)
	}
	// Without a tick in between, the session start drops it.
	s, fx = run(t, c, CardRead{Tag: "AA"}, 16*time.Second, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}})
	if s.CardTag != "" || s.Phase != Card || !has(fx, Dropped{What: "card"}) {
		t.Fatalf("stale card counted: %q %v %v", s.CardTag, s.Phase, fx)
	}
	// Closing the kiosk drops it too.
	s, fx = run(t, c, CardRead{Tag: "AA"}, Availability{Open: false, Reasons: []string{"locked"}}, Availability{Open: true}, Start{})
	if s.CardTag != "" || !has(fx, Dropped{What: "card"}) {
		t.Fatalf("held across a close: %q %v", s.CardTag, fx)
	}
	// The default window applies when none is configured.
	s, _ = run(t, Config{SessionTimeout: time.Minute, DocumentTimeout: time.Minute, CardTimeout: time.Second}, CardRead{Tag: "AA"})
	if !s.HeldUntil.Equal(t0.Add(DefaultHoldWindow)) {
		t.Fatalf("default window: %v", s.HeldUntil)
	}
}

// Input during the session, before the decision, is the session's.
func TestCardDuringTheSessionCounts(t *testing.T) {
	for _, at := range []struct {
		name  string
		steps []any
	}{
		{"document step", []any{Start{}, CardRead{Tag: "AA"}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}}},
		{"face step", []any{Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, CardRead{Tag: "AA"}}},
	} {
		s, _ := run(t, cfg, at.steps...)
		if s.CardTag != "AA" || s.Phase != Face {
			t.Fatalf("%s: %q %v", at.name, s.CardTag, s.Phase)
		}
	}
}

// A session in which nothing was read ends as aborted when its document
// step times out: no referral for nobody, and a short outcome screen so
// that the next traveler does not meet it.
func TestAbandonedSessionIsAbortedNotReferred(t *testing.T) {
	s, fx := run(t, cfg, Start{}, 61*time.Second, Tick{})
	if s.Phase != Recording || s.Outcome != "aborted" || !s.Abandoned || !has(fx, Record{Aborted: true}) || has(fx, Decide{Unreadable: true}) {
		t.Fatalf("abandoned: %v %q %v", s.Phase, s.Outcome, fx)
	}
	s, fx = Step(s, Durable{TxID: s.TxID}, t0.Add(61*time.Second), cfg, ids)
	if !has(fx, Show{Screen: view.ScreenAborted}) || !s.Deadline.Equal(t0.Add(61*time.Second+DefaultAbandonedHold)) {
		t.Fatalf("abandoned screen: %v until %v", fx, s.Deadline)
	}
	// The whole-session limit on a session with nothing read: the same.
	c := cfg
	c.SessionTimeout = 30 * time.Second
	if s, _ = run(t, c, Start{}, 31*time.Second, Tick{}); !s.Abandoned {
		t.Fatal("session timeout with nothing read not abandoned")
	}
	// Anything presented makes it a traveler's session: the spec applies.
	for name, in := range map[string]Input{"failed read": DocUnreadable{}, "card": CardRead{Tag: "AA"},
		"letter": LetterRead{Text: "XPT1.a.b"}, "failed card": CardUnreadable{}} {
		s, fx := run(t, cfg, Start{}, in, 61*time.Second, Tick{})
		if s.Abandoned || !has(fx, Decide{Unreadable: true}) {
			t.Errorf("%s: abandoned %v, effects %v", name, s.Abandoned, fx)
		}
	}
}

// "Need more time?" appears before the document and card steps time out;
// yes gives the step its whole time again, a limited number of times.
func TestNeedMoreTime(t *testing.T) {
	c := cfg
	c.MoreTimeExtensions = 2
	s, fx := run(t, c, Start{}, 44*time.Second, Tick{})
	if s.Prompt {
		t.Fatal("prompt 16 s before the end")
	}
	s, fx = Step(s, Tick{}, t0.Add(45*time.Second), c, ids)
	if !s.Prompt || !has(fx, Show{Screen: view.ScreenDocument}) {
		t.Fatalf("no prompt 15 s before the end: %v", fx)
	}
	s, _ = Step(s, MoreTime{}, t0.Add(50*time.Second), c, ids)
	if s.Prompt || s.Extensions != 1 || !s.Deadline.Equal(t0.Add(110*time.Second)) {
		t.Fatalf("more time: prompt %v, extensions %d, deadline %v", s.Prompt, s.Extensions, s.Deadline)
	}
	s, _ = Step(s, Tick{}, t0.Add(61*time.Second), c, ids)
	if s.Phase != Document {
		t.Fatal("timed out after more time was given")
	}
	// A second time, then no more prompts: the step times out.
	s, _ = Step(s, Tick{}, t0.Add(95*time.Second), c, ids)
	s, _ = Step(s, MoreTime{}, t0.Add(96*time.Second), c, ids)
	s, _ = Step(s, Tick{}, t0.Add(145*time.Second), c, ids)
	if s.Prompt || s.Extensions != 2 {
		t.Fatalf("third prompt: %v %d", s.Prompt, s.Extensions)
	}
	// Past the second extension (to 156 s) the step times out.
	s, fx = Step(s, Tick{}, t0.Add(157*time.Second), c, ids)
	if s.Outcome != "aborted" || !s.Abandoned {
		t.Fatalf("after the last extension: %v %q", s.Phase, s.Outcome)
	}
	// MoreTime without a prompt does nothing.
	s, fx = run(t, c, Start{}, MoreTime{})
	if s.Extensions != 0 || len(fx) != 2 {
		t.Fatalf("unprompted: %d %v", s.Extensions, fx)
	}
	// The card step (20 s) prompts at half its time; a card ends the prompt.
	s, _ = run(t, c, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}, 10*time.Second, Tick{})
	if !s.Prompt || s.Phase != Card {
		t.Fatalf("card prompt: %v %v", s.Prompt, s.Phase)
	}
	s, _ = Step(s, CardRead{Tag: "AA"}, t0.Add(11*time.Second), c, ids)
	if s.Prompt || s.Phase != Face {
		t.Fatalf("after the card: %v %v", s.Prompt, s.Phase)
	}
	// Without extensions configured there is no prompt.
	if s, _ = run(t, cfg, Start{}, 50*time.Second, Tick{}); s.Prompt {
		t.Fatal("prompt with MoreTimeExtensions 0")
	}
}

// A card the reader could not read is said on the screen; a good read
// clears it.
func TestCardUnreadableMessage(t *testing.T) {
	s, fx := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}, NeedCard: true}}, CardUnreadable{})
	if s.Message != "card_unreadable" || !has(fx, Show{Screen: view.ScreenCard}) || s.CardErrors != 1 {
		t.Fatalf("%q %v", s.Message, fx)
	}
	s, _ = Step(s, CardRead{Tag: "AA"}, t0, cfg, ids)
	if s.Message != "" {
		t.Fatalf("message kept: %q", s.Message)
	}
	// On the welcome screen a misread is nobody's.
	if s, fx = run(t, cfg, CardUnreadable{}); s.Phase != Idle || len(fx) != 0 {
		t.Fatalf("idle: %v %v", s.Phase, fx)
	}
}

// The outcome's reference comes with its durability.
func TestReferenceShownWithOutcome(t *testing.T) {
	s, _ := run(t, cfg, Start{}, DocRead{Doc: DocumentRead{Document: decide.Document{Valid: true}}}, FaceDone{}, Decided{Outcome: "referred"})
	s, _ = Step(s, Durable{TxID: s.TxID, Reference: "K7H-4XM"}, t0, cfg, ids)
	if s.Reference != "K7H-4XM" || Screen(s) != view.ScreenReferred {
		t.Fatalf("%q %s", s.Reference, Screen(s))
	}
	if s, _ = Step(s, Finish{}, t0, cfg, ids); s.Reference != "" {
		t.Fatal("reference kept for the next traveler")
	}
}
