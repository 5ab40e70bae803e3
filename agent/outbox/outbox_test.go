package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const docNumber = "L898902C3"

func txEvent() *wire.Event {
	return &wire.Event{Type: wire.EventTransactionCompleted, Transaction: &wire.Transaction{
		ID: wire.NewID(time.Now()), Outcome: wire.OutcomeAdmitted, Direction: wire.DirUStoCA,
		Document: &wire.Document{Code: "P", IssuingState: "CAN", Number: docNumber, ExpiryDate: "2030-04-15"},
		Holder:   &wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
	}}
}

func open(t *testing.T, dir string, mod ...func(*Options)) *Outbox {
	t.Helper()
	o := Options{Dir: dir, KioskID: "yyz-t1-k07", PortCode: "YYZ", AckFlushInterval: 20 * time.Millisecond}
	for _, m := range mod {
		m(&o)
	}
	b, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func next(t *testing.T, b *Outbox, after uint64, max int) []Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recs, err := b.Next(ctx, after, max)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestSeqDurableAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	var ids []string
	for i := 1; i <= 10; i++ {
		ev := txEvent()
		seq, err := b.Append(ev)
		if err != nil || seq != uint64(i) {
			t.Fatalf("append %d: seq %d err %v", i, seq, err)
		}
		ids = append(ids, ev.EventID)
	}
	for _, s := range []uint64{1, 2, 4, 3} { // out of order
		b.Ack(s)
	}
	if b.Acked() != 4 || b.Depth() != 6 {
		t.Fatalf("acked %d depth %d", b.Acked(), b.Depth())
	}
	b.Close()

	b = open(t, dir)
	defer b.Close()
	recs := next(t, b, 0, 100)
	if len(recs) != 6 || recs[0].Seq != 5 {
		t.Fatalf("after restart: %d records from %d", len(recs), recs[0].Seq)
	}
	var ev wire.Event
	if err := json.Unmarshal(recs[0].Data, &ev); err != nil || ev.EventID != ids[4] || ev.Seq != 5 || ev.KioskID != "yyz-t1-k07" {
		t.Fatalf("record 5: %+v %v", ev, err)
	}
	seq, _ := b.Append(txEvent())
	if seq != 11 {
		t.Fatalf("seq after restart %d", seq)
	}
	// Everything acknowledged, then restart: the seq still continues.
	for s := uint64(5); s <= 11; s++ {
		b.Ack(s)
	}
	b.Close()
	b = open(t, dir)
	if seq, _ := b.Append(txEvent()); seq != 12 {
		t.Fatalf("seq after full drain and restart %d", seq)
	}
	b.Close()
}

func TestTornTailTruncated(t *testing.T) {
	dir := t.TempDir()
	plain := func(o *Options) { o.PreallocBytes = -1 }
	b := open(t, dir, plain)
	for i := 0; i < 5; i++ {
		b.Append(txEvent())
	}
	b.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	last := segs[len(segs)-1]
	// Find the non-empty segment and tear its last record in half.
	for _, s := range segs {
		if st, _ := os.Stat(s); st.Size() > 0 {
			last = s
		}
	}
	st, _ := os.Stat(last)
	if err := os.Truncate(last, st.Size()-40); err != nil {
		t.Fatal(err)
	}
	// and a garbage tail after it, as a half-written sector might leave
	f, _ := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(bytes.Repeat([]byte{0xff}, 7))
	f.Close()
	b = open(t, dir, plain)
	defer b.Close()
	if b.Stats().Truncated == 0 {
		t.Fatal("no truncation reported")
	}
	if got := next(t, b, 0, 100); len(got) != 4 {
		t.Fatalf("%d records survive, want 4", len(got))
	}
	if seq, _ := b.Append(txEvent()); seq != 5 {
		t.Fatalf("seq %d after torn tail, want 5 (the torn one was never durable)", seq)
	}
}

func TestTornWriteInPreallocatedSegment(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	for i := 0; i < 5; i++ {
		b.Append(txEvent())
	}
	b.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	var seg string
	var end int
	for _, s := range segs {
		raw, _ := os.ReadFile(s)
		if e := len(bytes.TrimRight(raw, "\x00")); e > 0 {
			seg, end = s, e
		}
	}
	f, _ := os.OpenFile(seg, os.O_WRONLY, 0)
	f.WriteAt([]byte{0x10, 0, 0, 0, 0xde, 0xad}, int64(end)) // half a header
	f.Close()
	b = open(t, dir)
	defer b.Close()
	if b.Stats().Truncated == 0 {
		t.Fatal("torn write not reported")
	}
	if got := next(t, b, 0, 100); len(got) != 5 {
		t.Fatalf("%d records survive, want 5", len(got))
	}
	if seq, _ := b.Append(txEvent()); seq != 6 {
		t.Fatalf("seq %d", seq)
	}
}

func TestGroupCommit(t *testing.T) {
	b := open(t, t.TempDir())
	defer b.Close()
	var wg sync.WaitGroup
	seen := make([]bool, 2001)
	var mu sync.Mutex
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				seq, err := b.Append(txEvent())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[seq] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := 1; i <= 2000; i++ {
		if !seen[i] {
			t.Fatalf("seq %d missing", i)
		}
	}
	st := b.Stats()
	if st.Syncs >= st.Appends/2 {
		t.Fatalf("%d fsyncs for %d appends: no group commit", st.Syncs, st.Appends)
	}
	t.Logf("%d appends, %d fsyncs", st.Appends, st.Syncs)
	recs := next(t, b, 0, 5000)
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
	}
}

func TestFullHighWater(t *testing.T) {
	var mu sync.Mutex
	var calls []bool
	b := open(t, t.TempDir(), func(o *Options) {
		o.MaxEvents, o.HighWater = 10, 8
		o.OnFull = func(full bool, depth int) { mu.Lock(); calls = append(calls, full); mu.Unlock() }
	})
	defer b.Close()
	for i := 0; i < 10; i++ {
		if _, err := b.Append(txEvent()); err != nil {
			t.Fatal(err)
		}
		if want := i+1 >= 8; b.Full() != want {
			t.Fatalf("after %d: Full %v", i+1, b.Full())
		}
	}
	if _, err := b.Append(txEvent()); err != ErrFull {
		t.Fatalf("11th append: %v", err)
	}
	for s := uint64(1); s <= 5; s++ {
		b.Ack(s)
	}
	if b.Full() {
		t.Fatal("still full after acks")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || !calls[0] || calls[1] {
		t.Fatalf("OnFull calls %v", calls)
	}
	if b.Stats().Refused != 1 {
		t.Fatal("refusal not counted")
	}
}

func scanDir(t *testing.T, dir, needle string) []string {
	t.Helper()
	var hits []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte(needle)) {
			hits = append(hits, p)
		}
		return nil
	})
	return hits
}

func TestWipeAfterAck(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	defer b.Close()
	for i := 0; i < 20; i++ {
		b.Append(txEvent())
	}
	if len(scanDir(t, dir, docNumber)) == 0 {
		t.Fatal("document number not on disk before delivery (test is broken)")
	}
	for s := uint64(1); s <= 20; s++ {
		b.Ack(s)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(scanDir(t, dir, docNumber)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("document number still on disk after delivery: %v", scanDir(t, dir, docNumber))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Seq continues after the wipe.
	if seq, _ := b.Append(&wire.Event{Type: wire.EventDeviceFault, Device: &wire.DeviceEvent{Device: "camera", Code: "timeout"}}); seq != 21 {
		t.Fatalf("seq %d", seq)
	}
}

func TestWipePartiallyDelivered(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	defer b.Close()
	for i := 0; i < 10; i++ {
		ev := txEvent()
		if i >= 5 {
			ev.Transaction.Document.Number = "ZZ0000000"
		}
		b.Append(ev)
	}
	for s := uint64(1); s <= 5; s++ {
		b.Ack(s)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(scanDir(t, dir, docNumber)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("delivered personal data kept beside undelivered events")
		}
		time.Sleep(10 * time.Millisecond)
	}
	recs := next(t, b, 0, 100)
	if len(recs) != 5 || recs[0].Seq != 6 || !bytes.Contains(recs[0].Data, []byte("ZZ0000000")) {
		t.Fatalf("undelivered records damaged: %d", len(recs))
	}
	b.Close()
	b2 := open(t, dir)
	defer b2.Close()
	if recs := next(t, b2, 0, 100); len(recs) != 5 || recs[0].Seq != 6 {
		t.Fatalf("after wipe in place and restart: %d", len(recs))
	}
	if seq, _ := b2.Append(txEvent()); seq != 11 {
		t.Fatalf("seq %d", seq)
	}
}

func TestRollAndDeleteSegments(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, func(o *Options) { o.SegmentBytes = 8 << 10; o.PreallocBytes = 8 << 10 })
	defer func() { b.Close() }()
	for i := 0; i < 100; i++ {
		b.Append(txEvent())
	}
	if st := b.Stats(); st.Segments < 5 {
		t.Fatalf("%d segments for 100 events of ~700 bytes in 8 KiB segments", st.Segments)
	}
	b.Close()
	b = open(t, dir, func(o *Options) { o.SegmentBytes = 8 << 10; o.PreallocBytes = 8 << 10 })
	recs := next(t, b, 0, 1000)
	if len(recs) != 100 {
		t.Fatalf("%d after reopen", len(recs))
	}
	for s := uint64(1); s <= 100; s++ {
		b.Ack(s)
	}
	deadline := time.Now().Add(3 * time.Second)
	for b.Stats().Segments > 1 || len(scanDir(t, dir, docNumber)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("segments %d, hits %v", b.Stats().Segments, scanDir(t, dir, docNumber))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if seq, _ := b.Append(txEvent()); seq != 101 {
		t.Fatalf("seq %d", seq)
	}
}

func TestNextWaits(t *testing.T) {
	b := open(t, t.TempDir())
	defer b.Close()
	go func() { time.Sleep(50 * time.Millisecond); b.Append(txEvent()) }()
	if recs := next(t, b, 0, 10); len(recs) != 1 {
		t.Fatal(len(recs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Next(ctx, 1, 10); err == nil {
		t.Fatal("no timeout")
	}
}

func TestTornAckSlot(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	for i := 0; i < 6; i++ {
		b.Append(txEvent())
	}
	b.Ack(1)
	b.Ack(2)
	time.Sleep(100 * time.Millisecond) // persisted in one slot
	b.Ack(3)
	b.Close() // persisted in the other
	raw, _ := os.ReadFile(filepath.Join(dir, "acked"))
	// Spoil the slot holding 3: the other (2) still counts.
	for off := 0; off < 32; off += 16 {
		if raw[off] == 3 {
			raw[off+9] ^= 0xff
		}
	}
	os.WriteFile(filepath.Join(dir, "acked"), raw, 0o600)
	b = open(t, dir)
	defer b.Close()
	if b.Acked() < 2 {
		t.Fatalf("acked %d after a torn slot", b.Acked())
	}
	if recs := next(t, b, 0, 10); recs[len(recs)-1].Seq != 6 || recs[0].Seq != b.Acked()+1 {
		t.Fatalf("records from %d", recs[0].Seq)
	}
}

// TestPowerCutAtEveryByte cuts the newest segment at every byte of its last
// three records (what a power cut mid-write can leave) and reopens: the
// outbox always recovers a gap-free prefix and continues the seq after it.
func TestPowerCutAtEveryByte(t *testing.T) {
	src := t.TempDir()
	plain := func(o *Options) { o.PreallocBytes = -1 }
	b := open(t, src, plain)
	for i := 0; i < 6; i++ {
		b.Append(txEvent())
	}
	b.Close()
	segs, _ := filepath.Glob(filepath.Join(src, "seg-*.log"))
	var seg string
	var full []byte
	for _, s := range segs {
		if raw, _ := os.ReadFile(s); len(raw) > 0 {
			seg, full = filepath.Base(s), raw
		}
	}
	rec := len(full) / 6
	for cut := len(full) - 3*rec; cut <= len(full); cut += 7 {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, seg), full[:cut], 0o600)
		b := open(t, dir, plain)
		recs := next(t, b, 0, 100)
		for i, r := range recs {
			if r.Seq != uint64(i+1) {
				t.Fatalf("cut %d: record %d has seq %d", cut, i, r.Seq)
			}
		}
		if seq, err := b.Append(txEvent()); err != nil || seq != uint64(len(recs)+1) {
			t.Fatalf("cut %d: %d records, next seq %d, %v", cut, len(recs), seq, err)
		}
		b.Close()
	}
}
