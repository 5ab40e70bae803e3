package authz

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkAuthzSealCost measures what sealing at rest costs, in one run
// on one machine: XPT_BENCH_SEAL_RECORDS records (default 200000) are
// ingested through signed batches into an empty replica in clear and into
// a sealed one, XPT_BENCH_SEAL_ROUNDS times each in alternation (default
// 2; the best of each is reported, the machine being shared), then both
// stores answer the same random look-ups, individually timed, in
// alternating blocks of 1,000 after 100,000 untimed ones each. It reports
// each figure for both and sealed/in-clear ratios (ingest: the sealed
// rate over the rate in clear; look-ups: the sealed p99 over the p99 in
// clear). The goal is within 10%.
func BenchmarkAuthzSealCost(b *testing.B) {
	n := envInt("XPT_BENCH_SEAL_RECORDS", 200_000)
	per := envInt("XPT_BENCH_BATCH", 10_000)
	rounds := envInt("XPT_BENCH_SEAL_ROUNDS", 2)
	dir := b.TempDir()
	keys := map[string][]byte{"clear": nil, "sealed": testStorageKey(9)}
	paths := map[string]string{}
	best := map[string]ingestFigures{}
	for round := 0; round < rounds; round++ {
		for _, mode := range []string{"clear", "sealed"} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d", mode, round), DirName)
			fig, err := ingestKey(b, path, 0, n, per, keys[mode])
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(os.Stderr, "bench: ingest %s round %d: %.0f records/s, %.0f records/cpu-s\n", mode, round+1, fig.RecordsPerSec, fig.RecordsPerCPUSec)
			if fig.RecordsPerSec > best[mode].RecordsPerSec {
				best[mode] = fig
			}
			if round == rounds-1 {
				paths[mode] = path
			} else {
				os.RemoveAll(filepath.Dir(path))
			}
		}
	}
	reps := map[string]*Replica{}
	for mode, path := range paths {
		if err := settle(path, keys[mode]); err != nil {
			b.Fatal(err)
		}
		o := benchOptions(path)
		o.Key = keys[mode]
		r, err := Open(o)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		reps[mode] = r
	}
	kinds := []string{"doc", "card", "candidates"}
	look := func(r *Replica, kind string, i int) int {
		switch kind {
		case "doc":
			return mustLen(r.ByDocument(synState(i, 0), synDocNumber(i, 0)))
		case "card":
			return mustLen(r.ByCard(synCardTag(i)))
		}
		return mustLen(r.Candidates(synState(i, 0), synDocNumber(i, 0), synCardTag(i)))
	}
	p99 := map[string]float64{}
	metrics := map[string]float64{} // reported after b.Loop, which resets them
	for _, kind := range kinds {
		for _, mode := range []string{"clear", "sealed"} {
			rng := rand.New(rand.NewPCG(5, 6))
			for k := 0; k < 100_000; k++ {
				look(reps[mode], kind, rng.IntN(n))
			}
		}
		ds := map[string][]time.Duration{}
		for block := 0; block < 20; block++ {
			for _, mode := range []string{"clear", "sealed"} {
				rng := rand.New(rand.NewPCG(uint64(block), 7)) // the same records for both
				for k := 0; k < 1000; k++ {
					i := rng.IntN(n)
					t0 := time.Now()
					if look(reps[mode], kind, i) == 0 {
						b.Fatalf("%s look-up %d found nothing (%s)", kind, i, mode)
					}
					ds[mode] = append(ds[mode], time.Since(t0))
				}
			}
		}
		for _, mode := range []string{"clear", "sealed"} {
			slices.Sort(ds[mode])
			p50 := float64(ds[mode][len(ds[mode])/2].Nanoseconds()) / 1000
			p := float64(ds[mode][len(ds[mode])*99/100].Nanoseconds()) / 1000
			p99[kind+"-"+mode] = p
			metrics[kind+"-"+mode+"-p50-µs"] = p50
			metrics[kind+"-"+mode+"-p99-µs"] = p
		}
		metrics[kind+"-p99-sealed/clear"] = p99[kind+"-sealed"] / p99[kind+"-clear"]
	}
	for b.Loop() {
		look(reps["sealed"], "candidates", rand.IntN(n))
	}
	for k, v := range metrics {
		b.ReportMetric(v, k)
	}
	for _, mode := range []string{"clear", "sealed"} {
		b.ReportMetric(best[mode].RecordsPerSec, "ingest-"+mode+"-records/s")
		b.ReportMetric(best[mode].RecordsPerCPUSec, "ingest-"+mode+"-records/cpu-s")
		b.ReportMetric(float64(best[mode].FileBytes)/float64(n), "disk-"+mode+"-B/record")
	}
	b.ReportMetric(best["sealed"].RecordsPerSec/best["clear"].RecordsPerSec, "ingest-sealed/clear")
	b.ReportMetric(best["sealed"].RecordsPerCPUSec/best["clear"].RecordsPerCPUSec, "ingest-cpu-sealed/clear")
}
