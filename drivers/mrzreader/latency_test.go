package mrzreader_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/internal/readertest"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// latencies presents n documents through a pty paced at 115200 baud and
// returns, for each, the time from the simulator's write of the frame's last
// byte to the document delivered by the reader and validated by mrz.Parse.
func latencies(tb testing.TB, profile string, n int) []time.Duration {
	s, err := sim.New(sim.Options{Kind: sim.KindMRZ, Profile: profile, Baud: 115200})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	r, err := open(s.Path(), profile, 115200)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	readertest.WaitOpen(tb, r)
	out := make([]time.Duration, 0, n)
	var res mrz.Result
	for i := 0; i < n; i++ {
		doc := sim.Specimens[i%len(sim.Specimens)]
		last, err := s.PresentDocument(doc, sim.Faults{})
		if err != nil {
			tb.Fatal(err)
		}
		select {
		case ev := <-r.Events():
			d, ok := ev.(drivers.Document)
			if !ok {
				tb.Fatalf("event %T", ev)
			}
			mrz.ParseInto(&res, d.Lines, mrz.Options{Today: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)})
			out = append(out, time.Since(last))
			if !res.Valid {
				tb.Fatalf("specimen %d not valid: %v", i, res.Err())
			}
		case <-time.After(2 * time.Second):
			tb.Fatal("no document")
		}
	}
	return out
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// TestLatencyBudget: every profile delivers each document through a
// pseudo-terminal, validated. The budget (median last byte to validated
// document at most 5 ms; the lines profile ends a document as soon as its
// lines make a whole MRZ, so it is as fast as the framed ones) is a timed
// figure: on a shared machine it is measured by BenchmarkPTYLatency, and
// asserted here only with XPT_TIMING=1 (a quiet machine).
func TestLatencyBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("pty test")
	}
	enforce := os.Getenv("XPT_TIMING") == "1"
	for _, p := range mrzreader.Profiles {
		lat := latencies(t, p, 21)
		m := median(lat)
		t.Logf("%s: median %v, max %v over %d documents", p, m, slices.Max(lat), len(lat))
		if enforce && m > 5*time.Millisecond {
			t.Errorf("%s: median latency %v, budget 5 ms", p, m)
		}
	}
}

// BenchmarkPTYLatency reports the median last-byte-to-validated-document
// time through a pseudo-terminal at 115200 baud (metric "median-µs").
func BenchmarkPTYLatency(b *testing.B) {
	for _, p := range mrzreader.Profiles {
		b.Run(p, func(b *testing.B) {
			lat := latencies(b, p, b.N)
			b.ReportMetric(float64(median(lat).Microseconds()), "median-µs")
			b.ReportMetric(float64(slices.Max(lat).Microseconds()), "max-µs")
		})
	}
}
