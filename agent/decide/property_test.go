package decide

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Small domains, so that random records and travelers often meet.
var (
	pStates   = []string{"CAN", "USA", "D"}
	pNumbers  = []string{"L898902C3", "AB1234567", "C00000001"}
	pSurnames = []string{"ERIKSSON", "SMITH", "NGUYEN"}
	pGiven    = []string{"ANNA MARIA", "JOHN", ""}
	pBirth    = []string{"1974-08-12", "1980-01-31", "1999-12-01"}
	pSex      = []string{"M", "F", "X"}
	pDates    = []string{"2025-01-01", "2026-11-26", "2026-11-27", "2026-11-28", "2031-01-01"}
	pStatus   = []string{wire.StatusActive, wire.StatusActive, wire.StatusActive, wire.StatusSuspended, wire.StatusRevoked}
	pTags     = []string{"0A1B", "0C0D", "FFFF"}
	pDirs     = []string{wire.DirCAtoUS, wire.DirUStoCA}
)

func genRecord(t *rapid.T, label string) wire.AuthzRecord {
	ndocs := rapid.IntRange(1, 2).Draw(t, label+".ndocs")
	docs := make([]wire.Document, ndocs)
	for i := range docs {
		docs[i] = wire.Document{Code: "P", IssuingState: rapid.SampledFrom(pStates).Draw(t, label+".state"),
			Number: rapid.SampledFrom(pNumbers).Draw(t, label+".number")}
	}
	from := rapid.SampledFrom(pDates).Draw(t, label+".from")
	until := rapid.SampledFrom(pDates).Draw(t, label+".until")
	if until < from {
		from, until = until, from
	}
	r := wire.AuthzRecord{
		AuthorizationID: rapid.StringMatching(`XPT-2026-000000[0-9]`).Draw(t, label+".id"),
		Version:         1,
		Status:          rapid.SampledFrom(pStatus).Draw(t, label+".status"),
		Holder: wire.Holder{Surname: rapid.SampledFrom(pSurnames).Draw(t, label+".surname"),
			GivenNames:  rapid.SampledFrom(pGiven).Draw(t, label+".given"),
			BirthDate:   rapid.SampledFrom(pBirth).Draw(t, label+".birth"),
			Sex:         rapid.SampledFrom(pSex).Draw(t, label+".sex"),
			Nationality: rapid.SampledFrom(pStates).Draw(t, label+".nat")},
		Documents: docs, ValidFrom: from, ValidUntil: until,
		Entries:     rapid.SliceOfDistinct(rapid.SampledFrom(pDirs), rapid.ID[string]).Draw(t, label+".entries"),
		RequireCard: rapid.Bool().Draw(t, label+".requireCard"),
	}
	if rapid.Bool().Draw(t, label+".hasCard") {
		r.TrustedTraveler = &wire.TrustedTraveler{Program: "NEXUS", CardTag: rapid.SampledFrom(pTags).Draw(t, label+".tag")}
	}
	return r
}

func genInput(t *rapid.T) Input {
	n := rapid.IntRange(0, 4).Draw(t, "records")
	recs := make([]wire.AuthzRecord, n)
	for i := range recs {
		recs[i] = genRecord(t, "rec")
	}
	in := Input{
		Document: &Document{Document: wire.Document{Code: "P", IssuingState: rapid.SampledFrom(pStates).Draw(t, "doc.state"),
			Number:     rapid.SampledFrom(pNumbers).Draw(t, "doc.number"),
			ExpiryDate: rapid.SampledFrom(pDates).Draw(t, "doc.expiry")},
			Holder: wire.Holder{BirthDate: rapid.SampledFrom(pBirth).Draw(t, "doc.birth"), Sex: rapid.SampledFrom(pSex).Draw(t, "doc.sex"),
				Nationality: rapid.SampledFrom(pStates).Draw(t, "doc.nat"), Surname: rapid.SampledFrom(pSurnames).Draw(t, "doc.surname"),
				GivenNames: rapid.SampledFrom(pGiven).Draw(t, "doc.given")}, Valid: rapid.Bool().Draw(t, "doc.valid")},
		Candidates: recs,
		LastSync:   now.Add(-time.Duration(rapid.IntRange(0, 48).Draw(t, "staleHours")) * time.Hour),
		Policy: Policy{Direction: rapid.SampledFrom(pDirs).Draw(t, "direction"), RequireCard: rapid.Bool().Draw(t, "policy.requireCard"),
			MaxStaleness: 24 * time.Hour},
		Now:  now,
		Rand: bytes.NewReader(make([]byte, 8)),
	}
	if n > 0 && rapid.IntRange(0, 3).Draw(t, "fromRecord") > 0 {
		// Mostly a traveler of one of the records, so that admissions are
		// common enough to test.
		r := recs[rapid.IntRange(0, n-1).Draw(t, "which")]
		d := r.Documents[rapid.IntRange(0, len(r.Documents)-1).Draw(t, "whichDoc")]
		in.Document.IssuingState, in.Document.Number = d.IssuingState, d.Number
		h := r.Holder
		in.Document.Surname, in.Document.GivenNames, in.Document.BirthDate, in.Document.Sex, in.Document.Nationality =
			h.Surname, h.GivenNames, h.BirthDate, h.Sex, h.Nationality
		in.Document.ExpiryDate = "2031-01-01"
		in.Document.Valid = rapid.IntRange(0, 5).Draw(t, "valid") > 0
		in.LastSync = now.Add(-time.Hour)
		if r.TrustedTraveler != nil && rapid.Bool().Draw(t, "ownCard") {
			in.Card = &Card{Tag: r.TrustedTraveler.CardTag}
		}
	}
	if in.Card == nil && rapid.IntRange(0, 3).Draw(t, "card") == 0 {
		in.Card = &Card{Tag: rapid.SampledFrom(pTags).Draw(t, "card.tag")}
	}
	return in
}

// oracleEligible is the admission rule written plainly, independently of
// the implementation: an active, in-window record listing the document and
// the direction, whose holder equals the document's (the generators use
// canonical names, so plain equality is the right oracle).
func oracleEligible(in Input, r wire.AuthzRecord) bool {
	today := in.Now.Format(wire.DateFormat)
	d := in.Document
	listed := false
	for _, x := range r.Documents {
		listed = listed || (x.IssuingState == d.IssuingState && x.Number == d.Number)
	}
	return listed && r.Status == wire.StatusActive && r.ValidFrom <= today && today <= r.ValidUntil &&
		slices.Contains(r.Entries, in.Policy.Direction) &&
		r.Holder.Surname == d.Surname && r.Holder.GivenNames == d.GivenNames && r.Holder.BirthDate == d.BirthDate &&
		r.Holder.Sex == d.Sex && r.Holder.Nationality == d.Nationality
}

// An admitted traveler always has exactly one active, in-window record
// that lists their document and the kiosk's direction and matches the
// holder; and an admission has no reason.
func TestPropertyAdmittedHasExactlyOneEligibleRecord(t *testing.T) {
	admitted, total := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		total++
		in := genInput(t)
		res := Decide(in)
		if !res.Admitted() {
			if len(res.Reasons) == 0 {
				t.Fatal("referred without a reason")
			}
			return
		}
		admitted++
		if len(res.Reasons) != 0 {
			t.Fatalf("admitted with reasons %v", res.Reasons)
		}
		eligible := 0
		for _, r := range in.Candidates {
			if oracleEligible(in, r) {
				eligible++
			}
		}
		if eligible != 1 {
			t.Fatalf("admitted with %d eligible records", eligible)
		}
		if !oracleEligible(in, *res.Record) {
			t.Fatalf("admitted against an ineligible record %+v", res.Record)
		}
		if !in.Document.Valid || in.Document.ExpiryDate < in.Now.Format(wire.DateFormat) {
			t.Fatal("admitted on an invalid or expired document")
		}
	})
	t.Logf("%d admissions among %d generated cases", admitted, total)
	if admitted == 0 && total >= 500 {
		t.Error("the generator never produced an admission: the property is vacuous")
	}
}

// Starting from an admission, changing any one of the fields the rule
// rests on never admits.
func TestPropertyOneChangeNeverAdmits(t *testing.T) {
	mutations := map[string]func(*rapid.T, *Input){
		"status": func(t *rapid.T, in *Input) {
			in.Candidates[0].Status = rapid.SampledFrom([]string{wire.StatusSuspended, wire.StatusRevoked, "", "ACTIVE"}).Draw(t, "status")
		},
		"validFrom":  func(t *rapid.T, in *Input) { in.Candidates[0].ValidFrom = "2026-11-28" },
		"validUntil": func(t *rapid.T, in *Input) { in.Candidates[0].ValidUntil = "2026-11-26" },
		"document number": func(t *rapid.T, in *Input) {
			n := rapid.StringMatching(`[A-Z0-9]{9}`).Filter(func(s string) bool { return s != in.Document.Number }).Draw(t, "n")
			for i := range in.Candidates[0].Documents {
				in.Candidates[0].Documents[i].Number = n
			}
		},
		"issuing state": func(t *rapid.T, in *Input) {
			for i := range in.Candidates[0].Documents {
				in.Candidates[0].Documents[i].IssuingState = "XXA"
			}
		},
		"read number": func(t *rapid.T, in *Input) {
			in.Document.Number = rapid.StringMatching(`[A-Z0-9]{9}`).Filter(func(s string) bool {
				return !slices.ContainsFunc(in.Candidates[0].Documents, func(d wire.Document) bool { return d.Number == s })
			}).Draw(t, "n")
		},
		"direction":   func(t *rapid.T, in *Input) { in.Candidates[0].Entries = []string{otherDir(in.Policy.Direction)} },
		"no entries":  func(t *rapid.T, in *Input) { in.Candidates[0].Entries = nil },
		"birth date":  func(t *rapid.T, in *Input) { in.Document.BirthDate = "1974-08-13" },
		"nationality": func(t *rapid.T, in *Input) { in.Document.Nationality = "SWE" },
		"sex": func(t *rapid.T, in *Input) {
			in.Document.Sex = rapid.SampledFrom([]string{"M", "X"}).Filter(func(s string) bool { return s != in.Candidates[0].Holder.Sex }).Draw(t, "sex")
		},
		"surname":      func(t *rapid.T, in *Input) { in.Document.Surname = in.Candidates[0].Holder.Surname + "X" },
		"given names":  func(t *rapid.T, in *Input) { in.Document.GivenNames = "Q" + in.Candidates[0].Holder.GivenNames },
		"invalid MRZ":  func(t *rapid.T, in *Input) { in.Document.Valid = false },
		"expired doc":  func(t *rapid.T, in *Input) { in.Document.ExpiryDate = "2026-11-26" },
		"unreadable":   func(t *rapid.T, in *Input) { in.Document = nil },
		"stale":        func(t *rapid.T, in *Input) { in.LastSync = in.Now.Add(-25 * time.Hour) },
		"no records":   func(t *rapid.T, in *Input) { in.Candidates = nil },
		"card missing": func(t *rapid.T, in *Input) { in.Policy.RequireCard = true; in.Card = nil },
		"wrong card":   func(t *rapid.T, in *Input) { in.Card = &Card{Tag: "DEAD"} },
		"duplicate":    func(t *rapid.T, in *Input) { in.Candidates = append(in.Candidates, in.Candidates[0]) },
		"device fault": func(t *rapid.T, in *Input) { in.DeviceFaults = []string{"mrzReader"} },
		"face": func(t *rapid.T, in *Input) {
			in.Face = Face{Attempted: true, Captured: true, Compared: true, Score: 0.1, Threshold: 0.4}
		},
	}
	names := make([]string, 0, len(mutations))
	for n := range mutations {
		names = append(names, n)
	}
	slices.Sort(names)
	rapid.Check(t, func(t *rapid.T) {
		rec := genRecord(t, "rec")
		rec.Status = wire.StatusActive
		rec.ValidFrom, rec.ValidUntil = "2026-01-01", "2031-01-01"
		dir := rapid.SampledFrom(pDirs).Draw(t, "direction")
		rec.Entries = []string{dir}
		rec.RequireCard = false
		d := rec.Documents[len(rec.Documents)-1]
		in := Input{
			Document: &Document{Document: wire.Document{Code: "P", IssuingState: d.IssuingState, Number: d.Number, ExpiryDate: "2030-01-01"},
				Holder: rec.Holder, Valid: true},
			Candidates: []wire.AuthzRecord{rec},
			LastSync:   now.Add(-time.Hour),
			Policy:     Policy{Direction: dir, MaxStaleness: 24 * time.Hour},
			Now:        now,
		}
		if rec.TrustedTraveler != nil && rapid.Bool().Draw(t, "presentCard") {
			in.Card = &Card{Tag: rec.TrustedTraveler.CardTag}
		}
		if res := Decide(in); !res.Admitted() {
			t.Fatalf("baseline not admitted: %v", res.Reasons)
		}
		name := rapid.SampledFrom(names).Draw(t, "mutation")
		mutations[name](t, &in)
		if res := Decide(in); res.Admitted() {
			t.Fatalf("admitted after changing %s", name)
		}
	})
}

func otherDir(d string) string {
	if d == wire.DirCAtoUS {
		return wire.DirUStoCA
	}
	return wire.DirCAtoUS
}
