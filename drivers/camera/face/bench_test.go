package face

import (
	"context"
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

// BenchmarkCompare is one 1:1 verification with the dlib model as the
// kiosk runs it: the live capture (a 640x480 JPEG) against the chip's
// photo (a JPEG), each decoded, its face detected, aligned and embedded,
// then scored ("image"); against a stored template ("template": one
// embedding); and the network alone on a cut chip ("network"). It reports ms/op by the clock and cpu-ms/op (the CPU time of
// all threads; OpenCV's DNN uses every core). scripts/bench-face.sh runs it.
func BenchmarkCompare(b *testing.B) {
	c := dlibComparator(b)
	f := makeFrames(b)
	defer f.Close()
	face := read(b, "testdata/face.jpg")
	defer face.Close()
	live, err := EncodeJPEG(f.good, 90)
	if err != nil {
		b.Fatal(err)
	}
	ref, err := EncodeJPEG(face, 90)
	if err != nil {
		b.Fatal(err)
	}
	tmpl, err := c.Template(ref)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		ref  Reference
	}{{"image", Reference{Image: ref}}, {"template", Reference{Template: tmpl}}} {
		b.Run(bc.name, func(b *testing.B) {
			c0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := c.Compare(context.Background(), live, bc.ref); r.Result != Successful {
					b.Fatalf("%+v", r)
				}
			}
			b.StopTimer()
			cpu := cpuTime() - c0
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
			b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
		})
	}
	// The network alone, on a face chip already cut.
	q := c.o.Detector.Analyze(f.good)
	chip := c.Crop(f.good, q)
	defer chip.Close()
	b.Run("network", func(b *testing.B) {
		c0 := cpuTime()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.run(chip); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cpu := cpuTime() - c0
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
	})
}
