package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTravelerJSONIsPinned pins, byte for byte, what one admitted, one
// referred and one invalid-zone traveler leave behind: the outbox's events (what goes on the
// wire), the audit log's entries and the officer console's referral. The
// random IDs and the reference are replaced by names; all else is the
// rig's fixed clock and data. go test -run TestTravelerJSONIsPinned -update
// rewrites testdata/traveler-*.golden.
func TestTravelerJSONIsPinned(t *testing.T) {
	for _, c := range []struct {
		name   string
		mod    func(*wire.AuthzRecord)
		card   bool
		lines  func([]string) // nil: the passport as printed
		screen string
	}{
		{"admitted", nil, true, nil, view.ScreenAdmitted},
		{"referred", func(a *wire.AuthzRecord) { a.Status = wire.StatusSuspended }, false, nil, view.ScreenReferred},
		// A zone whose document number's check digit fails: MRZ_INVALID,
		// the event still says what was read.
		{"invalid", nil, false, func(l []string) {
			d := byte('0')
			if l[1][9] == d {
				d = '1'
			}
			l[1] = l[1][:9] + string(d) + l[1][10:]
		}, view.ScreenReferred},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, Policy{}, record("XPT-2026-0000123", "L898902C3", c.mod))
			if c.card {
				r.card.send(drivers.Card{Device: "cardReader", Tag: "0A1B2C3D4E"})
				r.waitCardHeld()
			}
			lines := passport("L898902C3")
			if c.lines != nil {
				c.lines(lines)
			}
			r.mrz.send(drivers.Document{Device: "mrzReader", Lines: lines})
			r.waitScreen(c.screen)
			tx := r.lastTx()
			var out bytes.Buffer
			out.WriteString("# outbox\n")
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			recs, _ := r.ob.Next(ctx, 0, 1000)
			for _, rec := range recs {
				out.Write(rec.Data)
				out.WriteByte('\n')
			}
			out.WriteString("# audit\n")
			f, err := os.Open(r.auditF)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			audit.Scan(f, func(_ int, rec audit.Record, err error) bool {
				if err != nil {
					t.Fatal(err)
				}
				out.Write(rec.Entry)
				out.WriteByte('\n')
				return true
			})
			out.WriteString("# console referrals\n")
			b, err := json.Marshal(r.k.Referrals())
			if err != nil {
				t.Fatal(err)
			}
			out.Write(b)
			out.WriteByte('\n')
			got := out.String()
			names := []string{tx.ID, "<transaction>", tx.Reference, "<reference>"}
			if tx.ReferralID != "" {
				names = append(names, tx.ReferralID, "<referral>")
			}
			for _, ev := range r.events() {
				names = append(names, ev.EventID, "<event "+ev.Type+">")
			}
			got = strings.NewReplacer(names...).Replace(got)
			path := filepath.Join("testdata", "traveler-"+c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Fatalf("%s changed:\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}
