package central

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkPublishOffline signs and stores 20,000 population records in
// batches of 1,000 (no broker).
func BenchmarkPublishOffline(b *testing.B) {
	var recs bytes.Buffer
	if _, err := GeneratePopulation(PopulationOptions{Count: 20000, Seed: 1, Today: testToday}, &recs, discard{}); err != nil {
		b.Fatal(err)
	}
	s := testSigner(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := OpenStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Publish(context.Background(), st, s, bytes.NewReader(recs.Bytes()), nil, PublishOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "records/s")
}
