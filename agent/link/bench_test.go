package link

import (
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
)

// BenchmarkDurableIntoMosquitto: sessions append events (each durable
// before Append returns) while the link delivers them to a real Mosquitto;
// the clock stops when the broker has acknowledged the last one.
// Reported: events/s end to end, and the latency Append adds (p50, p99).
func BenchmarkDurableIntoMosquitto(b *testing.B) {
	for _, conc := range []int{1, 16} {
		name := map[int]string{1: "sessions=1", 16: "sessions=16"}[conc]
		b.Run(name, func(b *testing.B) {
			br := testbroker.New(b)
			keys, _ := testKeys(b)
			dir := b.TempDir()
			ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: "bench-k1", PortCode: "YYZ", MaxEvents: 10_000_000})
			if err != nil {
				b.Fatal(err)
			}
			k := startKiosk(b, "bench-k1", br.URL(), keys, func(o *Options) { o.Outbox = ob })
			defer ob.Close()
			k.waitConnected(b)
			lat := make([]time.Duration, b.N)
			var mu sync.Mutex
			next := 0
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
						if i >= b.N {
							return
						}
						t0 := time.Now()
						if _, err := ob.Append(txEvent(i)); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(t0)
					}
				}()
			}
			wg.Wait()
			for ob.Acked() < uint64(b.N) {
				time.Sleep(200 * time.Microsecond)
			}
			el := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "append-p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "append-p99-ms")
		})
	}
}
