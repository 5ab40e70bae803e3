package authz

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// The replica benchmarks. Sizes come from the environment so that the
// ten-million-record run (scripts/bench-authz.sh) and a quick one share
// the code:
//
//	XPT_BENCH_RECORDS  records in the look-up store (default 200000)
//	XPT_BENCH_BATCH    records per signed batch (default 10000)
//	XPT_BENCH_COLD     records ingested into an empty store (default 200000)
//	XPT_BENCH_DELTA    records ingested into a copy of the look-up store (default 100000)
//	XPT_BENCH_DIR      where the look-up store is kept between runs (default:
//	                   a temporary directory, rebuilt each run)
//
// The look-up store is bulk-loaded (sorted keys, as a provisioning snapshot
// would be), because building ten million records through signed batches
// costs a random page write per index entry (see docs/authz.md). Ingest
// through signed batches is measured twice, each in a fresh process so
// that VmHWM is its own: into an empty store (cold) and into a copy of the
// look-up store (steady state: deltas on top of XPT_BENCH_RECORDS).

type ingestFigures struct {
	Records       int     `json:"records"`
	BatchRecords  int     `json:"batchRecords"`
	Batches       int     `json:"batches"`
	ApplySeconds  float64 `json:"applySeconds"` // sum of HandleBatch times
	WallSeconds   float64 `json:"wallSeconds"`
	RecordsPerSec float64 `json:"recordsPerSec"` // Records / ApplySeconds
	PeakRSSMiB    float64 `json:"peakRssMiB"`    // VmHWM after the build
	MaxSampledMiB float64 `json:"maxSampledRssMiB"`
	MaxBatchMs    float64 `json:"maxBatchMs"`
	FileBytes     int64   `json:"fileBytes"`
	// Load-independent figures (the machine is shared): bytes the process
	// wrote to storage per record, and CPU seconds spent applying (the
	// process's CPU time less the batch generator's, measured apart).
	WriteBytesPerRecord float64 `json:"writeBytesPerRecord"`
	ApplyCPUSeconds     float64 `json:"applyCpuSeconds"`
	RecordsPerCPUSec    float64 `json:"recordsPerCpuSec"`
	GoVersion           string  `json:"goVersion"`
	BuiltAt             string  `json:"builtAt"`
}

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchRecords() int { return envInt("XPT_BENCH_RECORDS", 200_000) }

func benchOptions(path string) Options {
	return Options{Path: path, InitialMmapSize: 1 << 30, PageSize: envInt("XPT_BENCH_PAGESIZE", 0),
		NoPrewarm: os.Getenv("XPT_BENCH_PREWARM") == "", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// benchStore returns the directory of a bulk-loaded store of
// benchRecords() records, built once per XPT_BENCH_DIR.
func benchStore(b *testing.B) string {
	benchOnce.Do(func() {
		n := benchRecords()
		dir := os.Getenv("XPT_BENCH_DIR")
		if dir == "" {
			dir, benchErr = os.MkdirTemp("", "xpt-authz-bench-")
			if benchErr != nil {
				return
			}
		}
		dir = filepath.Join(dir, fmt.Sprintf("bulk-n%d", n))
		benchDir = dir
		done := filepath.Join(dir, "built")
		if _, err := os.Stat(done); err == nil {
			return
		}
		os.RemoveAll(dir)
		if benchErr = os.MkdirAll(dir, 0o755); benchErr != nil {
			return
		}
		t0 := time.Now()
		if benchErr = bulkLoad(filepath.Join(dir, FileName), n, envInt("XPT_BENCH_BATCH", 10_000)); benchErr == nil {
			benchErr = os.WriteFile(done, []byte(time.Since(t0).String()+"\n"), 0o644)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

// bulkLoad writes records 0..n-1 and their index keys in sorted order, in
// transactions of 200,000 keys, as if n/per batches had been applied.
func bulkLoad(path string, n, per int) error {
	st, err := openStore(path, storeOptions{InitialMmapSize: 1 << 30})
	if err != nil {
		return err
	}
	defer st.close()
	const chunk = 200_000
	put := func(bucket []byte, next func() (k, v []byte, ok bool)) error {
		for more := true; more; {
			err := st.db.Update(func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucket)
				bk.FillPercent = 1.0
				for i := 0; i < chunk; i++ {
					k, v, ok := next()
					if !ok {
						more = false
						return nil
					}
					if err := bk.Put(k, v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	i := 0
	if err := put(bRec, func() ([]byte, []byte, bool) {
		if i >= n {
			return nil, nil, false
		}
		r := synRecord(i, 1)
		i++
		return []byte(r.AuthorizationID), encodeRecord(&r), true
	}); err != nil {
		return err
	}
	for bi, bucket := range [][]byte{bDoc, bCard, bMem} {
		var keys []string
		for i := 0; i < n; i++ {
			r := synRecord(i, 1)
			for _, e := range recordIndex(&r, nil) {
				if e.bucket == bi {
					keys = append(keys, string(e.key))
				}
			}
		}
		slices.Sort(keys)
		j := 0
		if err := put(bucket, func() ([]byte, []byte, bool) {
			if j >= len(keys) {
				return nil, nil, false
			}
			j++
			return []byte(keys[j-1]), nil, true
		}); err != nil {
			return err
		}
	}
	return st.db.Update(func(tx *bolt.Tx) error {
		return writeMeta(tx, meta{HasSeq: true, Seq: uint64((n + per - 1) / per), Count: int64(n), LastSync: time.Now()})
	})
}

// ingest applies n records from `base` on (new IDs; every 4th batch also
// updates 10% of earlier records to version 2) to the store at path through
// signed batches of per records, and measures it.
func ingest(b *testing.B, path string, base, n, per int) (ingestFigures, error) {
	kr, priv := testKeys(b)
	o := benchOptions(path)
	o.Keys = kr
	r, err := Open(o)
	if err != nil {
		return ingestFigures{}, err
	}
	defer r.Close()
	startSeq, startCount := r.Status().Seq+1, r.Status().Records
	type sealed struct {
		raw   []byte
		count int
	}
	ch := make(chan sealed, 2)
	go func() {
		defer close(ch)
		seq := startSeq
		rng := rand.New(rand.NewPCG(uint64(base), 9))
		for lo := base; lo < base+n; lo += per {
			hi := min(lo+per, base+n)
			batch := wire.AuthzBatch{Seq: seq, IssuedAt: "2026-11-26T09:00:00.000Z", Records: make([]wire.AuthzRecord, 0, hi-lo)}
			for i := lo; i < hi; i++ {
				if base > 0 && (i-lo)%10 == 0 {
					// A delta also changes existing records.
					batch.Records = append(batch.Records, synRecord(rng.IntN(base), 2+int64(seq)))
				} else {
					batch.Records = append(batch.Records, synRecord(i, 1))
				}
			}
			raw, err := wire.Seal(testKeyID, priv, batch)
			if err != nil {
				panic(err)
			}
			ch <- sealed{raw, hi - lo}
			seq++
		}
	}()
	// The generator's CPU cost, measured alone on three batches, is taken
	// out of the process's CPU time below.
	g0 := cpuSeconds()
	for k := 0; k < 3; k++ {
		synBatch(b, priv, 1, 0, per, 1)
	}
	genPerBatch := (cpuSeconds() - g0) / 3
	cpu0, w0 := cpuSeconds(), procIOBytes("write_bytes:")
	stop := make(chan struct{})
	var maxRSS int64
	var samplerDone sync.WaitGroup
	samplerDone.Add(1)
	go func() {
		defer samplerDone.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if v := procStatusKB("VmRSS:"); v > maxRSS {
					maxRSS = v
				}
			}
		}
	}()
	var apply time.Duration
	var maxBatch time.Duration
	batches := 0
	start := time.Now()
	lastLog := start
	ctx := context.Background()
	for s := range ch {
		t0 := time.Now()
		if err := r.HandleBatch(ctx, "bench", s.raw); err != nil {
			close(stop)
			return ingestFigures{}, err
		}
		d := time.Since(t0)
		apply += d
		maxBatch = max(maxBatch, d)
		batches++
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			done := batches * per
			fmt.Fprintf(os.Stderr, "bench: %d records applied, %.0f rec/s (apply), rss %d MiB, last batch %.0f ms, written %.0f B/record\n",
				done, float64(done)/apply.Seconds(), procStatusKB("VmRSS:")/1024, d.Seconds()*1000,
				float64(procIOBytes("write_bytes:")-w0)/float64(done))
		}
	}
	wall := time.Since(start)
	close(stop)
	samplerDone.Wait()
	st := r.Status()
	if st.Records <= startCount {
		return ingestFigures{}, fmt.Errorf("store has %d records after ingest, had %d", st.Records, startCount)
	}
	fig := ingestFigures{Records: n, BatchRecords: per, Batches: batches, ApplySeconds: apply.Seconds(), WallSeconds: wall.Seconds(),
		RecordsPerSec: float64(n) / apply.Seconds(), PeakRSSMiB: float64(procStatusKB("VmHWM:")) / 1024,
		MaxSampledMiB: float64(maxRSS) / 1024, MaxBatchMs: maxBatch.Seconds() * 1000, GoVersion: runtime.Version(),
		BuiltAt: time.Now().UTC().Format(time.RFC3339)}
	if fi, err := os.Stat(path); err == nil {
		fig.FileBytes = fi.Size()
	}
	fig.WriteBytesPerRecord = float64(procIOBytes("write_bytes:")-w0) / float64(n)
	fig.ApplyCPUSeconds = cpuSeconds() - cpu0 - genPerBatch*float64(batches)
	fig.RecordsPerCPUSec = float64(n) / fig.ApplyCPUSeconds
	return fig, nil
}

func reportIngest(b *testing.B, fig ingestFigures) {
	b.ReportMetric(fig.RecordsPerSec, "records/s")
	b.ReportMetric(fig.RecordsPerCPUSec, "records/cpu-s")
	b.ReportMetric(fig.PeakRSSMiB, "peak-RSS-MiB")
	b.ReportMetric(fig.MaxBatchMs, "max-batch-ms")
	b.ReportMetric(fig.WriteBytesPerRecord, "written-B/record")
	b.ReportMetric(float64(fig.FileBytes)/(1<<20), "file-MiB")
	b.ReportMetric(float64(fig.Records), "records")
}

// BenchmarkAuthzIngestCold applies XPT_BENCH_COLD records through signed
// batches to an empty store (b.N does not apply). Run it alone in its
// process: peak RSS is the process's.
func BenchmarkAuthzIngestCold(b *testing.B) {
	path := filepath.Join(b.TempDir(), FileName)
	fig, err := ingest(b, path, 0, envInt("XPT_BENCH_COLD", 200_000), envInt("XPT_BENCH_BATCH", 10_000))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	reportIngest(b, fig)
}

// BenchmarkAuthzIngestDelta applies XPT_BENCH_DELTA records (90% new, 10%
// updates) through signed batches to a copy of the look-up store: the
// steady state of a kiosk holding XPT_BENCH_RECORDS records. Run it alone
// in its process, after the look-up store exists.
func BenchmarkAuthzIngestDelta(b *testing.B) {
	src := filepath.Join(benchStore(b), FileName)
	dst := filepath.Join(filepath.Dir(src), "delta-copy.db")
	defer os.Remove(dst)
	if err := copyFile(src, dst); err != nil {
		b.Fatal(err)
	}
	fig, err := ingest(b, dst, benchRecords(), envInt("XPT_BENCH_DELTA", 100_000), envInt("XPT_BENCH_BATCH", 10_000))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	reportIngest(b, fig)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procIOBytes reads one counter of /proc/self/io.
func procIOBytes(name string) int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkAuthzLookup times look-ups by document in the built store, with
// the percentiles of individually timed look-ups.
func BenchmarkAuthzLookup(b *testing.B) {
	for _, kind := range []string{"doc", "card", "candidates"} {
		b.Run(kind, func(b *testing.B) {
			dir := benchStore(b)
			n := benchRecords()
			r, err := Open(benchOptions(filepath.Join(dir, FileName)))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if r.warmDone != nil {
				<-r.warmDone // XPT_BENCH_PREWARM: measure after the file was read once
			}
			rng := rand.New(rand.NewPCG(1, 2))
			look := func() {
				i := rng.IntN(n)
				var recs int
				var err error
				switch kind {
				case "doc":
					var out = mustLen(r.ByDocument(synState(i, 0), synDocNumber(i, 0)))
					recs, err = out, nil
				case "card":
					recs = mustLen(r.ByCard(synCardTag(i)))
				case "candidates":
					recs = mustLen(r.Candidates(synState(i, 0), synDocNumber(i, 0), synCardTag(i)))
				}
				if err != nil || recs == 0 {
					b.Fatalf("look-up %d found nothing", i)
				}
			}
			// Percentiles over fixed samples, each look-up timed alone:
			// first right after the open (pages not yet mapped, perhaps not
			// even cached: what a kiosk sees in its first minutes), then
			// after XPT_BENCH_WARM untimed look-ups (the steady state).
			sample := func() []time.Duration {
				ds := make([]time.Duration, 20000)
				for k := range ds {
					t0 := time.Now()
					look()
					ds[k] = time.Since(t0)
				}
				slices.Sort(ds)
				return ds
			}
			cold := sample()
			for k := envInt("XPT_BENCH_WARM", 300_000); k > 0; k-- {
				look()
			}
			warm := sample()
			b.ResetTimer()
			for b.Loop() {
				look()
			}
			pct := func(ds []time.Duration, p float64) float64 {
				return float64(ds[int(float64(len(ds))*p)].Nanoseconds()) / 1000
			}
			b.ReportMetric(pct(warm, 0.50), "p50-µs")
			b.ReportMetric(pct(warm, 0.99), "p99-µs")
			b.ReportMetric(pct(warm, 0.999), "p99.9-µs")
			b.ReportMetric(pct(cold, 0.50), "cold-p50-µs")
			b.ReportMetric(pct(cold, 0.99), "cold-p99-µs")
		})
	}
}

func mustLen[T any](v []T, err error) int {
	if err != nil {
		return 0
	}
	return len(v)
}

// BenchmarkAuthzRestart times opening the built store and answering the
// first look-up: what a kiosk does after a power cut.
func BenchmarkAuthzRestart(b *testing.B) {
	path := filepath.Join(benchStore(b), FileName)
	var worst time.Duration
	for b.Loop() {
		// A restart after a power cut starts with a cold page cache: drop
		// the file's pages (this file only) before each open.
		if f, err := os.Open(path); err == nil {
			_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
			f.Close()
		}
		t0 := time.Now()
		r, err := Open(benchOptions(path))
		if err != nil {
			b.Fatal(err)
		}
		if n := mustLen(r.ByDocument(synState(7, 0), synDocNumber(7, 0))); n == 0 {
			b.Fatal("first look-up found nothing")
		}
		d := time.Since(t0)
		worst = max(worst, d)
		r.Close()
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	b.ReportMetric(float64(benchRecords()), "records")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
	}
}

// BenchmarkAuthzBuild builds (or finds) the look-up store and reports its
// size; the build is not a figure of the replica (it is a bulk load).
func BenchmarkAuthzBuild(b *testing.B) {
	path := filepath.Join(benchStore(b), FileName)
	for b.Loop() {
	}
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(fi.Size())/float64(benchRecords()), "file-B/record")
	}
}
