package outbox

import (
	"os"
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppend measures durable Appends from 1, 8 and 64 concurrent
// sessions: events/s and the latency each Append adds (p50, p99), plain
// and sealed (AES-256-GCM at rest); the two run side by side so their
// ratio is measured on the same machine in the same run.
func BenchmarkAppend(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		for _, conc := range []int{1, 8, 64} {
			name := map[int]string{1: "sessions=1", 8: "sessions=8", 64: "sessions=64"}[conc]
			if sealed {
				name += "/sealed"
			} else {
				name += "/plain"
			}
			b.Run(name, func(b *testing.B) { benchAppend(b, conc, sealed) })
		}
	}
}

// BenchmarkNext reads back 1,000 events (what the link publishes),
// plain and sealed.
func BenchmarkNext(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "sealed"}[sealed], func(b *testing.B) {
			ob := benchOutbox(b, sealed)
			defer ob.Close()
			for range 1000 {
				ob.Append(txEvent())
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				recs, err := ob.Next(b.Context(), 0, 1000)
				if err != nil || len(recs) != 1000 {
					b.Fatal(len(recs), err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchOutbox opens an outbox for a benchmark, sealed or not.
func benchOutbox(b *testing.B, sealed bool) *Outbox {
	o := Options{Dir: b.TempDir(), KioskID: "bench-k1", PortCode: "YYZ", MaxEvents: 10_000_000}
	if sealed {
		o.Key = make([]byte, KeyLen)
	}
	ob, err := Open(o)
	if err != nil {
		b.Fatal(err)
	}
	return ob
}

func benchAppend(b *testing.B, conc int, sealed bool) {
	// One durable Append per session at a time; the latencies of all.
	ob := benchOutbox(b, sealed)
	defer ob.Close()
	lat := make([]time.Duration, b.N)
	var next int64
	var mu sync.Mutex
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				if _, err := ob.Append(txEvent()); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	st := ob.Stats()
	b.ReportMetric(float64(st.Appends)/float64(max(st.Syncs, 1)), "events/fsync")
}

// BenchmarkAppendPaced is the kiosk's real pattern: one session at a time,
// an event now and then (here every 10 ms, far more often than travelers
// pass), while delivery acknowledges and wipes behind it. It reports the
// latency a durable Append adds to a session.
func BenchmarkAppendPaced(b *testing.B) {
	ob, err := Open(Options{Dir: b.TempDir(), KioskID: "bench-k1", PortCode: "YYZ", MaxEvents: 10_000_000})
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < b.N; i++ {
		<-tick.C
		t0 := time.Now()
		seq, err := ob.Append(txEvent())
		if err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
		if os.Getenv("PACED_NOACK") == "" {
			ob.Ack(seq) // delivered at once: the janitor wipes while sessions go on
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkRawFdatasyncPaced is the floor BenchmarkAppendPaced is measured
// against: the same 700-byte write and fdatasync every 10 ms on a
// preallocated file, without the outbox. On a shared, loaded machine its
// p99 is what the disk and the scheduler give; the outbox's p99 should be
// close to it.
func BenchmarkRawFdatasyncPaced(b *testing.B) {
	f, err := os.Create(b.TempDir() + "/raw")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 4<<20))
	f.Sync()
	buf := make([]byte, 700)
	lat := make([]time.Duration, b.N)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		<-tick.C
		t0 := time.Now()
		f.WriteAt(buf, int64(i%5000)*700)
		if err := datasync(f); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
