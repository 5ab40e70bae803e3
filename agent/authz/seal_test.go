package authz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func testStorageKey(seed byte) []byte { return bytes.Repeat([]byte{seed}, 32) }

// personal is what must never be on disk in clear in a sealed replica: a
// record's surname, document number, card tag, membership ID and
// authorization ID (the holder data tested through the record that
// carries them all).
func personal(r wire.AuthzRecord) []string {
	return []string{r.Holder.Surname + "\x00", r.Documents[0].Number, r.TrustedTraveler.CardTag, r.TrustedTraveler.MembershipID, r.AuthorizationID}
}

// plainOnDisk returns the needles found in any file under dir.
func plainOnDisk(t *testing.T, dir string, needles []string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(strings.TrimSuffix(n, "\x00"))) {
				found = append(found, filepath.Base(p)+": "+strings.TrimSuffix(n, "\x00"))
			}
		}
		return nil
	})
	return found
}

// A distinctive record: its values occur nowhere else in the store's
// files by chance.
func distinctive() wire.AuthzRecord {
	r := rec(7, 1)
	r.Holder.Surname = "QUIRINUSWALDHAUSEN"
	r.Documents[0].Number = "ZQ7781234"
	r.TrustedTraveler.CardTag = "FACADE4242"
	r.TrustedTraveler.MembershipID = "987654321"
	r.AuthorizationID = "XPT-2026-QZQZQZQZ"
	return r
}

// The write-ahead log (before the store is closed) and the tables (after)
// of a sealed replica hold no name, number, card tag or ID in clear; the
// same scan finds them in a replica kept in clear (the scan sees them).
func TestSealedReplicaHoldsNothingInClear(t *testing.T) {
	for _, key := range [][]byte{nil, testStorageKey(1)} {
		f := newFixtureKey(t, key)
		r := distinctive()
		recs := []wire.AuthzRecord{r}
		for i := 100; i < 300; i++ {
			recs = append(recs, rec(i, 1))
		}
		f.mustBatch(wire.AuthzBatch{Seq: 1, Records: recs})
		wal := plainOnDisk(t, f.path, personal(r))
		// and once the memtable is flushed into a table
		if err := f.r.st.db.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.r.st.db.Compact(t.Context(), []byte{0}, []byte{0xff}, true); err != nil {
			t.Fatal(err)
		}
		tables := plainOnDisk(t, f.path, personal(r))
		if key == nil {
			if len(wal) < 5 || len(tables) < 5 {
				t.Fatalf("in clear, the scan found only %v in the log and %v in the tables", wal, tables)
			}
			continue
		}
		if len(wal)+len(tables) > 0 {
			t.Errorf("sealed replica holds in clear: log %v, tables %v", wal, tables)
		}
		if !f.r.Sealed() {
			t.Error("Sealed() false")
		}
		// and every look-up still works
		d := r.Documents[0]
		if got := f.ids(f.r.Candidates(d.IssuingState, d.Number, r.TrustedTraveler.CardTag)); !slices.Equal(got, []string{r.AuthorizationID}) {
			t.Errorf("candidates: %v", got)
		}
		if got := f.ids(f.r.ByMembership(r.TrustedTraveler.MembershipID)); !slices.Equal(got, []string{r.AuthorizationID}) {
			t.Errorf("by membership: %v", got)
		}
		if got, err := f.r.ByID(r.AuthorizationID); err != nil || got.Holder.Surname != r.Holder.Surname {
			t.Errorf("by ID: %+v %v", got, err)
		}
	}
}

// A sealed replica opened with another key, or none, is ErrKey, whether
// read-write or read-only; with its key, read-only works.
func TestSealedReplicaWrongKey(t *testing.T) {
	f := newFixtureKey(t, testStorageKey(1))
	r := distinctive()
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{r}})
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		for _, key := range [][]byte{nil, testStorageKey(2)} {
			if rep, err := Open(Options{Path: f.path, ReadOnly: ro, Key: key}); !errors.Is(err, ErrKey) {
				if err == nil {
					rep.Close()
				}
				t.Errorf("read-only %v, key %v: %v, want ErrKey", ro, key != nil, err)
			}
		}
	}
	rep, err := Open(Options{Path: f.path, ReadOnly: true, Key: testStorageKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rep.ByDocument(r.Documents[0].IssuingState, r.Documents[0].Number); err != nil || len(got) != 1 || got[0].Holder.Surname != r.Holder.Surname {
		t.Errorf("read-only look-up: %+v %v", got, err)
	}
	rep.Close()
	f.open() // for the fixture's cleanup
}

// A changed byte of a sealed table (the ciphertext) is found by Pebble's
// block checksums: the replica never returns a changed record. Found as
// the replica opens, the damaged copy is deleted and the replica starts
// empty, asking the central system for everything again.
func TestSealedTableChangedIsFound(t *testing.T) {
	f := newFixtureKey(t, testStorageKey(1))
	var recs []wire.AuthzRecord
	for i := 1; i < 200; i++ {
		recs = append(recs, rec(i, 1))
	}
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: recs})
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(f.path, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table to change")
	}
	for _, p := range tables {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := sealHeaderLen + 16; i < len(b)/2; i += 97 {
			b[i] ^= 0x20
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f.open()
	found := 0
	for _, r := range recs {
		got, err := f.r.ByDocument(r.Documents[0].IssuingState, r.Documents[0].Number)
		if err != nil {
			continue
		}
		for _, g := range got {
			found++
			if g.Holder.Surname != r.Holder.Surname || g.AuthorizationID != r.AuthorizationID {
				t.Fatalf("a changed table returned %+v for %s", g, r.AuthorizationID)
			}
		}
	}
	if found != 0 {
		t.Errorf("%d records read from a damaged replica", found)
	}
	if st := f.r.Status(); st.HasSeq || st.Records != 0 {
		t.Errorf("after the damage the replica holds seq %d, %d records; want it empty (resync everything)", st.Seq, st.Records)
	}
	f.startUpkeep()
}

// A replica kept in clear opened with a key is sealed where it is: the
// same records, seq and last sync, nothing in clear left in its folder; a
// read-only open refuses it until then.
func TestReplicaInClearIsSealed(t *testing.T) {
	f := newFixture(t)
	r := distinctive()
	recs := []wire.AuthzRecord{r}
	for i := 100; i < 120; i++ {
		recs = append(recs, rec(i, 1))
	}
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: recs[:10]})
	f.mustBatch(wire.AuthzBatch{Seq: 2, Records: recs[10:], Removed: []string{recs[5].AuthorizationID}})
	before := f.r.Status()
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Open(Options{Path: f.path, ReadOnly: true, Key: testStorageKey(1)}); !errors.Is(err, errInClear) {
		if err == nil {
			rep.Close()
		}
		t.Fatalf("read-only open of a replica in clear with a key: %v", err)
	}
	f.key = testStorageKey(1)
	f.open()
	after := f.r.Status()
	if !f.r.Sealed() || after.Seq != before.Seq || after.Records != before.Records || !after.LastSync.Equal(before.LastSync) {
		t.Fatalf("sealed %v; before %+v, after %+v", f.r.Sealed(), before, after)
	}
	for i, want := range recs {
		got, err := f.r.ByID(want.AuthorizationID)
		if i == 5 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("removed record back after sealing: %v", err)
			}
			continue
		}
		if err != nil || got.Holder.Surname != want.Holder.Surname || got.Version != want.Version {
			t.Errorf("record %d after sealing: %+v %v", i, got, err)
		}
	}
	if got := f.ids(f.r.ByCard(r.TrustedTraveler.CardTag)); !slices.Equal(got, []string{r.AuthorizationID}) {
		t.Errorf("by card after sealing: %v", got)
	}
	if err := f.r.st.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if found := plainOnDisk(t, filepath.Dir(f.path), personal(r)); len(found) > 0 {
		t.Errorf("after sealing, in clear: %v", found)
	}
	ents, _ := os.ReadDir(filepath.Dir(f.path))
	if len(ents) != 1 {
		t.Errorf("beside the replica: %v", ents)
	}
}

// An interrupted sealing leaves the replica as it was: an unfinished
// sealed copy is dropped, a replica in clear moved aside is put back.
func TestInterruptedSealing(t *testing.T) {
	f := newFixture(t)
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1)}})
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(f.path+sealingSuffix, 0o700)
	os.WriteFile(filepath.Join(f.path+sealingSuffix, "000001.log"), []byte("half"), 0o600)
	if err := os.Rename(f.path, f.path+inClearSuffix); err != nil {
		t.Fatal(err)
	}
	f.key = testStorageKey(3)
	f.open()
	if st := f.r.Status(); st.Seq != 1 || st.Records != 1 || !f.r.Sealed() {
		t.Fatalf("after an interrupted sealing: %+v sealed %v", st, f.r.Sealed())
	}
	ents, _ := os.ReadDir(filepath.Dir(f.path))
	if len(ents) != 1 {
		t.Errorf("beside the replica: %v", ents)
	}
}
