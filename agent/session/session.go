package session

import (
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
)

// Phase is where the traveler is.
type Phase int

// The phases, in order.
const (
	Idle      Phase = iota // welcome screen
	Document               // waiting for the passport on the reader
	Chip                   // reading the passport's chip
	Card                   // waiting for the trusted-traveler card
	Face                   // face capture running
	Deciding               // the agent is deciding
	Recording              // the outcome is being made durable
	Outcome                // the outcome is shown
	Closed                 // out of service (locked, or degraded: the outbox is full)
)

var phaseNames = [...]string{"idle", "document", "chip", "card", "face", "deciding", "recording", "outcome", "closed"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Config is the part of the kiosk policy the flow needs.
type Config struct {
	SessionTimeout  time.Duration // whole session, start to decision
	DocumentTimeout time.Duration // no readable document in this time: MRZ_UNREADABLE
	CardTimeout     time.Duration // no card in this time: proceed, the decision says CARD_MISSING
	FaceEnabled     bool          // a camera is configured
	FaceTimeout     time.Duration // safety net over the camera's own capture window
	// ChipTimeout is the chip step's safety net over the reader's own
	// timeout: no ChipDone by then, the chip is unreadable (timeout).
	// Zero: DefaultChipTimeout.
	ChipTimeout time.Duration
	OutcomeHold time.Duration // how long the outcome stays on screen
	// HoldWindow is how long a card or letter presented on the welcome
	// screen is kept for the session that starts next; the screen says it
	// was read and counts down. Zero: DefaultHoldWindow.
	HoldWindow time.Duration
	// MoreTimePrompt is how long before a document or card step times out
	// the screen asks "Need more time?" (at most half the step). Zero:
	// DefaultMoreTimePrompt.
	MoreTimePrompt time.Duration
	// MoreTimeExtensions is how many times a traveler may take more time
	// in one session; each gives the step its whole time again. Zero: no
	// prompt (the step times out as it is).
	MoreTimeExtensions int
	// AbandonedHold is how long the outcome screen of a session that timed
	// out with nothing read stays up (nobody is there to read it). Zero:
	// DefaultAbandonedHold.
	AbandonedHold time.Duration
}

// Defaults for the zero values of Config.
const (
	DefaultChipTimeout    = 17 * time.Second
	DefaultMoreTimePrompt = 15 * time.Second
	DefaultAbandonedHold  = 5 * time.Second
)

func (c Config) promptLead(step time.Duration) time.Duration {
	lead := c.MoreTimePrompt
	if lead <= 0 {
		lead = DefaultMoreTimePrompt
	}
	return min(lead, step/2)
}

func (c Config) stepTimeout(p Phase) time.Duration {
	if p == Card {
		return c.CardTimeout
	}
	return c.DocumentTimeout
}

// DefaultHoldWindow is HoldWindow when the configuration leaves it out.
const DefaultHoldWindow = 30 * time.Second

func (c Config) holdWindow() time.Duration {
	if c.HoldWindow > 0 {
		return c.HoldWindow
	}
	return DefaultHoldWindow
}

// State is one kiosk's session state. The zero value is an idle kiosk.
type State struct {
	Phase    Phase
	Lang     string
	TxID     string
	Started  time.Time
	Deadline time.Time // of the current step
	Expires  time.Time // of the whole session

	Doc        *DocumentRead
	DocErrors  int // unreadable reads seen in this session
	CardErrors int // card reads that failed in this session
	CardTag    string
	CardAt     time.Time
	NeedCard   bool
	Letter     string // QR text of a scanned pre-approval letter
	FaceDone   bool
	Face       *FaceResult // the face result, opaque to the flow
	// ChipDone: the chip step ended; Chip is its result, opaque to the
	// flow (nil when it timed out: ChipTimedOut).
	ChipDone     bool
	Chip         *ChipResult
	ChipTimedOut bool
	Guidance     string
	Message      string
	Outcome      string // admitted | referred | aborted once known
	ClosedWhy    []string
	StepTimings  map[string]time.Duration
	stepStart    time.Time
	// Held is what was presented on the welcome screen, before any
	// session: it belongs to the session that starts before HeldUntil, and
	// is dropped after it. Input arriving during a session belongs to that
	// session and is dropped with it; nothing is ever inherited.
	Held      Held
	HeldUntil time.Time
	// Prompt is set while the screen asks "Need more time?"; Extensions
	// counts the times the traveler said yes.
	Prompt     bool
	Extensions int
	// Abandoned: the session timed out before anything was read (no
	// document, no failed read, no card, no letter): it ends as aborted,
	// never as a referral for nobody.
	Abandoned bool
	// Reference is the short code the traveler is shown with the outcome
	// (and the officer finds the referral by); set when it is durable.
	Reference string
}

// Held is input presented before a session started.
type Held struct {
	Card   string
	Letter string
}

func (h Held) empty() bool { return h == Held{} }

// DocumentRead is a document the agent has read and parsed.
type DocumentRead struct {
	// Document is what the zone says of the document and its holder, with
	// its validity (agent/mrzdoc maps it once): the decision's input and
	// what the events and the referral carry. The flow reads only Valid.
	Document decide.Document
	// NeedCard is set by the agent when the candidate records or the policy
	// require a card, so the flow waits for one.
	NeedCard bool
	// Chip is set by the agent when the passport's chip is to be read:
	// a chip reader is configured and the passport lies on the kiosk's
	// reader (never for a page from the scanner spool).
	Chip bool
	// Lines are the zone as read (after correction), that the chip's DG1
	// is compared with; Lookup the replica's answer for the document (nil
	// when none was asked: an invalid zone). Both opaque to the flow.
	Lines  []string
	Lookup *Lookup
}

// Input is what happens to the kiosk.
type Input interface{ input() }

// Inputs.
type (
	// Start is a tap on the welcome screen.
	Start struct{ Lang string }
	// SetLang switches the language at any time.
	SetLang struct{ Lang string }
	// DocRead is a document from the reader or the scanner.
	DocRead struct{ Doc DocumentRead }
	// DocUnreadable is a read that did not give a travel document; Message
	// is the screen's message code (document_unreadable when empty).
	DocUnreadable struct{ Message string }
	// CardRead is a presented card.
	CardRead struct{ Tag string }
	// CardUnreadable is a card presentation the reader could not read.
	CardUnreadable struct{}
	// LetterRead is a scanned pre-approval letter's QR text.
	LetterRead struct{ Text string }
	// FaceGuidance is a live guidance code during capture.
	FaceGuidance struct{ Code string }
	// FaceDone ends the capture (a result, or a failure in it).
	FaceDone struct{ Result *FaceResult }
	// ChipProgress is the chip step's stage (a guidance code:
	// chip_waiting, chip_reading) for the transaction TxID.
	ChipProgress struct{ TxID, Stage string }
	// ChipDone ends the chip step of transaction TxID with its result
	// (a read, or a failure in it).
	ChipDone struct {
		TxID   string
		Result *ChipResult
	}
	// Decided is the decision the agent computed.
	Decided struct{ Outcome string }
	// Durable says the transaction's event is in durable storage;
	// Reference is the code shown with the outcome (none when aborted).
	Durable struct{ TxID, Reference string }
	// Cancel is the traveler walking away or pressing cancel.
	Cancel struct{}
	// MoreTime is the traveler answering "Need more time?".
	MoreTime struct{}
	// Finish is the traveler acknowledging the outcome.
	Finish struct{}
	// Tick is the clock; deadlines are checked on it.
	Tick struct{}
	// Availability closes or reopens the kiosk (locked, degraded).
	Availability struct {
		Open    bool
		Reasons []string
	}
)

func (Start) input()          {}
func (SetLang) input()        {}
func (DocRead) input()        {}
func (DocUnreadable) input()  {}
func (CardRead) input()       {}
func (CardUnreadable) input() {}
func (LetterRead) input()     {}
func (FaceGuidance) input()   {}
func (FaceDone) input()       {}
func (ChipProgress) input()   {}
func (ChipDone) input()       {}
func (Decided) input()        {}
func (Durable) input()        {}
func (Cancel) input()         {}
func (MoreTime) input()       {}
func (Finish) input()         {}
func (Tick) input()           {}
func (Availability) input()   {}

// Effect is what the agent must do after a step.
type Effect interface{ effect() }

// Effects.
type (
	// Show: the traveler screen changed.
	Show struct{ Screen string }
	// BeginTransaction: a new transaction ID is in use.
	BeginTransaction struct{ TxID string }
	// CaptureFace: start the face capture loop (it answers with FaceDone).
	CaptureFace struct{}
	// StopFace: abandon a running capture.
	StopFace struct{}
	// ReadChip: read and verify the passport's chip in the background
	// (it answers with ChipProgress and ChipDone).
	ReadChip struct{}
	// StopChip: abandon a running chip read.
	StopChip struct{}
	// Decide: compute the decision from the state (answers with Decided).
	Decide struct{ Unreadable bool }
	// Record: make the transaction's event durable (answers with Durable).
	// Aborted is set when the session ended without a decision.
	Record struct{ Aborted bool }
	// Dropped: a device input arrived when no session could take it (the
	// decision was already made, or the hold window passed): it was
	// discarded. What is "card" or "letter".
	Dropped struct{ What string }
)

func (Show) effect()             {}
func (BeginTransaction) effect() {}
func (CaptureFace) effect()      {}
func (StopFace) effect()         {}
func (ReadChip) effect()         {}
func (StopChip) effect()         {}
func (Decide) effect()           {}
func (Record) effect()           {}
func (Dropped) effect()          {}

// NewID makes transaction IDs; the agent passes a UUID generator.
type NewID func(now time.Time) string

// Step is the transition function.
func Step(s State, in Input, now time.Time, cfg Config, newID NewID) (State, []Effect) {
	var fx []Effect
	switch in := in.(type) {
	case SetLang:
		if in.Lang == "en" || in.Lang == "fr" {
			s.Lang = in.Lang
			fx = append(fx, Show{Screen: Screen(s)})
		}
		return s, fx
	case Availability:
		if !in.Open {
			s.ClosedWhy = in.Reasons
			if s.Phase == Idle {
				fx = dropHeld(s.Held)
				s.Held, s.HeldUntil, s.Message = Held{}, time.Time{}, ""
				s.Phase = Closed
				return s, append(fx, Show{Screen: view.ScreenClosed})
			}
			// A traveler in progress finishes; the kiosk closes after.
			return s, nil
		}
		s.ClosedWhy = nil
		if s.Phase == Closed {
			s = reset(s)
			return s, []Effect{Show{Screen: view.ScreenWelcome}}
		}
		return s, nil
	}

	switch s.Phase {
	case Closed:
		return s, nil

	case Idle:
		switch in := in.(type) {
		case Start:
			return begin(s, in.Lang, now, cfg, newID)
		case DocRead:
			// A document on the reader starts a session by itself.
			s, fx = begin(s, s.Lang, now, cfg, newID)
			s2, fx2 := Step(s, in, now, cfg, newID)
			return s2, append(fx, fx2...)
		case CardRead:
			s.Held.Card = in.Tag
			return hold(s, now, cfg)
		case LetterRead:
			s.Held.Letter = in.Text
			return hold(s, now, cfg)
		case Tick:
			if !s.Held.empty() && !now.Before(s.HeldUntil) {
				fx = append(fx, dropHeld(s.Held)...)
				s.Held, s.HeldUntil, s.Message = Held{}, time.Time{}, ""
				return s, append(fx, Show{Screen: view.ScreenWelcome})
			}
		}
		return s, nil

	case Outcome:
		switch in := in.(type) {
		case CardRead, LetterRead:
			// This traveler's session is decided: a late card or letter is
			// dropped, never kept for whoever comes next.
			return s, []Effect{dropped(in)}
		case Finish:
			return closeOrIdle(s), []Effect{Show{Screen: screenAfter(s)}}
		case Tick:
			if !s.Deadline.IsZero() && !now.Before(s.Deadline) {
				return closeOrIdle(s), []Effect{Show{Screen: screenAfter(s)}}
			}
		case DocRead, Start:
			// The next traveler: begin afresh.
			s = closeOrIdle(s)
			if s.Phase == Closed {
				return s, []Effect{Show{Screen: view.ScreenClosed}}
			}
			return Step(s, in, now, cfg, newID)
		}
		return s, nil

	case Deciding:
		switch in := in.(type) {
		case Decided:
			s.Outcome = in.Outcome
			s.Phase = Recording
			s.mark("decision", now)
			return s, []Effect{Record{}}
		case Tick, Cancel:
			// A decision is in flight: it is made durable whatever happens.
		case CardRead, LetterRead:
			return s, []Effect{dropped(in)}
		}
		return s, nil

	case Recording:
		switch in := in.(type) {
		case Durable:
			if in.TxID == s.TxID {
				s.Phase = Outcome
				s.Reference = in.Reference
				s.Deadline = now.Add(cfg.OutcomeHold)
				if s.Abandoned {
					s.Deadline = now.Add(cfg.abandonedHold())
				}
				return s, []Effect{Show{Screen: Screen(s)}}
			}
		case CardRead, LetterRead:
			return s, []Effect{dropped(in)}
		}
		return s, nil
	}

	// Document, Card, Face: an active session.
	switch in := in.(type) {
	case Cancel:
		return abort(s, now)
	case MoreTime:
		if s.Prompt {
			s.Prompt = false
			s.Extensions++
			d := cfg.stepTimeout(s.Phase)
			s.Deadline = now.Add(d)
			if s.Expires.Before(s.Deadline) {
				s.Expires = s.Deadline
			}
			return s, []Effect{Show{Screen: Screen(s)}}
		}
		return s, nil
	case Tick:
		if !now.Before(s.Expires) {
			if s.Phase == Document && nothingRead(s) {
				s.Abandoned = true
			}
			return abort(s, now)
		}
		if s.Deadline.IsZero() {
			return s, nil
		}
		if now.Before(s.Deadline) {
			end := s.Deadline
			if s.Expires.Before(end) {
				end = s.Expires
			}
			if !s.Prompt && s.Extensions < cfg.MoreTimeExtensions && (s.Phase == Document || s.Phase == Card) &&
				!now.Before(end.Add(-cfg.promptLead(cfg.stepTimeout(s.Phase)))) {
				s.Prompt = true
				return s, []Effect{Show{Screen: Screen(s)}}
			}
			return s, nil
		}
		s.Prompt = false
		switch s.Phase {
		case Document:
			s.mark("document", now)
			if nothingRead(s) {
				// Nobody presented anything: the traveler walked away (or
				// never came). Aborted, not MRZ_UNREADABLE: no referral
				// for nobody.
				s.Abandoned = true
				return abort(s, now)
			}
			s.Phase = Deciding
			return s, []Effect{Show{Screen: view.ScreenProcessing}, Decide{Unreadable: true}}
		case Card:
			s.mark("card", now)
			return afterCard(s, now, cfg)
		case Chip:
			// The reader enforces its own timeout; this is a safety net.
			// No result is a chip that could not be read in time.
			s.ChipDone, s.ChipTimedOut, s.Guidance = true, true, ""
			s.mark("chip", now)
			s2, fx2 := afterChip(s, now, cfg)
			return s2, append([]Effect{StopChip{}}, fx2...)
		case Face:
			// The capture enforces its own window; this is a safety net.
			s.mark("face", now)
			s.Phase = Deciding
			return s, []Effect{StopFace{}, Show{Screen: view.ScreenProcessing}, Decide{}}
		}
	case DocUnreadable:
		if s.Phase == Document {
			s.DocErrors++
			s.Message = "document_unreadable"
			if in.Message != "" {
				s.Message = in.Message
			}
			return s, []Effect{Show{Screen: view.ScreenDocument}}
		}
	case DocRead:
		if s.Phase != Document {
			return s, nil // a second document mid-session is ignored
		}
		d := in.Doc
		s.Doc = &d
		s.Message, s.Prompt = "", false
		s.mark("document", now)
		if !d.Document.Valid {
			// An invalid MRZ is referred at once: nothing else can admit it.
			s.Phase = Deciding
			return s, []Effect{Show{Screen: view.ScreenProcessing}, Decide{}}
		}
		s.NeedCard = d.NeedCard
		if d.Chip {
			// The passport is still on the reader: its chip is read now,
			// before the card and the face.
			s.Phase = Chip
			s.Deadline = now.Add(cfg.chipTimeout())
			return s, []Effect{Show{Screen: view.ScreenChip}, ReadChip{}}
		}
		return afterChip(s, now, cfg)
	case ChipProgress:
		if s.Phase == Chip && in.TxID == s.TxID && s.Guidance != in.Stage {
			s.Guidance = in.Stage
			return s, []Effect{Show{Screen: view.ScreenChip}}
		}
	case ChipDone:
		if s.Phase == Chip && in.TxID == s.TxID {
			s.Chip, s.ChipDone, s.Guidance = in.Result, true, ""
			s.mark("chip", now)
			return afterChip(s, now, cfg)
		}
	case CardUnreadable:
		if s.CardTag == "" {
			s.CardErrors++
			s.Message = "card_unreadable"
			return s, []Effect{Show{Screen: Screen(s)}}
		}
	case CardRead:
		s.CardTag, s.CardAt = in.Tag, now
		if s.Message == "card_unreadable" {
			s.Message = ""
		}
		if s.Phase == Card {
			s.mark("card", now)
			return afterCard(s, now, cfg)
		}
		return s, nil
	case LetterRead:
		s.Letter = in.Text
		return s, nil
	case FaceGuidance:
		if s.Phase == Face && s.Guidance != in.Code {
			s.Guidance = in.Code
			return s, []Effect{Show{Screen: view.ScreenFace}}
		}
	case FaceDone:
		if s.Phase == Face {
			s.Face, s.FaceDone, s.Guidance = in.Result, true, ""
			s.mark("face", now)
			s.Phase = Deciding
			return s, []Effect{Show{Screen: view.ScreenProcessing}, Decide{}}
		}
	}
	return s, nil
}

func begin(s State, lang string, now time.Time, cfg Config, newID NewID) (State, []Effect) {
	prev := s
	s = State{Lang: prev.Lang, ClosedWhy: prev.ClosedWhy}
	if lang == "en" || lang == "fr" {
		s.Lang = lang
	}
	if s.Lang == "" {
		s.Lang = "en"
	}
	// A card or letter presented on the welcome screen within the hold
	// window counts for this traveler; an older one was dropped on a tick,
	// or is dropped here.
	var fx []Effect
	if !prev.Held.empty() {
		if now.Before(prev.HeldUntil) {
			s.CardTag, s.Letter = prev.Held.Card, prev.Held.Letter
			if s.CardTag != "" {
				s.CardAt = now
			}
		} else {
			fx = dropHeld(prev.Held)
		}
	}
	s.Phase = Document
	s.TxID = newID(now)
	s.Started, s.stepStart = now, now
	s.Expires = now.Add(cfg.SessionTimeout)
	s.Deadline = now.Add(cfg.DocumentTimeout)
	s.StepTimings = map[string]time.Duration{}
	return s, append(fx, BeginTransaction{TxID: s.TxID}, Show{Screen: view.ScreenDocument})
}

// hold keeps what was presented on the welcome screen for the hold window
// (restarted by each presentation) and says so on the screen.
func hold(s State, now time.Time, cfg Config) (State, []Effect) {
	s.HeldUntil = now.Add(cfg.holdWindow())
	switch {
	case s.Held.Card != "" && s.Held.Letter != "":
		s.Message = "card_letter_held"
	case s.Held.Card != "":
		s.Message = "card_held"
	default:
		s.Message = "letter_held"
	}
	return s, []Effect{Show{Screen: view.ScreenWelcome}}
}

func dropHeld(h Held) []Effect {
	var fx []Effect
	if h.Card != "" {
		fx = append(fx, Dropped{What: "card"})
	}
	if h.Letter != "" {
		fx = append(fx, Dropped{What: "letter"})
	}
	return fx
}

func dropped(in Input) Effect {
	if _, ok := in.(CardRead); ok {
		return Dropped{What: "card"}
	}
	return Dropped{What: "letter"}
}

// afterChip goes on from the document (and its chip) to the card step when
// one is needed and not yet presented, else past it.
func afterChip(s State, now time.Time, cfg Config) (State, []Effect) {
	if s.NeedCard && s.CardTag == "" {
		s.Phase = Card
		s.Deadline = now.Add(cfg.CardTimeout)
		return s, []Effect{Show{Screen: view.ScreenCard}}
	}
	return afterCard(s, now, cfg)
}

func (c Config) chipTimeout() time.Duration {
	if c.ChipTimeout > 0 {
		return c.ChipTimeout
	}
	return DefaultChipTimeout
}

func afterCard(s State, now time.Time, cfg Config) (State, []Effect) {
	s.Prompt = false
	if s.Message == "card_unreadable" {
		s.Message = ""
	}
	if cfg.FaceEnabled {
		s.Phase = Face
		s.Deadline = now.Add(cfg.FaceTimeoutOrDefault())
		return s, []Effect{Show{Screen: view.ScreenFace}, CaptureFace{}}
	}
	s.Phase = Deciding
	s.Deadline = time.Time{}
	return s, []Effect{Show{Screen: view.ScreenProcessing}, Decide{}}
}

// nothingRead says the session has seen no input from the traveler's
// documents: no document, no failed read, no card, no letter.
func nothingRead(s State) bool {
	return s.Doc == nil && s.DocErrors == 0 && s.CardErrors == 0 && s.CardTag == "" && s.Letter == ""
}

func (c Config) abandonedHold() time.Duration {
	if c.AbandonedHold > 0 {
		return c.AbandonedHold
	}
	return DefaultAbandonedHold
}

func abort(s State, now time.Time) (State, []Effect) {
	var fx []Effect
	switch s.Phase {
	case Face:
		fx = append(fx, StopFace{})
	case Chip:
		fx = append(fx, StopChip{})
	}
	s.Outcome = "aborted"
	s.Phase = Recording
	s.Deadline, s.Prompt = time.Time{}, false
	return s, append(fx, Record{Aborted: true})
}

// closeOrIdle ends a session: nothing of it is kept, not even the
// language the traveler chose (the next traveler starts from the bilingual
// welcome, and one who simply places a passport gets the kiosk's default,
// never the previous traveler's choice).
func closeOrIdle(s State) State {
	why := s.ClosedWhy
	s = State{ClosedWhy: why}
	if len(why) > 0 {
		s.Phase = Closed
	}
	return s
}

func reset(State) State { return State{} }

func screenAfter(s State) string {
	if closeOrIdle(s).Phase == Closed {
		return view.ScreenClosed
	}
	return view.ScreenWelcome
}

func (s *State) mark(step string, now time.Time) {
	if s.StepTimings == nil {
		s.StepTimings = map[string]time.Duration{}
	}
	s.StepTimings[step] = now.Sub(s.stepStart)
	s.stepStart = now
}

// FaceTimeoutOrDefault is the face step's safety deadline: a little longer
// than the capture window the camera enforces itself.
func (c Config) FaceTimeoutOrDefault() time.Duration {
	if c.FaceTimeout > 0 {
		return c.FaceTimeout
	}
	return 12 * time.Second
}

// Screen is the traveler screen for a state.
func Screen(s State) string {
	switch s.Phase {
	case Idle:
		return view.ScreenWelcome
	case Document:
		return view.ScreenDocument
	case Chip:
		return view.ScreenChip
	case Card:
		return view.ScreenCard
	case Face:
		return view.ScreenFace
	case Deciding, Recording:
		return view.ScreenProcessing
	case Outcome:
		switch s.Outcome {
		case "admitted":
			return view.ScreenAdmitted
		case "referred":
			return view.ScreenReferred
		default:
			return view.ScreenAborted
		}
	}
	return view.ScreenClosed
}
