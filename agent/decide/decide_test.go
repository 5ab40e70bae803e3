package decide

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var now = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

func baseRecord() wire.AuthzRecord {
	return wire.AuthzRecord{
		AuthorizationID: "XPT-2026-0000123", Version: 3, Status: wire.StatusActive, Category: "professional",
		Holder:          wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		Documents:       []wire.Document{{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"}},
		TrustedTraveler: &wire.TrustedTraveler{Program: "NEXUS", MembershipID: "123456789", CardTag: "0A1B2C3D4E"},
		ValidFrom:       "2026-01-01", ValidUntil: "2031-01-01",
		Entries: []string{wire.DirCAtoUS, wire.DirUStoCA}, MaxStayDays: 180,
	}
}

func baseDoc() *Document {
	return &Document{Document: wire.Document{Code: "P", IssuingState: "CAN", Number: "L898902C3", ExpiryDate: "2030-04-15"},
		Holder: wire.Holder{BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN", Surname: "ERIKSSON", GivenNames: "ANNA<MARIA"}, Valid: true}
}

func baseInput() Input {
	return Input{
		Document:   baseDoc(),
		Card:       &Card{Tag: "0a:1b:2c:3d:4e"},
		Face:       Face{Attempted: true, Captured: true, Compared: true, Score: 0.81, Threshold: 0.42},
		Candidates: []wire.AuthzRecord{baseRecord()},
		LastSync:   now.Add(-time.Hour),
		Policy:     Policy{PortCode: "YYZ", Direction: wire.DirUStoCA, RequireFace: true, MaxStaleness: 24 * time.Hour},
		Now:        now,
		Rand:       bytes.NewReader(make([]byte, 64)),
	}
}

func signedLetter() *Letter {
	return &Letter{Letter: &wire.Letter{KID: "central-test", AuthorizationID: "XPT-2026-0000123",
		Document: wire.LetterDocument{IssuingState: "CAN", Number: "L898902C3"},
		Holder:   wire.LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, ValidUntil: "2027-03-31"}}
}

func TestDecisionTable(t *testing.T) {
	cases := []struct {
		name    string
		mut     func(*Input)
		reasons []string // nil: admitted
		record  string   // chosen record, when it matters
	}{
		{"admitted", func(*Input) {}, nil, "XPT-2026-0000123"},
		{"admitted without card when none is required", func(in *Input) { in.Card = nil }, nil, ""},
		{"admitted with a valid letter", func(in *Input) { in.Letter = signedLetter() }, nil, ""},
		{"admitted, face not required and not run", func(in *Input) { in.Policy.RequireFace = false; in.Face = Face{} }, nil, ""},

		{"MRZ_UNREADABLE", func(in *Input) { in.Document = nil }, []string{wire.ReasonMRZUnreadable}, "XPT-2026-0000123"},
		{"MRZ_UNREADABLE, no card either", func(in *Input) { in.Document = nil; in.Card = nil }, []string{wire.ReasonMRZUnreadable}, ""},
		{"MRZ_INVALID", func(in *Input) { in.Document.Valid = false }, []string{wire.ReasonMRZInvalid}, ""},
		{"MRZ_INVALID: expiry unreadable", func(in *Input) { in.Document.ExpiryDate = "2030-02-30" }, []string{wire.ReasonMRZInvalid}, ""},
		{"DOC_EXPIRED", func(in *Input) { in.Document.ExpiryDate = "2026-11-26" }, []string{wire.ReasonDocExpired}, ""},
		{"expires today: still valid", func(in *Input) { in.Document.ExpiryDate = "2026-11-27" }, nil, ""},
		{"NOT_AUTHORIZED", func(in *Input) { in.Candidates = nil; in.Card = nil }, []string{wire.ReasonNotAuthorized}, ""},
		{"NOT_AUTHORIZED: card maps to nothing either", func(in *Input) { in.Candidates = nil }, []string{wire.ReasonNotAuthorized}, ""},
		{"NOT_AUTHORIZED: unrelated candidate ignored", func(in *Input) {
			in.Candidates[0].Documents[0].Number = "OTHER1234"
			in.Candidates[0].TrustedTraveler.CardTag = "FFFF"
		}, []string{wire.ReasonNotAuthorized}, ""},
		{"HOLDER_MISMATCH: birth date", func(in *Input) { in.Document.BirthDate = "1974-08-13" }, []string{wire.ReasonHolderMismatch}, ""},
		{"HOLDER_MISMATCH: nationality", func(in *Input) { in.Document.Nationality = "SWE" }, []string{wire.ReasonHolderMismatch}, ""},
		{"HOLDER_MISMATCH: sex", func(in *Input) { in.Document.Sex = "M" }, []string{wire.ReasonHolderMismatch}, ""},
		{"HOLDER_MISMATCH: surname", func(in *Input) { in.Document.Surname = "ERIKSEN" }, []string{wire.ReasonHolderMismatch}, ""},
		{"HOLDER_MISMATCH: given names", func(in *Input) { in.Document.GivenNames = "ANNA" }, []string{wire.ReasonHolderMismatch}, ""},
		{"AUTH_SUSPENDED", func(in *Input) { in.Candidates[0].Status = wire.StatusSuspended }, []string{wire.ReasonAuthSuspended}, ""},
		{"AUTH_REVOKED", func(in *Input) { in.Candidates[0].Status = wire.StatusRevoked }, []string{wire.ReasonAuthRevoked}, ""},
		{"unknown status never admits", func(in *Input) { in.Candidates[0].Status = "pending" }, []string{wire.ReasonAuthRevoked}, ""},
		{"AUTH_NOT_YET_VALID", func(in *Input) { in.Candidates[0].ValidFrom = "2026-11-28" }, []string{wire.ReasonAuthNotYetValid}, ""},
		{"AUTH_EXPIRED", func(in *Input) { in.Candidates[0].ValidUntil = "2026-11-26" }, []string{wire.ReasonAuthExpired}, ""},
		{"window is inclusive", func(in *Input) { in.Candidates[0].ValidFrom = "2026-11-27"; in.Candidates[0].ValidUntil = "2026-11-27" }, nil, ""},
		{"DIRECTION_NOT_ALLOWED", func(in *Input) { in.Candidates[0].Entries = []string{wire.DirCAtoUS} }, []string{wire.ReasonDirectionNotAllowed}, ""},
		{"DIRECTION_NOT_ALLOWED: kiosk direction unset", func(in *Input) { in.Policy.Direction = "" }, []string{wire.ReasonDirectionNotAllowed}, ""},
		{"CARD_MISSING: policy", func(in *Input) { in.Card = nil; in.Policy.RequireCard = true }, []string{wire.ReasonCardMissing}, ""},
		{"CARD_MISSING: record", func(in *Input) { in.Card = nil; in.Candidates[0].RequireCard = true }, []string{wire.ReasonCardMissing}, ""},
		{"CARD_MISSING: policy, no record", func(in *Input) { in.Card = nil; in.Policy.RequireCard = true; in.Candidates = nil },
			[]string{wire.ReasonNotAuthorized, wire.ReasonCardMissing}, ""},
		{"CARD_MISMATCH", func(in *Input) { in.Card.Tag = "0A1B2C3D4F" }, []string{wire.ReasonCardMismatch}, ""},
		{"CARD_MISMATCH: record has no card", func(in *Input) { in.Candidates[0].TrustedTraveler = nil }, []string{wire.ReasonCardMismatch}, ""},
		{"FACE_CAPTURE_FAILED", func(in *Input) { in.Face = Face{Attempted: true} }, []string{wire.ReasonFaceCaptureFailed}, ""},
		{"FACE_CAPTURE_FAILED: required, not run", func(in *Input) { in.Face = Face{} }, []string{wire.ReasonFaceCaptureFailed}, ""},
		{"FACE_CAPTURE_FAILED: not required, but failed", func(in *Input) { in.Policy.RequireFace = false; in.Face = Face{Attempted: true} },
			[]string{wire.ReasonFaceCaptureFailed}, ""},
		{"FACE_MISMATCH", func(in *Input) { in.Face.Score = 0.31 }, []string{wire.ReasonFaceMismatch}, ""},
		{"FACE_MISMATCH: verifier configured though not required", func(in *Input) { in.Policy.RequireFace = false; in.Face.Score = 0.1 },
			[]string{wire.ReasonFaceMismatch}, ""},
		{"FACE_MISMATCH: required, not compared", func(in *Input) { in.Face.Compared = false }, []string{wire.ReasonFaceMismatch}, ""},
		{"face not compared, not required: admitted", func(in *Input) { in.Policy.RequireFace = false; in.Face.Compared = false }, nil, ""},
		{"PREAPPROVAL_INVALID: signature", func(in *Input) {
			in.Letter = &Letter{Err: &wire.RejectError{Code: wire.RejectSignature}}
		}, []string{wire.ReasonPreapprovalInvalid}, ""},
		{"PREAPPROVAL_INVALID: other document", func(in *Input) {
			in.Letter = signedLetter()
			in.Letter.Letter.Document.Number = "X1234567"
		}, []string{wire.ReasonPreapprovalInvalid}, ""},
		{"PREAPPROVAL_INVALID: other authorization", func(in *Input) {
			in.Letter = signedLetter()
			in.Letter.Letter.AuthorizationID = "XPT-2026-0000999"
		}, []string{wire.ReasonPreapprovalInvalid}, ""},
		{"PREAPPROVAL_INVALID: expired", func(in *Input) {
			in.Letter = signedLetter()
			in.Letter.Letter.ValidUntil = "2026-11-26"
		}, []string{wire.ReasonPreapprovalInvalid}, ""},
		{"PREAPPROVAL_INVALID: other holder", func(in *Input) {
			in.Letter = signedLetter()
			in.Letter.Letter.Holder.BirthDate = "1975-08-12"
		}, []string{wire.ReasonPreapprovalInvalid}, ""},
		{"DATA_STALE", func(in *Input) { in.LastSync = now.Add(-25 * time.Hour) }, []string{wire.ReasonDataStale}, ""},
		{"DATA_STALE: never synced", func(in *Input) { in.LastSync = time.Time{} }, []string{wire.ReasonDataStale}, ""},
		{"DATA_STALE: unset limit is the default, not infinity", func(in *Input) {
			in.Policy.MaxStaleness = 0
			in.LastSync = now.Add(-DefaultMaxStaleness - time.Minute)
		}, []string{wire.ReasonDataStale}, ""},
		{"DATA_STALE: sync in the future", func(in *Input) { in.LastSync = now.Add(48 * time.Hour) }, []string{wire.ReasonDataStale}, ""},
		{"DEVICE_FAULT", func(in *Input) { in.DeviceFaults = []string{"cardReader"} }, []string{wire.ReasonDeviceFault}, ""},
		{"RANDOM_SELECTION", func(in *Input) { in.Policy.RandomReferralRate = 0.1 }, []string{wire.ReasonRandomSelection}, ""},
		{"random draw above the rate", func(in *Input) {
			in.Policy.RandomReferralRate = 0.1
			in.Rand = bytes.NewReader(bytes.Repeat([]byte{0xff}, 8))
		}, nil, ""},
		{"RANDOM_SELECTION: no randomness", func(in *Input) {
			in.Policy.RandomReferralRate = 0.1
			in.Rand = bytes.NewReader(nil)
		}, []string{wire.ReasonRandomSelection}, ""},
		{"RANDOM_SELECTION: rate 1", func(in *Input) { in.Policy.RandomReferralRate = 1 }, []string{wire.ReasonRandomSelection}, ""},
		{"genuine chip: admitted", func(in *Input) { in.Chip = genuineChip() }, nil, ""},
		{"CHIP_UNREADABLE: no chip", func(in *Input) { in.Chip = &Chip{Failure: "no_chip"} }, []string{wire.ReasonChipUnreadable}, ""},
		{"CHIP_UNREADABLE: no failure said", func(in *Input) { in.Chip = &Chip{} }, []string{wire.ReasonChipUnreadable}, ""},
		{"CHIP_MRZ_MISMATCH", func(in *Input) { in.Chip = genuineChip(); in.Chip.DG1Matches = false }, []string{wire.ReasonChipMRZMismatch}, ""},
		{"CHIP_INVALID", func(in *Input) { in.Chip = genuineChip(); in.Chip.PA, in.Chip.PAStep = PAInvalid, "sod_signature" },
			[]string{wire.ReasonChipInvalid}, ""},
		{"chip invalid, policy ignore: admitted", func(in *Input) {
			in.Chip = genuineChip()
			in.Chip.PA, in.Chip.PAStep = PAInvalid, "sod_signature"
			in.Policy.ChipOnInvalid = ChipIgnore
		}, nil, ""},
		{"CHIP_UNTRUSTED", func(in *Input) { in.Chip = genuineChip(); in.Chip.PA = PANoTrustAnchor }, []string{wire.ReasonChipUntrusted}, ""},
		{"chip untrusted, policy ignore: admitted", func(in *Input) {
			in.Chip = genuineChip()
			in.Chip.PA = PANoTrustAnchor
			in.Policy.ChipOnNoTrustAnchor = ChipIgnore
		}, nil, ""},
		{"chip untrusted, only invalid ignored", func(in *Input) {
			in.Chip = genuineChip()
			in.Chip.PA = PANoTrustAnchor
			in.Policy.ChipOnInvalid = ChipIgnore
		}, []string{wire.ReasonChipUntrusted}, ""},
		{"chip verdict unknown never admits", func(in *Input) { in.Chip = genuineChip(); in.Chip.PA = "" }, []string{wire.ReasonChipInvalid}, ""},
		{"chip without active authentication: admitted", func(in *Input) { in.Chip = genuineChip(); in.Chip.AA = AANotSupported }, nil, ""},
		{"CHIP_INVALID: active authentication failed (a clone)", func(in *Input) {
			in.Chip = genuineChip()
			in.Chip.AA, in.Chip.AADetail = AAInvalid, "the signature does not verify"
		}, []string{wire.ReasonChipInvalid}, ""},
		{"clone, policy ignore: admitted", func(in *Input) {
			in.Chip = genuineChip()
			in.Chip.AA = AAInvalid
			in.Policy.ChipOnInvalid = ChipIgnore
		}, nil, ""},
		{"active authentication verdict unknown never admits", func(in *Input) { in.Chip = genuineChip(); in.Chip.AA = "maybe" }, []string{wire.ReasonChipInvalid}, ""},

		// Holder matching.
		{"truncated given names", func(in *Input) {
			in.Candidates[0].Holder.GivenNames = "ANNA MARIA LOUISE CHARLOTTE"
			in.Document.GivenNames = "ANNA<MARIA<LO"
			in.Document.NameTruncated = true
		}, nil, ""},
		{"truncated to initials", func(in *Input) {
			in.Candidates[0].Holder.GivenNames = "ANNA MARIA LOUISE CHARLOTTE"
			in.Document.GivenNames = "A<M<L"
			in.Document.NameTruncated = true
		}, nil, ""},
		{"truncated surname, no given names", func(in *Input) {
			in.Candidates[0].Holder.Surname = "ERIKSSON VON HOHENZOLLERN SIGMARINGEN UND WEITERE"
			in.Document.Surname = "ERIKSSON<VON<HOHENZOLLERN<SIGMARINGEN<U"
			in.Document.GivenNames = ""
			in.Document.NameTruncated = true
		}, nil, ""},
		{"prefix without the truncation flag is a mismatch", func(in *Input) {
			in.Candidates[0].Holder.GivenNames = "ANNA MARIA LOUISE"
		}, []string{wire.ReasonHolderMismatch}, ""},
		{"truncated, but a different name", func(in *Input) {
			in.Candidates[0].Holder.GivenNames = "ANNA MARIA LOUISE"
			in.Document.GivenNames = "ANNE<MARIA<L"
			in.Document.NameTruncated = true
		}, []string{wire.ReasonHolderMismatch}, ""},
		{"transliteration UE/U", func(in *Input) {
			in.Candidates[0].Holder.Surname = "MUELLER"
			in.Document.Surname = "MULLER"
		}, nil, ""},
		{"transliteration AA/A and OE/O", func(in *Input) {
			in.Candidates[0].Holder.GivenNames = "AASA BJOERN"
			in.Document.GivenNames = "ASA<BJORN"
		}, nil, ""},
		{"filler inside a surname", func(in *Input) {
			in.Candidates[0].Holder.Surname = "OBRIEN"
			in.Document.Surname = "O<BRIEN"
		}, nil, ""},
		{"century of the birth year is not the document's", func(in *Input) { in.Document.BirthDate = "2074-08-12" }, nil, ""},
		{"unspecified sex", func(in *Input) { in.Candidates[0].Holder.Sex = "X"; in.Document.Sex = "<" }, nil, ""},

		// Several records, several documents, cards.
		{"renewed passport: the valid record is chosen", func(in *Input) {
			old := baseRecord()
			old.AuthorizationID, old.Status, old.ValidUntil = "XPT-2024-0000001", wire.StatusRevoked, "2026-06-01"
			in.Candidates = []wire.AuthzRecord{old, in.Candidates[0]}
		}, nil, "XPT-2026-0000123"},
		{"two records that would both admit", func(in *Input) {
			twin := baseRecord()
			twin.AuthorizationID = "XPT-2026-0000999"
			in.Candidates = append(in.Candidates, twin)
		}, []string{wire.ReasonNotAuthorized}, ""},
		{"a record with several documents, the second presented", func(in *Input) {
			in.Candidates[0].Documents = append([]wire.Document{{IssuingState: "SWE", Number: "AA1234567"}}, in.Candidates[0].Documents...)
		}, nil, ""},
		{"card with a different document: doc not on the card's record", func(in *Input) {
			in.Document.Number = "NEW000001"
		}, []string{wire.ReasonHolderMismatch}, "XPT-2026-0000123"},
		{"card of one record, document of another", func(in *Input) {
			other := baseRecord()
			other.AuthorizationID = "XPT-2026-0000555"
			other.Documents[0].Number = "ZZ0000001"
			other.Holder.Surname = "SMITH"
			in.Candidates[0].TrustedTraveler.CardTag = "0000000001"
			other.TrustedTraveler.CardTag = "0A1B2C3D4E"
			in.Candidates = append(in.Candidates, other)
		}, []string{wire.ReasonCardMismatch}, "XPT-2026-0000123"},

		// Everything at once: every reason reported, not just the first.
		{"many reasons at once", func(in *Input) {
			in.Document.ExpiryDate = "2020-01-01"
			in.Candidates[0].Status = wire.StatusSuspended
			in.Candidates[0].ValidUntil = "2026-01-31"
			in.Candidates[0].Entries = nil
			in.Card.Tag = "99"
			in.Face.Score = 0
			in.LastSync = time.Time{}
			in.DeviceFaults = []string{"camera"}
			in.Policy.RandomReferralRate = 0.5
			in.Letter = &Letter{Err: errors.New("bad")}
		}, []string{wire.ReasonDocExpired, wire.ReasonAuthSuspended, wire.ReasonAuthExpired, wire.ReasonDirectionNotAllowed,
			wire.ReasonCardMismatch, wire.ReasonFaceMismatch, wire.ReasonPreapprovalInvalid, wire.ReasonDataStale,
			wire.ReasonDeviceFault, wire.ReasonRandomSelection}, ""},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput()
			c.mut(&in)
			res := Decide(in)
			want := wire.OutcomeReferred
			if c.reasons == nil {
				want = wire.OutcomeAdmitted
			}
			if res.Outcome != want || !slices.Equal(res.Reasons, c.reasons) {
				t.Fatalf("got %s %v, want %s %v\nchecks: %+v", res.Outcome, res.Reasons, want, c.reasons, res.Checks)
			}
			if c.record != "" && (res.Record == nil || res.Record.AuthorizationID != c.record) {
				t.Fatalf("chose %+v, want %s", res.Record, c.record)
			}
			for _, ch := range res.Checks {
				switch ch.Result {
				case wire.CheckSuccessful, wire.CheckFailed, wire.CheckUndetermined, wire.CheckNotSupported, wire.CheckAborted:
				default:
					t.Fatalf("check %s has result %q", ch.Name, ch.Result)
				}
				if strings.Contains(ch.Detail, "ERIKSSON") || strings.Contains(ch.Detail, "L898902C3") {
					t.Fatalf("check detail carries personal data: %+v", ch)
				}
			}
			if res.Admitted() && (res.Record == nil || res.Document == nil) {
				t.Fatal("admitted without a record and its document entry")
			}
		})
		for _, r := range c.reasons {
			covered[r] = true
		}
	}
	for _, r := range wire.AllReasons {
		if !covered[r] {
			t.Errorf("no case for %s", r)
		}
	}
}

func TestFaceCheckCarriesScore(t *testing.T) {
	in := baseInput()
	in.Face.Score = 0.31
	res := Decide(in)
	for _, ch := range res.Checks {
		if ch.Name == CheckFaceVerify {
			if ch.Result != wire.CheckFailed || ch.Score == nil || *ch.Score != 0.31 || ch.Threshold == nil || *ch.Threshold != 0.42 {
				t.Fatalf("face check %+v", ch)
			}
			return
		}
	}
	t.Fatal("no face check")
}

func TestRandomRateIsRoughlyHonoured(t *testing.T) {
	in := baseInput()
	in.Policy.RandomReferralRate = 0.25
	in.Rand = nil // crypto/rand
	n, sel := 4000, 0
	for i := 0; i < n; i++ {
		if slices.Contains(Decide(in).Reasons, wire.ReasonRandomSelection) {
			sel++
		}
	}
	if sel < n/5 || sel > n*3/10 {
		t.Fatalf("selected %d of %d at rate 0.25", sel, n)
	}
}

func genuineChip() *Chip { return &Chip{Read: true, DG1Matches: true, PA: PAValid, AA: AAValid} }

// The chip's checks carry the spec's results and name the failing step.
func TestChipChecks(t *testing.T) {
	checks := func(c *Chip, p Policy) map[string]wire.Check {
		in := baseInput()
		in.Chip = c
		in.Policy.ChipOnInvalid, in.Policy.ChipOnNoTrustAnchor = p.ChipOnInvalid, p.ChipOnNoTrustAnchor
		out := map[string]wire.Check{}
		for _, ch := range Decide(in).Checks {
			out[ch.Name] = ch
		}
		return out
	}
	got := checks(&Chip{Failure: "access_denied", Detail: "BAC refused"}, Policy{})
	if c := got[CheckChipRead]; c.Result != wire.CheckFailed || c.Detail != "access_denied: BAC refused" {
		t.Errorf("read %+v", c)
	}
	if got[CheckChipDG1].Result != wire.CheckUndetermined || got[CheckChipPA].Result != wire.CheckUndetermined {
		t.Errorf("not read: %+v", got)
	}
	bad := genuineChip()
	bad.PA, bad.PAStep, bad.PADG, bad.PADetail = PAInvalid, "dg_hash", 2, "hash differs"
	got = checks(bad, Policy{ChipOnInvalid: ChipIgnore})
	if c := got[CheckChipPA]; c.Result != wire.CheckFailed || c.Detail != "dg_hash DG2: hash differs" {
		t.Errorf("pa %+v", c)
	}
	if got[CheckChipRead].Result != wire.CheckSuccessful || got[CheckChipDG1].Result != wire.CheckSuccessful {
		t.Errorf("read %+v", got)
	}
	un := genuineChip()
	un.PA = PANoTrustAnchor
	if c := checks(un, Policy{})[CheckChipPA]; c.Result != wire.CheckUndetermined || !strings.HasPrefix(c.Detail, "no_trust_anchor") {
		t.Errorf("untrusted %+v", c)
	}
	if _, ok := checks(nil, Policy{})[CheckChipRead]; ok {
		t.Error("a chip check without a chip step")
	}
	if got[CheckChipAA].Result != wire.CheckSuccessful {
		t.Errorf("aa of a chip that passed it: %+v", got[CheckChipAA])
	}
	clone := genuineChip()
	clone.AA, clone.AADetail = AAInvalid, "the chip's signature of the challenge does not verify"
	if c := checks(clone, Policy{})[CheckChipAA]; c.Result != wire.CheckFailed || c.Detail != clone.AADetail {
		t.Errorf("aa of a clone %+v", c)
	}
	none := genuineChip()
	none.AA, none.AADetail = AANotSupported, "the chip has no DG15"
	if c := checks(none, Policy{})[CheckChipAA]; c.Result != wire.CheckNotSupported || c.Detail != none.AADetail {
		t.Errorf("aa of a chip without it %+v", c)
	}
	if c := checks(&Chip{Failure: "no_chip"}, Policy{})[CheckChipAA]; c.Result != wire.CheckUndetermined {
		t.Errorf("aa, chip not read %+v", c)
	}
}
