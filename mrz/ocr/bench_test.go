package ocr

import (
	"os"
	"testing"

	"gocv.io/x/gocv"
)

func BenchmarkReadPage(b *testing.B) {
	fn := os.Getenv("OCR_FILE")
	if fn == "" {
		b.Skip("set OCR_FILE")
	}
	r, err := NewReader(Options{})
	if err != nil {
		b.Fatal(err)
	}
	m := gocv.IMRead(fn, gocv.IMReadGrayScale)
	defer m.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Read(m)
	}
}

func BenchmarkNewReader(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := NewReader(Options{}); err != nil {
			b.Skip(err)
		}
	}
}
