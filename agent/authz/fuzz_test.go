package authz

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// FuzzParseBatch feeds arbitrary payloads to the batch decoder and the
// record validation: they must never panic, and whatever they accept must
// satisfy the schema and survive the store's codec unchanged.
func FuzzParseBatch(f *testing.F) {
	good, _ := json.Marshal(wire.AuthzBatch{Seq: 7, IssuedAt: "2026-11-26T09:00:00.000Z",
		Records: []wire.AuthzRecord{synRecord(1, 1), synRecord(2, 3)}, Removed: []string{"XPT-2026-0000999"}})
	f.Add(good)
	f.Add([]byte(`{"seq":1,"issuedAt":"2026-11-26T09:00:00Z","records":[]}`))
	f.Add([]byte(`{"seq":1,"issuedAt":"2026-11-26T09:00:00Z","records":[{"authorizationId":"X","version":1}]}`))
	f.Add([]byte(`{"seq":-1}`))
	f.Add([]byte(`{"seq":1,"issuedAt":"2026-11-26T09:00:00Z","records":[null],"removed":[""]}`))
	f.Add([]byte(`{"seq":18446744073709551615,"issuedAt":"2026-11-26T09:00:00.000+01:00","records":{}}`))
	f.Fuzz(func(t *testing.T, inner []byte) {
		b, err := parseBatch(inner, 1000)
		if err != nil {
			if _, ok := err.(*wire.RejectError); !ok {
				t.Fatalf("not a RejectError: %T %v", err, err)
			}
			return
		}
		for _, c := range b.changes {
			if err := ValidateRecord(c.rec); err != nil {
				t.Fatalf("accepted an invalid record: %v", err)
			}
			var back wire.AuthzRecord
			if err := decodeRecord(c.raw, &back); err != nil {
				t.Fatalf("stored form does not decode: %v", err)
			}
			x, _ := json.Marshal(c.rec)
			y, _ := json.Marshal(&back)
			if string(x) != string(y) {
				t.Fatalf("codec changed the record:\n%s\n%s", x, y)
			}
		}
		for _, id := range b.removed {
			if !ValidAuthorizationID(id) {
				t.Fatalf("accepted removal of %q", id)
			}
		}
	})
}

// FuzzDecodeRecord feeds arbitrary bytes to the stored-record decoder (a
// damaged file must give an error, not a panic).
func FuzzDecodeRecord(f *testing.F) {
	r := synRecord(3, 2)
	f.Add(encodeRecord(&r))
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var rec wire.AuthzRecord
		_ = decodeRecord(b, &rec)
	})
}

// FuzzDecodeStub feeds arbitrary bytes to the record-stub decoder: a
// damaged stub gives an error, never a panic, and whatever decodes
// encodes back to the same bytes.
func FuzzDecodeStub(f *testing.F) {
	r := synRecord(3, 2)
	f.Add(encodeStub(r.Version, recordPrefixes(&r, nil)))
	f.Add([]byte{stubCodec})
	f.Add([]byte{stubCodec, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s recordStub
		if decodeStub(b, &s) != nil {
			return
		}
		if again := encodeStub(s.Version, s.Prefixes); !bytes.Equal(again, b) {
			// Varints have one canonical form each; a longer one is the
			// only way two encodings decode alike.
			var t2 recordStub
			if err := decodeStub(again, &t2); err != nil || t2.Version != s.Version || len(t2.Prefixes) != len(s.Prefixes) {
				t.Fatalf("stub %x decodes to %+v, which encodes to %x", b, s, again)
			}
		}
	})
}

// FuzzBatchFastMatchesSlow checks the one-pass batch reader against the
// encoding/json path: whenever the fast path reads a batch and its records
// decode, the slow path reads the same batch, and the input is valid JSON;
// when the records do not decode, the slow path refuses the batch too.
func FuzzBatchFastMatchesSlow(f *testing.F) {
	good, _ := json.Marshal(wire.AuthzBatch{Seq: 7, IssuedAt: "2026-11-26T09:00:00.000Z",
		Records: []wire.AuthzRecord{synRecord(1, 1), synRecord(2, 3)}, Removed: []string{"XPT-2026-0000999"}})
	f.Add(good)
	indented, _ := json.MarshalIndent(wire.AuthzBatch{Seq: 8, IssuedAt: "2026-11-26T09:00:00Z", Records: []wire.AuthzRecord{synRecord(5, 1)}}, " ", "\t")
	f.Add(indented)
	f.Add([]byte(`{"seq":1,"issuedAt":"2026-11-26T09:00:00Z","records":[]}`))
	f.Add([]byte(`{"records":[{"authorizationId":"A\"]}"}, {}],"seq":0}`))
	f.Add([]byte(`{"seq":1,"records":[{} {}]}`))
	f.Add([]byte(`{"seq":1,"records":[{},]}`))
	f.Add([]byte(`{"seq":1,"records":[{"version":1}}]}`))
	f.Add([]byte(`{"seq":1,"seq":2}`))
	f.Add([]byte(`{"seq":1,"removed":["A","B"]} x`))
	f.Fuzz(func(t *testing.T, inner []byte) {
		fb, ok := decodeBatchFast(inner)
		if !ok {
			return
		}
		var fastRecs []*wire.AuthzRecord
		var fastErr error
		if fb.records != nil {
			fastRecs, fastErr = decodeRecordElems(fb.records, -1)
		}
		var (
			seq      *uint64
			issuedAt string
			recs     []*wire.AuthzRecord
			removed  []string
		)
		slowErr := decodeBatchSlow(inner, 0, &seq, &issuedAt, &recs, &removed)
		if fastErr != nil {
			if slowErr == nil {
				t.Fatalf("fast path refused records the slow path read: %v", fastErr)
			}
			return
		}
		if slowErr != nil {
			t.Fatalf("fast path read a batch the slow path refuses: %v", slowErr)
		}
		if !json.Valid(inner) {
			t.Fatal("fast path read invalid JSON")
		}
		if seq == nil || *seq != fb.seq || issuedAt != fb.issuedAt || !reflect.DeepEqual(removed, fb.removed) {
			t.Fatalf("fast (%d %q %q) and slow (%v %q %q) differ", fb.seq, fb.issuedAt, fb.removed, seq, issuedAt, removed)
		}
		if !reflect.DeepEqual(recs, fastRecs) {
			t.Fatalf("records differ:\nfast %+v\nslow %+v", fastRecs, recs)
		}
	})
}
