package authz

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

type fixture struct {
	t       *testing.T
	r       *Replica
	priv    ed25519.PrivateKey
	sync    *syncRecorder
	clock   *clock
	rejects []wire.SecurityEvent
	path    string
	key     []byte // the storage key: sealed at rest
}

func newFixture(t *testing.T) *fixture { return newFixtureKey(t, nil) }

func newFixtureKey(t *testing.T, key []byte) *fixture {
	t.Helper()
	f := &fixture{t: t, key: key, sync: &syncRecorder{}, clock: &clock{time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}}
	f.path = filepath.Join(t.TempDir(), DirName)
	f.open()
	t.Cleanup(func() { f.r.Close() })
	return f
}

func (f *fixture) open() {
	kr, priv := testKeys(f.t)
	f.priv = priv
	r, err := Open(Options{Path: f.path, Keys: kr, Sync: f.sync, Now: f.clock.Now,
		OnReject: func(e wire.SecurityEvent) { f.rejects = append(f.rejects, e) }, MaxBatchRecords: 1000, Key: f.key})
	if err != nil {
		f.t.Fatal(err)
	}
	f.r = r
}

// startUpkeep runs Start until the first request went out, then stops it.
func (f *fixture) startUpkeep() {
	f.t.Helper()
	if err := f.upkeepUntil(1); err != nil || !slices.Equal(f.sync.asked(), []uint64{0}) {
		f.t.Fatalf("first start did not ask for everything: %v %v", err, f.sync.asked())
	}
}

// upkeepUntil runs Start (its first round runs at once) until n requests
// went out in all, or a second passed, then stops it.
func (f *fixture) upkeepUntil(n int) error {
	ctx, cancel := context.WithCancel(f.t.Context())
	done := make(chan error)
	go func() { done <- f.r.Start(ctx) }()
	deadline := time.Now().Add(time.Second)
	for len(f.sync.asked()) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	return <-done
}

func (f *fixture) reopen() {
	f.t.Helper()
	if err := f.r.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

func (f *fixture) batch(b wire.AuthzBatch) error {
	return f.r.HandleBatch(f.t.Context(), wire.TopicAuthzBatches, sealBatch(f.t, f.priv, b))
}

func (f *fixture) mustBatch(b wire.AuthzBatch) {
	f.t.Helper()
	if err := f.batch(b); err != nil {
		f.t.Fatalf("batch %d: %v", b.Seq, err)
	}
}

func (f *fixture) ids(recs []wire.AuthzRecord, err error) []string {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.AuthorizationID)
	}
	slices.Sort(ids)
	return ids
}

func rec(i int, v int64) wire.AuthzRecord { return synRecord(i, v) }

// inClearAndSealed runs test on a replica in clear and on a sealed one.
func inClearAndSealed(t *testing.T, test func(*testing.T, []byte)) {
	t.Run("in-clear", func(t *testing.T) { test(t, nil) })
	t.Run("sealed", func(t *testing.T) { test(t, testStorageKey(1)) })
}

func TestApplyAndLookups(t *testing.T) { inClearAndSealed(t, testApplyAndLookups) }

func testApplyAndLookups(t *testing.T, key []byte) {
	f := newFixtureKey(t, key)
	a, b, c := rec(1, 1), rec(2, 1), rec(3, 1)
	// b is a renewed passport: it lists a's document too, and another one.
	b.Documents = []wire.Document{a.Documents[0], {Code: "P", IssuingState: "USA", Number: "NEW123456"}}
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{a, b, c}})

	st := f.r.Status()
	if st.Seq != 1 || st.Records != 3 || !st.LastSync.Equal(f.clock.t) || st.Staleness != 0 {
		t.Fatalf("status %+v", st)
	}
	// Summary, what the kiosk reads, says the same.
	if seq, n, last, rej := f.r.Summary(); seq != st.Seq || n != st.Records || !last.Equal(st.LastSync) || rej != st.Stats.Rejected {
		t.Fatalf("summary %d %d %v %d, status %+v", seq, n, last, rej, st)
	}
	d := a.Documents[0]
	if got := f.ids(f.r.ByDocument(d.IssuingState, d.Number)); !slices.Equal(got, []string{a.AuthorizationID, b.AuthorizationID}) {
		t.Fatalf("by document: %v", got)
	}
	if got := f.ids(f.r.ByDocument("usa", "new<123456<")); !slices.Equal(got, []string{b.AuthorizationID}) {
		t.Fatalf("by second document, normalised: %v", got)
	}
	if got := f.ids(f.r.ByCard(c.TrustedTraveler.CardTag)); !slices.Equal(got, []string{c.AuthorizationID}) {
		t.Fatalf("by card: %v", got)
	}
	if got := f.ids(f.r.ByMembership(c.TrustedTraveler.MembershipID)); !slices.Equal(got, []string{c.AuthorizationID}) {
		t.Fatalf("by membership: %v", got)
	}
	if got := f.ids(f.r.Candidates(d.IssuingState, d.Number, c.TrustedTraveler.CardTag)); len(got) != 3 {
		t.Fatalf("candidates: %v", got)
	}
	if got := f.ids(f.r.Candidates(d.IssuingState, d.Number, a.TrustedTraveler.CardTag)); !slices.Equal(got, []string{a.AuthorizationID, b.AuthorizationID}) {
		t.Fatalf("candidates deduplicated, the document's first: %v", got)
	}
	if got := f.ids(f.r.Candidates("", "", c.TrustedTraveler.CardTag)); !slices.Equal(got, []string{c.AuthorizationID}) {
		t.Fatalf("candidates by card alone: %v", got)
	}
	if got := f.ids(f.r.Candidates(d.IssuingState, d.Number, "")); !slices.Equal(got, []string{a.AuthorizationID, b.AuthorizationID}) {
		t.Fatalf("candidates by document alone: %v", got)
	}
	if got := f.ids(f.r.Candidates("", "", "")); len(got) != 0 {
		t.Fatalf("candidates of nothing: %v", got)
	}
	// Many look-ups side by side (each Candidates runs two goroutines).
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				if got := f.ids(f.r.Candidates(d.IssuingState, d.Number, c.TrustedTraveler.CardTag)); len(got) != 3 {
					t.Errorf("concurrent candidates: %v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := f.r.ByID(a.AuthorizationID)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(a)
	gotJSON, _ := json.Marshal(got)
	if string(wantJSON) != string(gotJSON) {
		t.Fatalf("round trip:\n%s\n%s", gotJSON, wantJSON)
	}
	if _, err := f.r.ByID("XPT-NOPE"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if got := f.ids(f.r.ByDocument("CAN", "")); got != nil {
		t.Fatalf("empty number: %v", got)
	}

	// Survives a restart.
	f.reopen()
	st = f.r.Status()
	if st.Seq != 1 || st.Records != 3 || !st.LastSync.Equal(f.clock.t) {
		t.Fatalf("after reopen %+v", st)
	}
}

func TestVersionRuleAndRemoved(t *testing.T) { inClearAndSealed(t, testVersionRuleAndRemoved) }

func testVersionRuleAndRemoved(t *testing.T, key []byte) {
	f := newFixtureKey(t, key)
	a, b := rec(1, 2), rec(2, 1)
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{a, b}})

	older := rec(1, 1)
	older.Status = wire.StatusRevoked
	same := rec(1, 2)
	same.Status = wire.StatusSuspended
	f.mustBatch(wire.AuthzBatch{Seq: 2, Records: []wire.AuthzRecord{older, same}})
	if got, _ := f.r.ByID(a.AuthorizationID); got.Status != wire.StatusActive || got.Version != 2 {
		t.Fatalf("lower or equal version replaced the record: %+v", got)
	}
	// A newer version with the same document: the look-up by document
	// (whose index entry carries the record) sees the new one.
	suspended := rec(1, 3)
	suspended.Status = wire.StatusSuspended
	f.mustBatch(wire.AuthzBatch{Seq: 3, Records: []wire.AuthzRecord{suspended}})
	if got, err := f.r.ByDocument(a.Documents[0].IssuingState, a.Documents[0].Number); err != nil || len(got) != 1 ||
		got[0].Version != 3 || got[0].Status != wire.StatusSuspended {
		t.Fatalf("by document after an update: %+v %v", got, err)
	}
	if got, err := f.r.Candidates(a.Documents[0].IssuingState, a.Documents[0].Number, a.TrustedTraveler.CardTag); err != nil || len(got) != 1 ||
		got[0].Version != 3 {
		t.Fatalf("candidates after an update: %+v %v", got, err)
	}
	newer := rec(1, 4)
	newer.Documents = []wire.Document{{Code: "P", IssuingState: "CAN", Number: "RENEWED01"}}
	newer.TrustedTraveler.CardTag = "FFFF0000"
	f.mustBatch(wire.AuthzBatch{Seq: 4, Records: []wire.AuthzRecord{newer}})
	if got := f.ids(f.r.ByDocument(a.Documents[0].IssuingState, a.Documents[0].Number)); got != nil {
		t.Fatalf("old document still indexed: %v", got)
	}
	if got := f.ids(f.r.ByDocument("CAN", "RENEWED01")); len(got) != 1 {
		t.Fatalf("new document not indexed: %v", got)
	}
	if got := f.ids(f.r.ByCard(a.TrustedTraveler.CardTag)); got != nil {
		t.Fatalf("old card still indexed: %v", got)
	}
	f.mustBatch(wire.AuthzBatch{Seq: 5, Removed: []string{b.AuthorizationID, "XPT-NEVER-SEEN"}})
	if _, err := f.r.ByID(b.AuthorizationID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed record still there: %v", err)
	}
	if got := f.ids(f.r.ByCard(b.TrustedTraveler.CardTag)); got != nil {
		t.Fatalf("removed record still indexed: %v", got)
	}
	if got := f.ids(f.r.ByDocument(b.Documents[0].IssuingState, b.Documents[0].Number)); got != nil {
		t.Fatalf("removed record still found by document: %v", got)
	}
	// A record and its removal in one batch: the removal wins.
	c := rec(3, 1)
	f.mustBatch(wire.AuthzBatch{Seq: 6, Records: []wire.AuthzRecord{c}, Removed: []string{c.AuthorizationID}})
	if st := f.r.Status(); st.Records != 1 || st.Seq != 6 {
		t.Fatalf("status %+v", st)
	}
}

func TestReplayGapAndBuffer(t *testing.T) {
	f := newFixture(t)
	f.startUpkeep()
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1)}})
	// Replay of an applied batch: refused, reported as replay, no change.
	err := f.batch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(9, 1)}})
	if wire.RejectCode(err) != wire.RejectReplay || len(f.rejects) != 1 || f.rejects[0].Reason != wire.RejectReplay {
		t.Fatalf("replay: %v %+v", err, f.rejects)
	}
	// Gap: 3 and 4 arrive before 2. They are kept, a sync from 2 goes out
	// once (rate limited), and 2 brings all three in.
	f.clock.t = f.clock.t.Add(10 * time.Second)
	f.mustBatch(wire.AuthzBatch{Seq: 4, Records: []wire.AuthzRecord{rec(4, 1)}})
	f.mustBatch(wire.AuthzBatch{Seq: 3, Records: []wire.AuthzRecord{rec(3, 1)}})
	if !slices.Equal(f.sync.asked(), []uint64{0, 2}) {
		t.Fatalf("sync requests %v", f.sync.asked())
	}
	if st := f.r.Status(); st.Seq != 1 || !slices.Equal(st.Pending, []uint64{3, 4}) {
		t.Fatalf("status while gapped %+v", st)
	}
	f.clock.t = f.clock.t.Add(time.Minute)
	f.mustBatch(wire.AuthzBatch{Seq: 5, Records: []wire.AuthzRecord{rec(5, 1)}})
	if !slices.Equal(f.sync.asked(), []uint64{0, 2, 2}) {
		t.Fatalf("sync not asked again after the retry interval: %v", f.sync.asked())
	}
	f.mustBatch(wire.AuthzBatch{Seq: 2, Records: []wire.AuthzRecord{rec(2, 1)}})
	if st := f.r.Status(); st.Seq != 5 || st.Records != 5 || len(st.Pending) != 0 {
		t.Fatalf("after the gap closed %+v", st)
	}
	if n := f.r.Status().Stats.RejectedByCode[wire.RejectReplay]; n != 1 {
		t.Fatalf("replays counted %d", n)
	}
	// On the kiosk's own topic an old batch is part of a replay it asked
	// for: counted, not rejected or reported.
	own := "xpt/v1/kiosks/yyz-t1-k07/authz"
	if err := f.r.HandleBatch(t.Context(), own, sealBatch(t, f.priv, wire.AuthzBatch{Seq: 2, Records: []wire.AuthzRecord{rec(9, 1)}})); err != nil {
		t.Fatalf("replay on the own topic: %v", err)
	}
	if st := f.r.Status(); len(f.rejects) != 1 || st.Stats.Replays != 2 || st.Stats.Rejected != 1 || st.Records != 5 {
		t.Fatalf("after a replay on the own topic: %d reported, stats %+v, %d records", len(f.rejects), st.Stats, st.Records)
	}
}

func TestHead(t *testing.T) {
	f := newFixture(t)
	head := func(seq uint64) error {
		raw, _ := wire.Seal(testKeyID, f.priv, wire.AuthzHead{Seq: seq, IssuedAt: "2026-11-27T12:00:00.000Z", Records: 5})
		return f.r.HandleHead(t.Context(), raw)
	}
	if err := head(3); err != nil || !slices.Equal(f.sync.asked(), []uint64{0}) {
		t.Fatalf("head ahead of an empty replica: %v %v", err, f.sync.asked())
	}
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1)}})
	if !f.r.LastSync().IsZero() {
		t.Fatal("a batch behind the head counted as a sync")
	}
	f.mustBatch(wire.AuthzBatch{Seq: 2})
	f.mustBatch(wire.AuthzBatch{Seq: 3})
	if !f.r.LastSync().Equal(f.clock.t) {
		t.Fatal("reaching the head did not count as a sync")
	}
	f.clock.t = f.clock.t.Add(2 * time.Hour)
	if st := f.r.Status(); st.Staleness != 2*time.Hour {
		t.Fatalf("staleness %v", st.Staleness)
	}
	if err := head(3); err != nil || !f.r.LastSync().Equal(f.clock.t) {
		t.Fatalf("head equal to the replica did not refresh the sync: %v", err)
	}
	f.reopen()
	if !f.r.LastSync().Equal(f.clock.t) {
		t.Fatal("last sync not kept across restarts")
	}
	forged, _ := wire.Seal(testKeyID, ed25519.NewKeyFromSeed(make([]byte, 32)), wire.AuthzHead{Seq: 9, IssuedAt: "2026-11-27T12:00:00.000Z"})
	if err := f.r.HandleHead(t.Context(), forged); wire.RejectCode(err) != wire.RejectSignature {
		t.Fatalf("forged head: %v", err)
	}
	if len(f.rejects) != 1 || f.rejects[0].Topic != wire.TopicAuthzHead {
		t.Fatalf("forged head not reported: %+v", f.rejects)
	}
}

func TestBadBatchesRejectedWhole(t *testing.T) {
	f := newFixture(t)
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1)}})
	good := func() wire.AuthzBatch {
		return wire.AuthzBatch{Seq: 2, IssuedAt: "2026-11-26T09:00:00.000Z", Records: []wire.AuthzRecord{rec(2, 1), rec(3, 1)}}
	}
	_, other := testKeysOther(t)
	forged, _ := wire.Seal(testKeyID, other, good())
	unknown, _ := wire.Seal("central-other", f.priv, good())
	breaking := func(mut func(*wire.AuthzRecord)) []byte {
		b := good()
		mut(&b.Records[1])
		return sealBatch(t, f.priv, b)
	}
	big := good()
	for i := 0; i < 1001; i++ {
		big.Records = append(big.Records, rec(100+i, 1))
	}
	noSeq, _ := wire.SealBytes(testKeyID, f.priv, []byte(`{"issuedAt":"2026-11-26T09:00:00.000Z","records":[]}`))
	cases := []struct {
		name string
		raw  []byte
		code string
	}{
		{"forged", forged, wire.RejectSignature},
		{"unknown key", unknown, wire.RejectUnknownKey},
		{"garbage", []byte(`{"keyId":`), wire.RejectMalformed},
		{"payload not an object", mustSealBytes(t, f.priv, `"x"`), wire.RejectMalformed},
		{"no seq", noSeq, wire.RejectSchema},
		{"seq is a string", mustSealBytes(t, f.priv, `{"seq":"2","issuedAt":"2026-11-26T09:00:00.000Z"}`), wire.RejectSchema},
		{"bad issuedAt", mustSealBytes(t, f.priv, `{"seq":2,"issuedAt":"yesterday"}`), wire.RejectSchema},
		{"too many records", sealBatch(t, f.priv, big), wire.RejectTooLarge},
		{"too many bytes", make([]byte, wire.MaxEnvelopeBytes+1), wire.RejectTooLarge},
		{"bad status", breaking(func(r *wire.AuthzRecord) { r.Status = "pending" }), wire.RejectSchema},
		{"bad entry", breaking(func(r *wire.AuthzRecord) { r.Entries = []string{"CA>MX"} }), wire.RejectSchema},
		{"bad date", breaking(func(r *wire.AuthzRecord) { r.ValidUntil = "2031-02-30" }), wire.RejectSchema},
		{"window backwards", breaking(func(r *wire.AuthzRecord) { r.ValidFrom = "2032-01-01" }), wire.RejectSchema},
		{"lower-case name", breaking(func(r *wire.AuthzRecord) { r.Holder.Surname = "Eriksson" }), wire.RejectSchema},
		{"filler in name", breaking(func(r *wire.AuthzRecord) { r.Holder.GivenNames = "ANNA<MARIA" }), wire.RejectSchema},
		{"number with space", breaking(func(r *wire.AuthzRecord) { r.Documents[0].Number = "L898 902" }), wire.RejectSchema},
		{"no documents", breaking(func(r *wire.AuthzRecord) { r.Documents = nil }), wire.RejectSchema},
		{"bad id", breaking(func(r *wire.AuthzRecord) { r.AuthorizationID = "xpt\x00" }), wire.RejectSchema},
		{"version zero", breaking(func(r *wire.AuthzRecord) { r.Version = 0 }), wire.RejectSchema},
		{"bad sex", breaking(func(r *wire.AuthzRecord) { r.Holder.Sex = "<" }), wire.RejectSchema},
		{"bad card tag", breaking(func(r *wire.AuthzRecord) { r.TrustedTraveler.CardTag = "0a1b" }), wire.RejectSchema},
		{"bad removed", sealBatch(t, f.priv, wire.AuthzBatch{Seq: 2, Removed: []string{"not an id"}}), wire.RejectSchema},
	}
	for _, c := range cases {
		f.rejects = nil
		err := f.r.HandleBatch(t.Context(), "xpt/v1/kiosks/k/authz", c.raw)
		if got := wire.RejectCode(err); err == nil || got != c.code {
			t.Errorf("%s: got %v (%s), want %s", c.name, err, got, c.code)
			continue
		}
		if len(f.rejects) != 1 || f.rejects[0].Reason != c.code || f.rejects[0].Topic != "xpt/v1/kiosks/k/authz" {
			t.Errorf("%s: reported %+v", c.name, f.rejects)
		}
		if st := f.r.Status(); st.Seq != 1 || st.Records != 1 || len(st.Pending) != 0 {
			t.Errorf("%s: state moved: %+v", c.name, st)
		}
	}
	// The good batch still applies afterwards.
	f.mustBatch(good())
	if st := f.r.Status(); st.Seq != 2 || st.Records != 3 {
		t.Fatalf("good batch after bad ones: %+v", st)
	}
}

func testKeysOther(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "another key entirely")
	priv := ed25519.NewKeyFromSeed(seed)
	return priv.Public().(ed25519.PublicKey), priv
}

func mustSealBytes(t *testing.T, priv ed25519.PrivateKey, inner string) []byte {
	raw, err := wire.SealBytes(testKeyID, priv, []byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCodecRoundTrip(t *testing.T) {
	for i := 0; i < 50; i++ {
		r := synRecord(i, int64(i+1))
		if i%3 == 0 {
			r.TrustedTraveler = nil
			r.RequireCard = true
		}
		var got wire.AuthzRecord
		if err := decodeRecord(encodeRecord(&r), &got); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("round trip\n%s\n%s", a, b)
		}
	}
	if err := decodeRecord([]byte{1, 200}, new(wire.AuthzRecord)); err == nil {
		t.Fatal("corrupt record decoded")
	}
}

func TestReadOnlyWhileHeld(t *testing.T) {
	f := newFixture(t)
	_, err := Open(Options{Path: f.path, ReadOnly: true})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("read-only open while the writer holds the file: %v", err)
	}
	f.r.Close()
	ro, err := Open(Options{Path: f.path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	f.open()
}

type flakySync struct {
	syncRecorder
	fails int
}

func (s *flakySync) RequestSync(ctx context.Context, from uint64) error {
	s.mu.Lock()
	if s.fails > 0 {
		s.fails--
		s.mu.Unlock()
		return errors.New("not connected")
	}
	s.mu.Unlock()
	return s.syncRecorder.RequestSync(ctx, from)
}

func TestStartRetriesUntilTheLinkTakesIt(t *testing.T) {
	kr, _ := testKeys(t)
	fs := &flakySync{fails: 3}
	r, err := Open(Options{Path: filepath.Join(t.TempDir(), DirName), Keys: kr, Sync: fs, checkEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- r.Start(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(fs.asked()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Start returned %v", err)
	}
	if got := fs.asked(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("asked %v, want one request from 0 (then rate limited)", got)
	}
	if st := r.Status(); st.Stats.SyncErrors != 3 {
		t.Fatalf("sync errors %d", st.Stats.SyncErrors)
	}
}

// TestStubRoundTrip checks the record stub: version and index key
// prefixes, the first document's first; a record's bytes are not a stub.
func TestStubRoundTrip(t *testing.T) {
	r := synRecord(5, 2)
	r.Version = 1 << 40
	prefixes := recordPrefixes(&r, nil)
	var s recordStub
	if err := decodeStub(encodeStub(r.Version, prefixes), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != r.Version || len(s.Prefixes) != len(prefixes) {
		t.Fatalf("stub %+v, want version %d and %d prefixes", s, r.Version, len(prefixes))
	}
	for i := range prefixes {
		if string(s.Prefixes[i]) != string(prefixes[i]) {
			t.Fatalf("prefix %d: %q, want %q", i, s.Prefixes[i], prefixes[i])
		}
	}
	if s.Prefixes[0][0] != famDoc {
		t.Fatalf("first prefix %q is not a document's", s.Prefixes[0])
	}
	if err := decodeStub(encodeRecord(&r), &s); err == nil {
		t.Fatal("a record decoded as a stub")
	}
	if err := decodeRecord(encodeStub(r.Version, prefixes), new(wire.AuthzRecord)); err == nil {
		t.Fatal("a stub decoded as a record")
	}
}

// TestOtherFormatReplaced: a replica written by a build with another
// layout (an upgrade or a rollback) is refused by the read-only CLI and
// deleted by the agent, which starts empty and asks for everything.
func TestOtherFormatReplaced(t *testing.T) {
	f := newFixture(t)
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1), rec(2, 1)}})
	if err := f.r.st.db.Set(kFormat, []byte("3"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Path: f.path, ReadOnly: true}); err == nil || !strings.Contains(err.Error(), `format "3"`) {
		t.Fatalf("read-only open of a format-3 replica: %v", err)
	}
	f.open()
	if st := f.r.Status(); st.Seq != 0 || st.Records != 0 {
		t.Fatalf("after replacing the old replica: seq %d, %d records", st.Seq, st.Records)
	}
	if got, err := f.r.ByID(rec(1, 1).AuthorizationID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a record of the old replica survived: %v %v", got, err)
	}
	f.startUpkeep()
}

// TestGapAfterAReplayAsksAgain: a replay ended before the batches now
// missing existed, and the next live batch opens a gap right after it.
// The request held back then (batches were being applied) goes out once
// gapWindow passed with nothing applied, not a whole SyncRetry later.
func TestGapAfterAReplayAsksAgain(t *testing.T) {
	f := newFixture(t)
	f.startUpkeep()
	f.mustBatch(wire.AuthzBatch{Seq: 1, Records: []wire.AuthzRecord{rec(1, 1)}})
	f.clock.t = f.clock.t.Add(10 * time.Second)
	f.mustBatch(wire.AuthzBatch{Seq: 3, Records: []wire.AuthzRecord{rec(3, 1)}})
	f.mustBatch(wire.AuthzBatch{Seq: 2, Records: []wire.AuthzRecord{rec(2, 1)}})
	f.mustBatch(wire.AuthzBatch{Seq: 6, Records: []wire.AuthzRecord{rec(6, 1)}})
	if !slices.Equal(f.sync.asked(), []uint64{0, 2}) {
		t.Fatalf("sync requests %v, want [0 2] (the gap at 4 is held back while batches apply)", f.sync.asked())
	}
	f.clock.t = f.clock.t.Add(gapWindow + time.Second)
	if err := f.upkeepUntil(3); err != nil || !slices.Equal(f.sync.asked(), []uint64{0, 2, 4}) {
		t.Fatalf("after gapWindow: sync requests %v (%v), want [0 2 4]", f.sync.asked(), err)
	}
}
