package outbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// FuzzRecover opens an outbox whose only segment holds arbitrary bytes (a
// disk after any kind of crash): Open must not panic, and whatever it
// recovers must be gap-free with the next Append continuing the seq.
//
// Durability is not under test here, so the target is made fast: no fsync
// (Options.noSync), its directories on tmpfs when there is one, and seeds of
// small events. A slow target never gets past minimisation, which tries
// removing every span of a new input (quadratic in its size; 60 s per input
// by default): with fsyncs on disk and 1.6 kB seeds it made about 9
// executions in 20 s.
func FuzzRecover(f *testing.F) {
	base := fuzzDir(f)
	dir, err := os.MkdirTemp(base, "seed")
	if err != nil {
		f.Fatal(err)
	}
	b, err := Open(Options{Dir: dir, PreallocBytes: -1, noSync: true})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b.Append(&wire.Event{Type: wire.EventDeviceFault})
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
		dir, err := os.MkdirTemp(base, "x")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		os.WriteFile(filepath.Join(dir, "seg-0000000000000001.log"), seg, 0o600)
		b, err := Open(Options{Dir: dir, PreallocBytes: -1, noSync: true})
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
		if seq, err := b.Append(&wire.Event{Type: wire.EventDeviceFault}); err != nil || seq != last+1 {
			t.Fatalf("append after recovery: seq %d (last %d), %v", seq, last, err)
		}
	})
}

// fuzzDir is a directory for a fuzz target's outboxes: on tmpfs
// (/dev/shm) when the machine has one, else the test's temporary directory.
func fuzzDir(f *testing.F) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "xpt-outbox-fuzz-"); err == nil {
			f.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return f.TempDir()
}
