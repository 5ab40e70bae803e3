package central

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func ev(kiosk string, seq uint64) *wire.Event {
	return &wire.Event{EventID: fmt.Sprintf("%s-%d", kiosk, seq), KioskID: kiosk, PortCode: "YYZ", Seq: seq, Type: wire.EventTransactionCompleted,
		At: fmt.Sprintf("2026-11-27T10:00:%02d.000Z", seq%60), Transaction: &wire.Transaction{Outcome: wire.OutcomeAdmitted, Reasons: []string{}}}
}

func TestLedgerGapsDuplicatesOrder(t *testing.T) {
	l := NewLedger()
	for _, s := range []uint64{1, 2, 3, 5, 4, 6, 9, 10} { // 4 late, 7-8 missing
		res := l.Add(ev("yyz-t1-k01", s))
		if !res.New {
			t.Fatalf("seq %d not new", s)
		}
		if (s == 4) != res.OutOfOrder {
			t.Fatalf("seq %d out of order = %v", s, res.OutOfOrder)
		}
	}
	if res := l.Add(ev("yyz-t1-k01", 5)); !res.Duplicate || res.Conflict != "" {
		t.Fatalf("duplicate: %+v", res)
	}
	// The same seq under a new eventId is a conflict (a kiosk that re-made an event).
	e := ev("yyz-t1-k01", 6)
	e.EventID = "other"
	if res := l.Add(e); res.Conflict == "" {
		t.Fatal("conflict not seen")
	}
	// A second kiosk, clean.
	for s := uint64(1); s <= 3; s++ {
		l.Add(ev("yul-k02", s))
	}
	l.SetState(&wire.KioskState{KioskID: "yul-k02", State: wire.StateOnline, AuthzSeq: 12})
	r := l.Report()
	if r.OK || r.Missing != 2 || r.Duplicates != 1 || r.OutOfOrder != 1 || r.Conflicts != 1 || r.Events != 11 {
		t.Fatalf("%+v", r)
	}
	k1, _ := r.Kiosk("yyz-t1-k01")
	if fmt.Sprint(k1.Missing) != "[{7 8}]" || k1.FirstSeq != 1 || k1.LastSeq != 10 || k1.Outcomes[wire.OutcomeAdmitted] != 8 {
		t.Fatalf("%+v", k1)
	}
	k2, _ := r.Kiosk("yul-k02")
	if k2.MissingN != 0 || k2.State != wire.StateOnline || k2.AuthzSeq != 12 {
		t.Fatalf("%+v", k2)
	}
	// Late delivery closes the gap.
	l.Add(ev("yyz-t1-k01", 7))
	l.Add(ev("yyz-t1-k01", 8))
	if r := l.Report(); r.Missing != 0 || r.OK { // still not OK: the conflict stays
		t.Fatalf("%+v", r)
	}
}

func TestEventStoreRebuildsLedger(t *testing.T) {
	dir := t.TempDir()
	l := NewLedger()
	st, err := OpenEventStore(dir, l)
	if err != nil {
		t.Fatal(err)
	}
	add := func(e *wire.Event) {
		b, _ := json.Marshal(e)
		res, e2, err := l.AddJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate {
			st.write(storedLine{ReceivedAt: "x", Duplicate: &dupLine{e2.EventID, e2.KioskID, e2.Seq}})
		} else {
			st.write(storedLine{ReceivedAt: "x", Topic: wire.KioskTopic(e.KioskID, "events"), Event: b})
		}
	}
	for _, s := range []uint64{1, 3, 2, 3} {
		add(ev("k-one", s))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn last line (power cut mid-write) is dropped on reopen.
	f, _ := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"receivedAt":"x","event":{"eventId":"k-one-4"`)
	f.Close()
	l2 := NewLedger()
	st2, err := OpenEventStore(dir, l2)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	a, b := l.Report(), l2.Report()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("rebuilt ledger differs:\n%s\n%s", ja, jb)
	}
	if b.Events != 3 || b.Duplicates != 1 || b.OutOfOrder != 1 || !b.OK {
		t.Fatalf("%+v", b)
	}
}
