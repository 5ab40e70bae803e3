package authz

import (
	"fmt"
	"testing"
)

// BenchmarkSealXOR is the cipher's cost per block read, at Pebble's
// usual read sizes (a data block, an index block, a filter block).
func BenchmarkSealXOR(b *testing.B) {
	fs, err := newSealFS(nil, testStorageKey(3))
	if err != nil {
		b.Fatal(err)
	}
	f := &sealedFile{fs: fs}
	for _, n := range []int{64, 4 << 10, 32 << 10, 256 << 10} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				f.xor(p, p, 12345)
			}
		})
	}
}
