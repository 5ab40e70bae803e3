package authz

import (
	"context"
	"encoding/json"
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
)

// The replica benchmarks. Sizes come from the environment so that the
// ten-million-record run (scripts/bench-authz.sh) and a quick one share
// the code:
//
//	XPT_BENCH_RECORDS  records in the store (default 200000)
//	XPT_BENCH_BATCH    records per signed batch (default 10000)
//	XPT_BENCH_DIR      where the built store is kept between runs (default:
//	                   a temporary directory, rebuilt each run)
//
// The store is built once through signed batches (HandleBatch, one fsync'd
// transaction per batch), and the ingest figures of that build are kept
// beside it in ingest.json, so that later runs report them too.

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
	benchFig  ingestFigures
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
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// benchStore returns the directory of a built store of benchRecords()
// records and the figures of its build.
func benchStore(b *testing.B) (string, ingestFigures) {
	benchOnce.Do(func() {
		n, per := benchRecords(), envInt("XPT_BENCH_BATCH", 10_000)
		dir := os.Getenv("XPT_BENCH_DIR")
		if dir == "" {
			dir, benchErr = os.MkdirTemp("", "xpt-authz-bench-")
			if benchErr != nil {
				return
			}
		}
		dir = filepath.Join(dir, fmt.Sprintf("n%d-b%d-p%d", n, per, envInt("XPT_BENCH_PAGESIZE", 0)))
		benchDir = dir
		figPath := filepath.Join(dir, "ingest.json")
		if raw, err := os.ReadFile(figPath); err == nil && json.Unmarshal(raw, &benchFig) == nil && benchFig.Records == n {
			return
		}
		os.RemoveAll(dir)
		if benchErr = os.MkdirAll(dir, 0o755); benchErr != nil {
			return
		}
		benchFig, benchErr = buildBenchStore(b, filepath.Join(dir, FileName), n, per)
		if benchErr == nil {
			raw, _ := json.MarshalIndent(benchFig, "", "  ")
			benchErr = os.WriteFile(figPath, raw, 0o644)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir, benchFig
}

func buildBenchStore(b *testing.B, path string, n, per int) (ingestFigures, error) {
	kr, priv := testKeys(b)
	o := benchOptions(path)
	o.Keys = kr
	r, err := Open(o)
	if err != nil {
		return ingestFigures{}, err
	}
	defer r.Close()
	type sealed struct {
		raw   []byte
		count int
	}
	ch := make(chan sealed, 2)
	go func() {
		defer close(ch)
		seq := uint64(1)
		for lo := 0; lo < n; lo += per {
			hi := min(lo+per, n)
			ch <- sealed{synBatch(b, priv, seq, lo, hi, 1), hi - lo}
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
			st := r.Status()
			fmt.Fprintf(os.Stderr, "bench: %d records, %.0f rec/s (apply), rss %d MiB, last batch %.0f ms, written %.0f B/record\n",
				st.Records, float64(st.Records)/apply.Seconds(), procStatusKB("VmRSS:")/1024, d.Seconds()*1000,
				float64(procIOBytes("write_bytes:")-w0)/float64(st.Records))
		}
	}
	wall := time.Since(start)
	close(stop)
	samplerDone.Wait()
	st := r.Status()
	if st.Records != int64(n) {
		return ingestFigures{}, fmt.Errorf("built store has %d records, want %d", st.Records, n)
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

// BenchmarkAuthzIngest reports the figures of building the store (built
// once per XPT_BENCH_DIR; b.N does not apply).
func BenchmarkAuthzIngest(b *testing.B) {
	_, fig := benchStore(b)
	for b.Loop() {
	}
	b.ReportMetric(fig.RecordsPerSec, "records/s")
	b.ReportMetric(fig.PeakRSSMiB, "peak-RSS-MiB")
	b.ReportMetric(fig.MaxBatchMs, "max-batch-ms")
	b.ReportMetric(float64(fig.FileBytes)/(1<<20), "file-MiB")
	b.ReportMetric(float64(fig.Records), "records")
	b.ReportMetric(fig.WriteBytesPerRecord, "written-B/record")
	b.ReportMetric(fig.RecordsPerCPUSec, "records/cpu-s")
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
			dir, fig := benchStore(b)
			r, err := Open(benchOptions(filepath.Join(dir, FileName)))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			look := func() {
				i := rng.IntN(fig.Records)
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
			// Percentiles over a fixed sample, each look-up timed alone
			// (cold pages included: the sample starts on a fresh open).
			const sample = 20000
			ds := make([]time.Duration, sample)
			for k := range ds {
				t0 := time.Now()
				look()
				ds[k] = time.Since(t0)
			}
			slices.Sort(ds)
			b.ResetTimer()
			for b.Loop() {
				look()
			}
			b.ReportMetric(float64(ds[sample/2].Nanoseconds())/1000, "p50-µs")
			b.ReportMetric(float64(ds[sample*99/100].Nanoseconds())/1000, "p99-µs")
			b.ReportMetric(float64(ds[sample*999/1000].Nanoseconds())/1000, "p99.9-µs")
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
	dir, fig := benchStore(b)
	path := filepath.Join(dir, FileName)
	var worst time.Duration
	for b.Loop() {
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
	b.ReportMetric(float64(fig.Records), "records")
}
