package authz

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// BenchmarkAuthzSealCost measures what sealing at rest costs, in one run
// on one machine.
//
// Ingest: XPT_BENCH_SEAL_RECORDS records (default 200000) are ingested
// through signed batches into an empty replica in clear and into a sealed
// one, XPT_BENCH_SEAL_ROUNDS times each in alternation (default 2). The
// best of each is reported, the machine being shared, and the median over
// the rounds of the ratio within a round (a store's ingest rate moves by
// 20% from round to round with when its compactions fall).
//
// Look-ups: two stores that differ only in the sealing are compared. Two
// stores ingested apart differ in their shape (which tables and levels
// compaction left, which depends on timing, not on sealing), and at a
// million records that alone moved a look-up's p99 by more than 20%
// either way between runs. So the last store in clear is copied, file by
// file, through the sealing file system: the copy holds the same tables,
// levels and manifest, sealed. Both then answer the same random look-ups,
// paired (each record looked up in both, the order alternating) so that
// what else the machine does falls on both alike, after 100,000 untimed
// ones each; each has its own block cache of the same size. Each look-up
// is timed by the clock and by its thread's CPU time (the goroutine locked
// to its thread): on a shared machine the clock also counts the time the
// thread waited for a core. It reports each figure for both and the
// ratios sealed/in clear (ingest: the sealed rate over the rate in clear;
// look-ups: p50 and p99, by the clock and by CPU). The goal is within 10%.
func BenchmarkAuthzSealCost(b *testing.B) {
	n := envInt("XPT_BENCH_SEAL_RECORDS", 200_000)
	per := envInt("XPT_BENCH_BATCH", 10_000)
	rounds := envInt("XPT_BENCH_SEAL_ROUNDS", 2)
	dir := b.TempDir()
	keys := map[string][]byte{"clear": nil, "sealed": testStorageKey(9)}
	paths := map[string]string{}
	best := map[string]ingestFigures{}
	var roundRatios []float64 // sealed over clear, round by round (adjacent in time)
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
			if mode == "clear" {
				roundRatios = append(roundRatios, fig.RecordsPerSec)
			} else {
				roundRatios[round] = fig.RecordsPerSec / roundRatios[round]
			}
			if round == rounds-1 {
				paths[mode] = path
			} else {
				os.RemoveAll(filepath.Dir(path))
			}
		}
	}
	if err := settle(paths["clear"], nil); err != nil {
		b.Fatal(err)
	}
	copied := filepath.Join(dir, "sealed-copy", DirName)
	if err := sealCopy(paths["clear"], copied, keys["sealed"]); err != nil {
		b.Fatal(err)
	}
	os.RemoveAll(filepath.Dir(paths["sealed"])) // ingested: its figures are kept
	paths["sealed"] = copied
	reps := map[string]*Replica{}
	for mode, path := range paths {
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
	fig := map[string]float64{}
	metrics := map[string]float64{} // reported after b.Loop, which resets them
	for _, kind := range kinds {
		for _, mode := range []string{"clear", "sealed"} {
			rng := rand.New(rand.NewPCG(5, 6))
			for k := 0; k < 100_000; k++ {
				look(reps[mode], kind, rng.IntN(n))
			}
		}
		ds, cs := map[string][]time.Duration{}, map[string][]time.Duration{}
		modes := []string{"clear", "sealed"}
		rng := rand.New(rand.NewPCG(8, 7))
		runtime.LockOSThread()
		for k := 0; k < 40_000; k++ {
			i := rng.IntN(n)
			for j := range 2 {
				mode := modes[(k+j)%2] // the same record in both, the order alternating
				c0, t0 := threadCPU(), time.Now()
				if look(reps[mode], kind, i) == 0 {
					b.Fatalf("%s look-up %d found nothing (%s)", kind, i, mode)
				}
				ds[mode] = append(ds[mode], time.Since(t0))
				cs[mode] = append(cs[mode], threadCPU()-c0)
			}
		}
		runtime.UnlockOSThread()
		for _, mode := range modes {
			for unit, d := range map[string][]time.Duration{"": ds[mode], "-cpu": cs[mode]} {
				slices.Sort(d)
				p50 := float64(d[len(d)/2].Nanoseconds()) / 1000
				p99 := float64(d[len(d)*99/100].Nanoseconds()) / 1000
				fig[kind+unit+"-"+mode+"-p50"], fig[kind+unit+"-"+mode+"-p99"] = p50, p99
				metrics[kind+unit+"-"+mode+"-p50-µs"] = p50
				metrics[kind+unit+"-"+mode+"-p99-µs"] = p99
			}
		}
		for _, unit := range []string{"", "-cpu"} {
			for _, q := range []string{"p50", "p99"} {
				metrics[kind+unit+"-"+q+"-sealed/clear"] = fig[kind+unit+"-sealed-"+q] / fig[kind+unit+"-clear-"+q]
			}
		}
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
	slices.Sort(roundRatios)
	b.ReportMetric(roundRatios[len(roundRatios)/2], "ingest-sealed/clear-median-round")
	b.ReportMetric(best["sealed"].RecordsPerCPUSec/best["clear"].RecordsPerCPUSec, "ingest-cpu-sealed/clear")
}

// sealCopy copies the replica at src, in clear, to dst through the
// sealing file system under key: the same files with the same contents,
// sealed, as Pebble would have written them with the key.
func sealCopy(src, dst string, key []byte) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	fs, err := newSealFS(vfs.Default, key)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if e.Name() == "LOCK" {
			if err := os.WriteFile(filepath.Join(dst, e.Name()), nil, 0o600); err != nil {
				return err
			}
			continue
		}
		f, err := fs.Create(filepath.Join(dst, e.Name()), vfs.WriteCategoryUnspecified)
		if err != nil {
			return err
		}
		if _, err := f.Write(raw); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
