package central

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

type popFiles struct {
	records   []wire.AuthzRecord
	travelers []Traveler
	rawR      []byte
	rawT      []byte
	stats     PopulationStats
}

func genPop(t *testing.T, count int, seed uint64) popFiles {
	t.Helper()
	var r, tr bytes.Buffer
	stats, err := GeneratePopulation(PopulationOptions{Count: count, Seed: seed, Today: testToday}, &r, &tr)
	if err != nil {
		t.Fatal(err)
	}
	p := popFiles{rawR: r.Bytes(), rawT: tr.Bytes(), stats: stats}
	if err := ReadRecords(bytes.NewReader(r.Bytes()), func(_ int, it Item) error {
		p.records = append(p.records, *it.Record)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(tr.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var x Traveler
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		p.travelers = append(p.travelers, x)
	}
	return p
}

// dataReasons are the reasons of the spec's table that can stem from data.
var dataReasons = []string{
	wire.ReasonMRZUnreadable, wire.ReasonMRZInvalid, wire.ReasonDocExpired, wire.ReasonNotAuthorized,
	wire.ReasonHolderMismatch, wire.ReasonAuthSuspended, wire.ReasonAuthRevoked, wire.ReasonAuthNotYetValid,
	wire.ReasonAuthExpired, wire.ReasonDirectionNotAllowed, wire.ReasonCardMissing, wire.ReasonCardMismatch,
	wire.ReasonPreapprovalInvalid,
}

func TestPopulationEveryScenarioAndReason(t *testing.T) {
	p := genPop(t, 2000, 42)
	if len(p.travelers) != 2000 || p.stats.Travelers != 2000 || len(p.records) != p.stats.Records {
		t.Fatalf("%d travelers, %d records, %+v", len(p.travelers), len(p.records), p.stats)
	}
	byScenario := map[string]Traveler{}
	for _, x := range p.travelers {
		if x.Scenario != "" {
			byScenario[x.Scenario] = x
		}
	}
	for _, sc := range Scenarios {
		x, ok := byScenario[sc]
		if !ok {
			t.Errorf("scenario %s missing", sc)
			continue
		}
		dir := wire.DirCAtoUS
		if strings.HasSuffix(sc, "-us-to-ca") {
			dir = wire.DirUStoCA
		}
		code, _, _ := strings.Cut(sc, "-") // reason codes have no hyphen; scenario suffixes do
		e := x.Expect[dir]
		if strings.HasPrefix(sc, "admit") {
			if e.Outcome != wire.OutcomeAdmitted || len(e.Reasons) != 0 {
				t.Errorf("%s: %+v", sc, e)
			}
			continue
		}
		want := strings.Split(code, "+")
		if e.Outcome != wire.OutcomeReferred || !slices.Equal(e.Reasons, want) {
			t.Errorf("%s: got %+v, want reasons %v", sc, e, want)
		}
	}
	for _, r := range dataReasons {
		if p.stats.Reasons[r] == 0 && r != wire.ReasonDirectionNotAllowed {
			t.Errorf("no traveler referred for %s at CA>US", r)
		}
	}
	if adm := p.stats.Outcomes[wire.OutcomeAdmitted]; adm*10 < len(p.travelers)*8 {
		t.Errorf("only %d of %d admitted", adm, len(p.travelers))
	}
	// Reasons come in the order of the spec's table.
	for _, x := range p.travelers {
		for _, e := range x.Expect {
			idx := func(r string) int { return slices.Index(wire.AllReasons, r) }
			if !slices.IsSortedFunc(e.Reasons, func(a, b string) int { return idx(a) - idx(b) }) {
				t.Fatalf("%s: reasons out of order %v", x.TravelerID, e.Reasons)
			}
		}
	}
}

func TestPopulationRecordsValidateAndShapes(t *testing.T) {
	p := genPop(t, 3000, 3)
	ids := map[string]bool{}
	docs := map[string][]wire.AuthzRecord{}
	several, td1, single, long, diacritics := 0, 0, 0, 0, 0
	nats := map[string]bool{}
	for i := range p.records {
		r := &p.records[i]
		if err := ValidateRecord(r); err != nil {
			t.Fatalf("%s: %v", r.AuthorizationID, err)
		}
		if ids[r.AuthorizationID] {
			t.Fatalf("duplicate authorization ID %s", r.AuthorizationID)
		}
		ids[r.AuthorizationID] = true
		if len(r.Documents) > 1 {
			several++
		}
		for _, d := range r.Documents {
			docs[d.IssuingState+"/"+d.Number] = append(docs[d.IssuingState+"/"+d.Number], *r)
		}
		nats[r.Holder.Nationality] = true
		if r.Holder.GivenNames == "" {
			single++
		}
		if len(nameField(r.Holder.Surname, r.Holder.GivenNames, 99)) > 39 {
			long++
		}
	}
	// A card belongs to one person (who may hold two authorizations).
	tags, members := map[string]wire.Holder{}, map[string]wire.Holder{}
	for _, r := range p.records {
		if tt := r.TrustedTraveler; tt != nil {
			if h, ok := tags[tt.CardTag]; ok && h != r.Holder {
				t.Fatalf("card tag %s held by two people", tt.CardTag)
			}
			if h, ok := members[tt.MembershipID]; ok && h != r.Holder {
				t.Fatalf("membership %s held by two people", tt.MembershipID)
			}
			tags[tt.CardTag], members[tt.MembershipID] = r.Holder, r.Holder
		}
	}
	renewed := 0
	for _, rs := range docs {
		if len(rs) == 2 && (rs[0].Status == wire.StatusRevoked) != (rs[1].Status == wire.StatusRevoked) {
			renewed++
		}
	}
	for _, x := range p.travelers {
		if x.Format == "TD1" {
			td1++
		}
		if _, ok := translitOK(x.DisplayName); !ok {
			t.Errorf("%s: %q has a letter without transliteration", x.TravelerID, x.DisplayName)
		}
		if strings.ContainsAny(x.DisplayName, "äöüéèçñøåæßłšžğıÜÖÉ") {
			diacritics++
		}
	}
	if several == 0 || renewed == 0 || td1 == 0 || single == 0 || long == 0 || diacritics == 0 || len(nats) < 15 {
		t.Fatalf("several %d, renewed %d, td1 %d, single %d, long %d, diacritics %d, nationalities %d", several, renewed, td1, single, long, diacritics, len(nats))
	}
	// Every pool name transliterates.
	for _, n := range nations {
		for _, s := range append(slices.Clone(n.given), n.surnames...) {
			if _, ok := translitOK(s); !ok {
				t.Errorf("%s: %q", n.code, s)
			}
		}
	}
}

func TestPopulationDeterministic(t *testing.T) {
	a, b, c := genPop(t, 500, 9), genPop(t, 500, 9), genPop(t, 500, 10)
	if !bytes.Equal(a.rawR, b.rawR) || !bytes.Equal(a.rawT, b.rawT) {
		t.Fatal("same seed, different files")
	}
	if bytes.Equal(a.rawR, c.rawR) {
		t.Fatal("different seeds, same records")
	}
}

// TestPopulationMRZ parses every zone with the mrz package and checks it
// against the traveler's fields and this package's own generator.
func TestPopulationMRZ(t *testing.T) {
	p := genPop(t, 1500, 5)
	truncated := 0
	for _, x := range p.travelers {
		if len(x.MRZ) == 0 {
			if x.Scenario != "MRZ_UNREADABLE" {
				t.Fatalf("%s has no zone", x.TravelerID)
			}
			continue
		}
		res := mrz.Parse(x.MRZ, mrz.Options{Today: testToday, Correct: true})
		if x.MRZInvalid {
			if res.Valid {
				t.Fatalf("%s: the broken zone parses valid (corrections %+v)", x.TravelerID, res.Corrections)
			}
			if e := res.Err(); e == nil || !strings.Contains(e.Error(), "check") {
				t.Fatalf("%s: %v", x.TravelerID, res.Errors)
			}
			continue
		}
		if !res.Valid {
			t.Fatalf("%s %q: %v", x.TravelerID, x.MRZ, res.Errors)
		}
		if res.DocumentNumber != x.Document.Number || res.IssuingState != x.Document.IssuingState ||
			res.BirthDate.Format(wire.DateFormat) != x.Holder.BirthDate || res.ExpiryDate.Format(wire.DateFormat) != x.Document.ExpiryDate {
			t.Fatalf("%s: parsed %+v", x.TravelerID, res.Fields)
		}
		b, _ := time.Parse(wire.DateFormat, x.Holder.BirthDate)
		e, _ := time.Parse(wire.DateFormat, x.Document.ExpiryDate)
		own, err := generateMRZ(mrzDoc{Format: x.Format, Code: x.Document.Code, IssuingState: x.Document.IssuingState, Number: x.Document.Number,
			Nationality: x.Holder.Nationality, Surname: x.Holder.Surname, GivenNames: x.Holder.GivenNames, Sex: x.Holder.Sex, BirthDate: b, ExpiryDate: e})
		if err != nil || !slices.Equal(own, x.MRZ) {
			t.Fatalf("%s: own generator %q, mrz.Generate %q (%v)", x.TravelerID, own, x.MRZ, err)
		}
		full := x.Holder.Surname + " " + x.Holder.GivenNames
		if strings.Join(strings.Fields(res.Surname+" "+res.GivenNames), " ") != strings.Join(strings.Fields(full), " ") {
			truncated++
		}
	}
	if truncated == 0 {
		t.Fatal("no zone truncates a name")
	}
}

func TestPopulationRecordsOnlySameRecords(t *testing.T) {
	full := genPop(t, 400, 11)
	var r bytes.Buffer
	if _, err := GeneratePopulation(PopulationOptions{Count: 400, Seed: 11, Today: testToday, RecordsOnly: true}, &r, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Bytes(), full.rawR) {
		t.Fatal("--records-only writes other records")
	}
}

func BenchmarkPopulation(b *testing.B) {
	for b.Loop() {
		if _, err := GeneratePopulation(PopulationOptions{Count: 10000, Seed: 1, Today: testToday}, discard{}, discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
