package outbox

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppend measures durable Appends from 1, 8 and 64 concurrent
// sessions: events/s and the latency each Append adds (p50, p99).
func BenchmarkAppend(b *testing.B) {
	for _, conc := range []int{1, 8, 64} {
		b.Run(map[int]string{1: "sessions=1", 8: "sessions=8", 64: "sessions=64"}[conc], func(b *testing.B) {
			ob, err := Open(Options{Dir: b.TempDir(), KioskID: "bench-k1", PortCode: "YYZ", MaxEvents: 10_000_000})
			if err != nil {
				b.Fatal(err)
			}
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
		})
	}
}
