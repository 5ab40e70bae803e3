package outbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRecover opens an outbox whose only segment holds arbitrary bytes (a
// disk after any kind of crash): Open must not panic, and whatever it
// recovers must be gap-free with the next Append continuing the seq.
func FuzzRecover(f *testing.F) {
	dir := f.TempDir()
	b, err := Open(Options{Dir: dir, PreallocBytes: -1})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b.Append(txEvent())
	}
	b.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	for _, s := range segs {
		if raw, _ := os.ReadFile(s); len(raw) > 0 {
			f.Add(raw)
			f.Add(raw[:len(raw)/2])
			f.Add(append(append([]byte{}, raw...), 1, 2, 3))
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, seg []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "seg-0000000000000001.log"), seg, 0o600)
		b, err := Open(Options{Dir: dir, PreallocBytes: -1})
		if err != nil {
			return // refusing a corrupt store is allowed; panicking is not
		}
		defer b.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var recs []Record
		if b.LastSeq() > 0 {
			recs, err = b.Next(ctx, 0, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].Seq != recs[i-1].Seq+1 {
				t.Fatalf("gap %d -> %d", recs[i-1].Seq, recs[i].Seq)
			}
		}
		last := b.LastSeq()
		if seq, err := b.Append(txEvent()); err != nil || seq != last+1 {
			t.Fatalf("append after recovery: seq %d (last %d), %v", seq, last, err)
		}
	})
}
