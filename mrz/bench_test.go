package mrz

import (
	"runtime"
	"testing"
)

// cpuMeter reports thread CPU time per operation as cpu-ns/op.
func cpuMeter(b *testing.B) func(n int) {
	runtime.LockOSThread()
	c0 := threadCPU()
	return func(n int) {
		if c := threadCPU() - c0; c > 0 && n > 0 {
			b.ReportMetric(float64(c.Nanoseconds())/float64(n), "cpu-ns/op")
		}
		runtime.UnlockOSThread()
	}
}

// BenchmarkParseTD3 is the figure the issue asks for: parse and validate
// a TD3 into a reused Result. The one allocation is the given names
// ("ANNA MARIA" needs its filler turned into a space).
func BenchmarkParseTD3(b *testing.B) {
	var r Result
	opts := Options{Today: today}
	b.ReportAllocs()
	n, done := 0, cpuMeter(b)
	for b.Loop() {
		ParseInto(&r, specimenTD3, opts)
		n++
	}
	done(n)
	if !r.Valid {
		b.Fatal(r.Errors)
	}
}

// BenchmarkParseTD3New is the convenience path: a new Result each time.
func BenchmarkParseTD3New(b *testing.B) {
	opts := Options{Today: today}
	b.ReportAllocs()
	n, done := 0, cpuMeter(b)
	for b.Loop() {
		if r := Parse(specimenTD3, opts); !r.Valid {
			b.Fatal(r.Errors)
		}
		n++
	}
	done(n)
}

func BenchmarkParseTD1(b *testing.B) {
	lines := []string{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"}
	var r Result
	opts := Options{Today: today}
	b.ReportAllocs()
	for b.Loop() {
		ParseInto(&r, lines, opts)
	}
}

func BenchmarkParseCorrect(b *testing.B) {
	lines := []string{"P<UT0ERIK55ON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O"}
	var r Result
	opts := Options{Today: today, Correct: true}
	b.ReportAllocs()
	for b.Loop() {
		ParseInto(&r, lines, opts)
	}
	if !r.Valid {
		b.Fatal(r.Errors)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	r := Parse(specimenTD3, Options{Today: today})
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	n, done := 0, cpuMeter(b)
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
		n++
	}
	done(n)
}

func BenchmarkGenerate(b *testing.B) {
	f := Parse(specimenTD3, Options{Today: today}).Fields
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(f); err != nil {
			b.Fatal(err)
		}
	}
}
