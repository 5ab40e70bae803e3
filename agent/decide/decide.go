// Package decide is the kiosk's decision: a pure function from what the
// session gathered (the document read, a card, the face result, a scanned
// pre-approval letter), the candidate authorization records, the kiosk's
// policy and the time, to an outcome with every applicable reason of the
// spec's table (../shared/spec/central-protocol.md, "The decision") and the
// checks that led to it.
//
// It never fails open: a missing input, a stale replica, a device fault or
// anything it does not recognise refers the traveler. The only source of
// non-determinism, the random referral, is an injected io.Reader
// (crypto/rand by default).
//
// The package imports only the standard library and wire; the agent
// maps the MRZ reader's result into Document (agent/mrzdoc).
package decide

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// DefaultMaxStaleness applies when a policy sets none: an unset limit must
// not mean "never stale".
const DefaultMaxStaleness = 24 * time.Hour

// Document is what the MRZ reader yielded: the protocol's document and
// holder, the same values the kiosk's events carry (agent/mrzdoc maps the
// parsed zone into them), in MRZ character form (fillers '<' or spaces
// both accepted), dates resolved to YYYY-MM-DD by the agent (the birth
// date's century guessed: the MRZ holds only two digits of the year; Sex
// is M, F, or < / X / "" for unspecified).
type Document struct {
	wire.Document
	wire.Holder
	Valid         bool // format and every check digit pass (after correction)
	NameTruncated bool // the MRZ name field was full: names may be cut short
}

// Card is a presented trusted-traveler card.
type Card struct {
	Tag string
}

// Face is what the face step produced.
type Face struct {
	Attempted bool    // the session ran a face capture
	Captured  bool    // a face of sufficient quality was captured in time
	Compared  bool    // a verifier compared it and produced Score
	Score     float64 // similarity; compared against Threshold
	Threshold float64
	Detail    string // the verifier's words when it did not compare (no model, error…)
}

// Letter is a scanned pre-approval letter: either the verified letter
// (wire.KeyRing.VerifyLetter succeeded) or the verification error.
type Letter struct {
	Letter *wire.Letter
	Err    error
}

// Chip is what the passport's chip step gave (nil in Input: the kiosk has
// no chip reader, or the document did not come from the kiosk's reader).
type Chip struct {
	Read bool // the chip was opened and its files read
	// Failure, when not Read: no_chip | access_denied | timeout | removed |
	// read_error | malformed; Detail says why in words.
	Failure    string
	Detail     string
	DG1Matches bool
	PA         string // valid | invalid | no_trust_anchor
	PAStep     string // sod_format | sod_signature | ds_certificate | dg_hash, when invalid
	PADG       int    // the data group of a dg_hash failure
	PADetail   string
	// AA is active authentication's verdict: valid | invalid |
	// not_supported (the chip has no DG15); "" when it did not run.
	AA       string
	AADetail string
	// CA is chip authentication's verdict, with AA's values
	// (not_supported: DG14 offers none); "" when it did not run.
	CA       string
	CADetail string
}

// Chip verdicts.
const (
	PAValid         = "valid"
	PAInvalid       = "invalid"
	PANoTrustAnchor = "no_trust_anchor"
	AAValid         = "valid"
	AAInvalid       = "invalid"
	AANotSupported  = "not_supported" // AA: the chip has no DG15 (AA is optional for issuers)
)

// Chip policies (Policy.ChipOnInvalid, ChipOnNoTrustAnchor).
const (
	ChipRefer  = "refer"
	ChipIgnore = "ignore"
)

// Policy is the kiosk's configuration as far as the decision goes.
type Policy struct {
	PortCode           string
	Direction          string        // wire.DirCAtoUS or wire.DirUStoCA
	RequireCard        bool          // every traveler must present the card
	RequireFace        bool          // a face must be captured and verified
	MaxStaleness       time.Duration // 0: DefaultMaxStaleness
	RandomReferralRate float64       // 0..1
	// ChipOnInvalid and ChipOnNoTrustAnchor: refer (the default, also for
	// any other value) or ignore passive authentication's verdict.
	ChipOnInvalid       string
	ChipOnNoTrustAnchor string
}

// Input is everything the decision weighs.
type Input struct {
	Document     *Document // nil: no document could be read in time
	Card         *Card     // nil: none presented
	Face         Face
	Letter       *Letter            // nil: none scanned
	Chip         *Chip              // nil: no chip step
	Candidates   []wire.AuthzRecord // records listing the document or carrying the card tag
	LastSync     time.Time          // the replica's last successful sync; zero: never
	DeviceFaults []string           // required devices that failed during the session
	Policy       Policy
	Now          time.Time // in the port's time zone: "today" is its date
	Rand         io.Reader // nil: crypto/rand
}

// Result is the decision.
type Result struct {
	Outcome  string            // wire.OutcomeAdmitted or wire.OutcomeReferred
	Reasons  []string          // every applicable reason, in the spec's table order
	Checks   []wire.Check      // what was verified, with results
	Record   *wire.AuthzRecord // the record the traveler was weighed against, if any
	Document *wire.Document    // that record's entry for the document read, if any
}

// Admitted reports whether the outcome is admitted.
func (r Result) Admitted() bool { return r.Outcome == wire.OutcomeAdmitted }

// Check names.
const (
	CheckDocumentRead   = "document.read"
	CheckDocumentMRZ    = "document.mrz"
	CheckDocumentExpiry = "document.expiry"
	CheckAuthzRecord    = "authz.record"
	CheckAuthzUnique    = "authz.unique"
	CheckDocumentListed = "authz.document"
	CheckHolder         = "holder.match"
	CheckAuthzStatus    = "authz.status"
	CheckAuthzWindow    = "authz.window"
	CheckDirection      = "authz.direction"
	CheckCard           = "card.match"
	CheckFaceCapture    = "face.capture"
	CheckFaceVerify     = "face.verify"
	CheckLetter         = "preapproval.letter"
	CheckFreshness      = "replica.freshness"
	CheckDevice         = "device." // + device name
	CheckRandom         = "random.selection"
	CheckChipRead       = "chip.read"
	CheckChipDG1        = "chip.dg1_match"
	CheckChipPA         = "chip.passive_auth"
	CheckChipAA         = "chip.active_auth"
	CheckChipCA         = "chip.chip_auth"
)

type collector struct {
	reasons map[string]bool
	checks  []wire.Check
}

func (c *collector) add(reason string) { c.reasons[reason] = true }

func (c *collector) check(name, result, detail string) {
	c.checks = append(c.checks, wire.Check{Name: name, Result: result, Detail: detail})
}

func pass(ok bool) string {
	if ok {
		return wire.CheckSuccessful
	}
	return wire.CheckFailed
}

// Decide weighs one traveler. It is pure but for reading in.Rand.
func Decide(in Input) Result {
	c := &collector{reasons: map[string]bool{}}
	today := in.Now.Format(wire.DateFormat)
	doc := in.Document

	// The document itself.
	var docState, docNumber string
	if doc == nil {
		c.add(wire.ReasonMRZUnreadable)
		c.check(CheckDocumentRead, wire.CheckFailed, "no document read in time")
	} else {
		c.check(CheckDocumentRead, wire.CheckSuccessful, "")
		docState, docNumber = normCode(doc.IssuingState), normCode(doc.Number)
		valid := doc.Valid && docState != "" && docNumber != ""
		if !valid {
			c.add(wire.ReasonMRZInvalid)
		}
		c.check(CheckDocumentMRZ, pass(valid), "")
		if _, ok := parseDate(doc.ExpiryDate); !ok {
			c.add(wire.ReasonMRZInvalid)
			c.check(CheckDocumentExpiry, wire.CheckUndetermined, "no valid expiry date")
		} else {
			expired := doc.ExpiryDate < today
			if expired {
				c.add(wire.ReasonDocExpired)
			}
			c.check(CheckDocumentExpiry, pass(!expired), "")
		}
	}
	var cardTag string
	if in.Card != nil {
		cardTag = normTag(in.Card.Tag)
	}

	// The records: those that list the document, and the one the card maps
	// to. Anything else the caller passed is not about this traveler.
	var cands []candidate
	for i := range in.Candidates {
		rec := &in.Candidates[i]
		cd := candidate{rec: rec}
		if doc != nil && docNumber != "" {
			for j := range rec.Documents {
				d := &rec.Documents[j]
				if normCode(d.IssuingState) == docState && normCode(d.Number) == docNumber {
					cd.entry = d
					break
				}
			}
		}
		cd.cardMaps = cardTag != "" && rec.TrustedTraveler != nil && normTag(rec.TrustedTraveler.CardTag) == cardTag
		if cd.entry == nil && !cd.cardMaps {
			continue
		}
		cd.reasons = recordReasons(in, doc, cardTag, cd, today)
		cands = append(cands, cd)
	}

	var chosen *candidate
	if len(cands) == 0 {
		if doc != nil || cardTag != "" {
			c.add(wire.ReasonNotAuthorized)
			c.check(CheckAuthzRecord, wire.CheckFailed, "no record lists this document or carries this card")
		} else {
			c.check(CheckAuthzRecord, wire.CheckAborted, "nothing to look up")
		}
	} else {
		slices.SortStableFunc(cands, compareCandidates)
		chosen = &cands[0]
		c.check(CheckAuthzRecord, wire.CheckSuccessful, chosen.rec.AuthorizationID)
		// Exactly one record may admit: two that both would is
		// inconsistent data, and inconsistent data never admits.
		clean := 0
		for _, cd := range cands {
			if cd.entry != nil && len(cd.reasons.list) == 0 {
				clean++
			}
		}
		if clean > 1 {
			c.add(wire.ReasonNotAuthorized)
			c.check(CheckAuthzUnique, wire.CheckFailed, "several records would admit this document")
		}
		for r := range chosen.reasons.set {
			c.add(r)
		}
		c.checks = append(c.checks, chosen.reasons.checks...)
	}
	if chosen == nil {
		// Session-level parts of the record checks.
		if in.Policy.RequireCard && in.Card == nil {
			c.add(wire.ReasonCardMissing)
			c.check(CheckCard, wire.CheckFailed, "the kiosk requires the card; none presented")
		}
		if in.Letter != nil {
			c.add(wire.ReasonPreapprovalInvalid)
			c.check(CheckLetter, wire.CheckFailed, "no record to match the letter against")
		}
	}

	chipChecks(c, in)
	faceChecks(c, in)

	// The replica's freshness.
	maxStale := in.Policy.MaxStaleness
	if maxStale <= 0 {
		maxStale = DefaultMaxStaleness
	}
	switch {
	case in.LastSync.IsZero():
		c.add(wire.ReasonDataStale)
		c.check(CheckFreshness, wire.CheckFailed, "never synced")
	case in.Now.Sub(in.LastSync) > maxStale:
		c.add(wire.ReasonDataStale)
		c.check(CheckFreshness, wire.CheckFailed, "last sync "+in.Now.Sub(in.LastSync).Round(time.Second).String()+" ago")
	case in.LastSync.Sub(in.Now) > time.Hour:
		// A last sync far in the future means the clock cannot be trusted.
		c.add(wire.ReasonDataStale)
		c.check(CheckFreshness, wire.CheckUndetermined, "last sync is in the future")
	default:
		c.check(CheckFreshness, wire.CheckSuccessful, "")
	}

	for _, dev := range in.DeviceFaults {
		c.add(wire.ReasonDeviceFault)
		c.check(CheckDevice+dev, wire.CheckFailed, "device fault during the session")
	}

	randomSelection(c, in)

	res := Result{Outcome: wire.OutcomeReferred, Checks: c.checks}
	if chosen != nil {
		res.Record = chosen.rec
		res.Document = chosen.entry
	}
	for _, r := range wire.AllReasons {
		if c.reasons[r] {
			res.Reasons = append(res.Reasons, r)
		}
	}
	if len(c.reasons) > len(res.Reasons) {
		// A reason outside the table: cannot happen, and never admits.
		res.Reasons = append(res.Reasons, wire.ReasonNotAuthorized)
	}
	if len(res.Reasons) == 0 {
		if admissible(in, doc, chosen, today) {
			res.Outcome = wire.OutcomeAdmitted
		} else {
			// Belt and braces: no reason was found, but the admission
			// invariant does not hold. Refer.
			res.Reasons = []string{wire.ReasonNotAuthorized}
		}
	}
	return res
}

// admissible re-checks, independently of the reason collection, what an
// admission needs: a readable valid document listed by an active, in-window
// record for this direction whose holder matches.
func admissible(in Input, doc *Document, cd *candidate, today string) bool {
	if doc == nil || !doc.Valid || cd == nil || cd.entry == nil {
		return false
	}
	r := cd.rec
	return r.Status == wire.StatusActive && r.ValidFrom <= today && today <= r.ValidUntil &&
		slices.Contains(r.Entries, in.Policy.Direction) && holderMatches(doc, &r.Holder) &&
		!in.LastSync.IsZero() && chipAdmissible(in)
}

// chipAdmissible re-checks the chip on its own: read, DG1 the printed
// zone, and a verdict the policy lets through.
func chipAdmissible(in Input) bool {
	ch := in.Chip
	if ch == nil {
		return true
	}
	if !ch.Read || !ch.DG1Matches {
		return false
	}
	for _, v := range []string{ch.AA, ch.CA} {
		switch v {
		case AAValid, AANotSupported, "":
		case AAInvalid:
			if in.Policy.ChipOnInvalid != ChipIgnore {
				return false
			}
		default:
			return false
		}
	}
	switch ch.PA {
	case PAValid:
		return true
	case PAInvalid:
		return in.Policy.ChipOnInvalid == ChipIgnore
	case PANoTrustAnchor:
		return in.Policy.ChipOnNoTrustAnchor == ChipIgnore
	}
	return false
}

type candidate struct {
	rec      *wire.AuthzRecord
	entry    *wire.Document // the record's entry for the document read
	cardMaps bool
	reasons  recordResult
}

type recordResult struct {
	set    map[string]bool
	list   []string
	checks []wire.Check
}

func (rr *recordResult) add(reason string) {
	if !rr.set[reason] {
		rr.set[reason] = true
		rr.list = append(rr.list, reason)
	}
}

func (rr *recordResult) check(name, result, detail string) {
	rr.checks = append(rr.checks, wire.Check{Name: name, Result: result, Detail: detail})
}

// compareCandidates orders the best record first: one that lists the
// document, then the fewest reasons (a renewed passport's valid record
// before the revoked old one), then active, latest validUntil, highest
// version, and the ID for a total order.
func compareCandidates(a, b candidate) int {
	if (a.entry != nil) != (b.entry != nil) {
		if a.entry != nil {
			return -1
		}
		return 1
	}
	if d := len(a.reasons.list) - len(b.reasons.list); d != 0 {
		return d
	}
	aa, ba := a.rec.Status == wire.StatusActive, b.rec.Status == wire.StatusActive
	if aa != ba {
		if aa {
			return -1
		}
		return 1
	}
	if c := strings.Compare(b.rec.ValidUntil, a.rec.ValidUntil); c != 0 {
		return c
	}
	if a.rec.Version != b.rec.Version {
		if a.rec.Version > b.rec.Version {
			return -1
		}
		return 1
	}
	return strings.Compare(a.rec.AuthorizationID, b.rec.AuthorizationID)
}

// recordReasons is every reason one record gives against this session.
func recordReasons(in Input, doc *Document, cardTag string, cd candidate, today string) recordResult {
	rr := recordResult{set: map[string]bool{}}
	r := cd.rec
	if doc != nil {
		if cd.entry == nil {
			// The card maps to this record, but the record does not list
			// the document presented: it is not this holder's document as
			// far as the authorization knows.
			rr.add(wire.ReasonHolderMismatch)
			rr.check(CheckDocumentListed, wire.CheckFailed, "the card's record does not list this document")
		} else {
			rr.check(CheckDocumentListed, wire.CheckSuccessful, "")
		}
		if ok, what := holderMatch(doc, &r.Holder); !ok {
			rr.add(wire.ReasonHolderMismatch)
			rr.check(CheckHolder, wire.CheckFailed, what+" differs")
		} else {
			rr.check(CheckHolder, wire.CheckSuccessful, "")
		}
	}
	switch r.Status {
	case wire.StatusActive:
		rr.check(CheckAuthzStatus, wire.CheckSuccessful, "")
	case wire.StatusSuspended:
		rr.add(wire.ReasonAuthSuspended)
		rr.check(CheckAuthzStatus, wire.CheckFailed, "suspended")
	default: // revoked, or anything unknown
		rr.add(wire.ReasonAuthRevoked)
		rr.check(CheckAuthzStatus, wire.CheckFailed, "revoked")
	}
	_, okFrom := parseDate(r.ValidFrom)
	_, okUntil := parseDate(r.ValidUntil)
	switch {
	case !okFrom || !okUntil:
		rr.add(wire.ReasonAuthExpired)
		rr.check(CheckAuthzWindow, wire.CheckUndetermined, "the record's validity dates do not parse")
	case today < r.ValidFrom:
		rr.add(wire.ReasonAuthNotYetValid)
		rr.check(CheckAuthzWindow, wire.CheckFailed, "valid from "+r.ValidFrom)
	case today > r.ValidUntil:
		rr.add(wire.ReasonAuthExpired)
		rr.check(CheckAuthzWindow, wire.CheckFailed, "valid until "+r.ValidUntil)
	default:
		rr.check(CheckAuthzWindow, wire.CheckSuccessful, "")
	}
	if in.Policy.Direction == "" || !slices.Contains(r.Entries, in.Policy.Direction) {
		rr.add(wire.ReasonDirectionNotAllowed)
		rr.check(CheckDirection, wire.CheckFailed, "not allowed "+in.Policy.Direction)
	} else {
		rr.check(CheckDirection, wire.CheckSuccessful, "")
	}
	required := in.Policy.RequireCard || r.RequireCard
	switch {
	case in.Card == nil && required:
		rr.add(wire.ReasonCardMissing)
		rr.check(CheckCard, wire.CheckFailed, "required, none presented")
	case in.Card != nil && !cd.cardMaps:
		rr.add(wire.ReasonCardMismatch)
		rr.check(CheckCard, wire.CheckFailed, "the card is not the record's")
	case in.Card != nil:
		rr.check(CheckCard, wire.CheckSuccessful, "")
	}
	if in.Letter != nil {
		if ok, why := letterMatches(in.Letter, doc, r, today); !ok {
			rr.add(wire.ReasonPreapprovalInvalid)
			rr.check(CheckLetter, wire.CheckFailed, why)
		} else {
			rr.check(CheckLetter, wire.CheckSuccessful, "")
		}
	}
	return rr
}

func letterMatches(l *Letter, doc *Document, r *wire.AuthzRecord, today string) (bool, string) {
	if l.Err != nil || l.Letter == nil {
		code := "unverified"
		if l.Err != nil {
			code = wire.RejectCode(l.Err)
		}
		return false, "the letter does not verify: " + code
	}
	lt := l.Letter
	if doc == nil {
		return false, "no document to match the letter against"
	}
	if normCode(lt.Document.IssuingState) != normCode(doc.IssuingState) || normCode(lt.Document.Number) != normCode(doc.Number) {
		return false, "the letter is for another document"
	}
	if !sameBirthDate(lt.Holder.BirthDate, doc.BirthDate) || !surnameMatches(doc.Surname, lt.Holder.Surname, doc.NameTruncated, doc.GivenNames == "") {
		return false, "the letter is for another holder"
	}
	if lt.AuthorizationID != "" && lt.AuthorizationID != r.AuthorizationID {
		return false, "the letter is for another authorization"
	}
	if _, ok := parseDate(lt.ValidUntil); !ok || lt.ValidUntil < today {
		return false, "the letter has expired"
	}
	return true, ""
}

// chipChecks weighs the chip step: unreadable, DG1 against the printed
// zone, passive authentication (its verdicts under the kiosk's policy).
// Anything it does not recognise refers.
func chipChecks(c *collector, in Input) {
	ch := in.Chip
	if ch == nil {
		return
	}
	if !ch.Read {
		c.add(wire.ReasonChipUnreadable)
		detail := ch.Failure
		if detail == "" {
			detail = "read_error"
		}
		if ch.Detail != "" {
			detail += ": " + ch.Detail
		}
		c.check(CheckChipRead, wire.CheckFailed, detail)
		c.check(CheckChipDG1, wire.CheckUndetermined, "chip not read")
		c.check(CheckChipPA, wire.CheckUndetermined, "chip not read")
		c.check(CheckChipAA, wire.CheckUndetermined, "chip not read")
		c.check(CheckChipCA, wire.CheckUndetermined, "chip not read")
		return
	}
	c.check(CheckChipRead, wire.CheckSuccessful, "")
	if !ch.DG1Matches {
		c.add(wire.ReasonChipMRZMismatch)
		c.check(CheckChipDG1, wire.CheckFailed, "DG1 differs from the printed MRZ")
	} else {
		c.check(CheckChipDG1, wire.CheckSuccessful, "")
	}
	switch ch.PA {
	case PAValid:
		c.check(CheckChipPA, wire.CheckSuccessful, "")
	case PANoTrustAnchor:
		if in.Policy.ChipOnNoTrustAnchor != ChipIgnore {
			c.add(wire.ReasonChipUntrusted)
		}
		c.check(CheckChipPA, wire.CheckUndetermined, joinDetail("no_trust_anchor", ch.PADetail))
	case PAInvalid:
		if in.Policy.ChipOnInvalid != ChipIgnore {
			c.add(wire.ReasonChipInvalid)
		}
		step := ch.PAStep
		if ch.PADG != 0 {
			step += " DG" + strconv.Itoa(ch.PADG)
		}
		c.check(CheckChipPA, wire.CheckFailed, joinDetail(step, ch.PADetail))
	default:
		// A verdict this decision does not know never passes.
		c.add(wire.ReasonChipInvalid)
		c.check(CheckChipPA, wire.CheckUndetermined, "no passive authentication verdict")
	}
	// Active and chip authentication: the chip is the issuer's, not a copy
	// of its files. A chip without one (no DG15, or no chip authentication
	// in DG14) is no fault: both are optional for issuers.
	c.antiCloning(in, CheckChipAA, ch.AA, ch.AADetail, "active authentication")
	c.antiCloning(in, CheckChipCA, ch.CA, ch.CADetail, "chip authentication")
}

// antiCloning records active or chip authentication's verdict v.
func (c *collector) antiCloning(in Input, name, v, detail, what string) {
	switch v {
	case AAValid:
		c.check(name, wire.CheckSuccessful, "")
	case AANotSupported, "":
		if v == "" {
			detail = "not run"
		}
		c.check(name, wire.CheckNotSupported, detail)
	case AAInvalid:
		if in.Policy.ChipOnInvalid != ChipIgnore {
			c.add(wire.ReasonChipInvalid)
		}
		c.check(name, wire.CheckFailed, detail)
	default:
		c.add(wire.ReasonChipInvalid)
		c.check(name, wire.CheckUndetermined, "no "+what+" verdict")
	}
}

func joinDetail(head, detail string) string {
	if detail == "" {
		return head
	}
	if head == "" {
		return detail
	}
	return head + ": " + detail
}

func faceChecks(c *collector, in Input) {
	f := in.Face
	switch {
	case !f.Attempted && in.Policy.RequireFace:
		c.add(wire.ReasonFaceCaptureFailed)
		c.check(CheckFaceCapture, wire.CheckAborted, "required, not run")
	case !f.Attempted:
		c.check(CheckFaceVerify, wire.CheckNotSupported, "")
		return
	case !f.Captured:
		c.add(wire.ReasonFaceCaptureFailed)
		c.check(CheckFaceCapture, wire.CheckFailed, "no face of sufficient quality in time")
	default:
		c.check(CheckFaceCapture, wire.CheckSuccessful, "")
	}
	if !f.Captured {
		return
	}
	if !f.Compared {
		if in.Policy.RequireFace {
			// Required but not compared: identity not confirmed.
			c.add(wire.ReasonFaceMismatch)
			c.check(CheckFaceVerify, wire.CheckUndetermined, f.Detail)
		} else {
			c.check(CheckFaceVerify, wire.CheckNotSupported, f.Detail)
		}
		return
	}
	score, thr := f.Score, f.Threshold
	ch := wire.Check{Name: CheckFaceVerify, Score: &score, Threshold: &thr}
	// NaN compares false: it never passes.
	if score >= thr && !math.IsNaN(thr) {
		ch.Result = wire.CheckSuccessful
	} else {
		ch.Result = wire.CheckFailed
		c.add(wire.ReasonFaceMismatch)
	}
	c.checks = append(c.checks, ch)
}

func randomSelection(c *collector, in Input) {
	rate := in.Policy.RandomReferralRate
	if rate == 0 {
		return
	}
	if math.IsNaN(rate) || rate >= 1 {
		c.add(wire.ReasonRandomSelection)
		c.check(CheckRandom, wire.CheckFailed, "selected")
		return
	}
	if rate < 0 {
		return
	}
	src := in.Rand
	if src == nil {
		src = rand.Reader
	}
	var b [8]byte
	if _, err := io.ReadFull(src, b[:]); err != nil {
		// No randomness: refer rather than skip the selection.
		c.add(wire.ReasonRandomSelection)
		c.check(CheckRandom, wire.CheckAborted, "no random source")
		return
	}
	u := float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53) // uniform in [0, 1)
	if u < rate {
		c.add(wire.ReasonRandomSelection)
		c.check(CheckRandom, wire.CheckFailed, "selected")
	} else {
		c.check(CheckRandom, wire.CheckSuccessful, "")
	}
}

func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.Parse(wire.DateFormat, s)
	return t, err == nil
}
