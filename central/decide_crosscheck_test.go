package central_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/agent/mrzdoc"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// TestPopulationAgreesWithDecisionEngine presents every traveler of a
// population to the kiosk's decision engine (agent/decide), the way a
// kiosk would (zone parsed by mrz with correction, candidates from the
// records by document or card, letter verified against the trusted key),
// and compares its outcome and reasons with the population's labels.
func TestPopulationAgreesWithDecisionEngine(t *testing.T) {
	today := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	signer, _ := central.GenerateSigner("central-2026-a", nil)
	var recs, travs bytes.Buffer
	if _, err := central.GeneratePopulation(central.PopulationOptions{Count: 3000, Seed: 77, Today: today, Signer: &signer}, &recs, &travs); err != nil {
		t.Fatal(err)
	}
	byDoc := map[string][]wire.AuthzRecord{}
	byTag := map[string][]wire.AuthzRecord{}
	central.ReadRecords(&recs, func(_ int, it central.Item) error {
		r := *it.Record
		for _, d := range r.Documents {
			byDoc[d.IssuingState+"/"+d.Number] = append(byDoc[d.IssuingState+"/"+d.Number], r)
		}
		if r.TrustedTraveler != nil {
			byTag[r.TrustedTraveler.CardTag] = append(byTag[r.TrustedTraveler.CardTag], r)
		}
		return nil
	})
	ring := signer.KeyRing()
	disagree := map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(travs.Bytes()), []byte("\n")) {
		var tr central.Traveler
		if err := json.Unmarshal(line, &tr); err != nil {
			t.Fatal(err)
		}
		in := decide.Input{LastSync: today, Now: today, Rand: bytes.NewReader(make([]byte, 64))}
		if len(tr.MRZ) > 0 {
			res := mrz.Parse(tr.MRZ, mrz.Options{Today: today, Correct: true})
			d := mrzdoc.Of(res)
			in.Document = &d
		}
		var tag string
		if tr.Card != nil {
			in.Card = &decide.Card{Tag: tr.Card.Tag}
			tag = tr.Card.Tag
		}
		if tr.Letter != "" {
			l, err := ring.VerifyLetter(tr.Letter, today)
			in.Letter = &decide.Letter{Letter: l, Err: err}
		}
		if in.Document != nil {
			in.Candidates = append(in.Candidates, byDoc[in.Document.IssuingState+"/"+in.Document.Number]...)
		}
		for _, r := range byTag[tag] {
			if !slices.ContainsFunc(in.Candidates, func(c wire.AuthzRecord) bool { return c.AuthorizationID == r.AuthorizationID }) {
				in.Candidates = append(in.Candidates, r)
			}
		}
		for _, dir := range []string{wire.DirCAtoUS, wire.DirUStoCA} {
			in.Policy = decide.Policy{PortCode: "YYZ", Direction: dir}
			got := decide.Decide(in)
			want := tr.Expect[dir]
			if got.Outcome != want.Outcome || !slices.Equal(got.Reasons, want.Reasons) {
				key := fmt.Sprintf("%s: labels %s %v, engine %s %v", tr.Scenario, want.Outcome, want.Reasons, got.Outcome, got.Reasons)
				if disagree[key] == 0 {
					t.Logf("%s %s %s", tr.TravelerID, dir, key)
					if testing.Verbose() {
						dj, _ := json.Marshal(in.Document)
						cj, _ := json.Marshal(in.Candidates)
						t.Logf("  zone %q\n  doc %s\n  candidates %s\n  checks %+v", tr.MRZ, dj, cj, got.Checks)
					}
				}
				disagree[key]++
			}
		}
	}
	if len(disagree) > 0 {
		var keys []string
		for k, n := range disagree {
			keys = append(keys, fmt.Sprintf("%5d× %s", n, k))
		}
		slices.Sort(keys)
		t.Errorf("labels and engine disagree:\n%s", strings.Join(keys, "\n"))
	}
}
