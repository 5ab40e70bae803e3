package face

import (
	"os"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// cpuTime is the CPU time this process has used (all threads).
func cpuTime() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkAnalyze is detection plus every quality rule on one 640x480
// frame (the kiosk's per-frame cost). It reports frames/s by the clock and
// cpu-frames/s, the rate one otherwise idle core would sustain (the CPU
// time of all threads per frame): on a machine shared with other work the
// clock figure says more about the neighbours than about the code.
// scripts/bench-camera.sh runs it.
func BenchmarkAnalyze(b *testing.B) {
	d := detector(b)
	if c := os.Getenv("XPT_FACE_CASCADE"); c != "" {
		var err error
		if d, err = NewDetector(Options{FaceCascade: c}); err != nil {
			b.Fatal(err)
		}
		defer d.Close()
	}
	f := makeFrames(b)
	defer f.Close()
	for _, bc := range []struct {
		name  string
		frame gocv.Mat
	}{{"good", f.good}, {"four", f.four}, {"nobody", f.blank}} {
		b.Run(bc.name, func(b *testing.B) {
			c0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Analyze(bc.frame)
			}
			b.StopTimer()
			cpu := cpuTime() - c0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "cpu-frames/s")
		})
	}
}
