package authz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// FileName is the replica's file inside the kiosk's data directory.
const FileName = "authz.db"

// formatVersion is written in the meta bucket; Open refuses other values.
const formatVersion = "1"

// Bucket and meta key names. The layout is in docs/authz.md.
var (
	bMeta = []byte("meta")
	bRec  = []byte("rec")  // authorizationId → record JSON
	bDoc  = []byte("doc")  // issuingState 0 number 0 authorizationId → ""
	bCard = []byte("card") // cardTag 0 authorizationId → ""
	bMem  = []byte("mem")  // membershipId 0 authorizationId → ""

	kFormat   = []byte("format")
	kSeq      = []byte("seq")      // uint64 BE, absent until the first batch
	kCount    = []byte("count")    // uint64 BE
	kLastSync = []byte("lastSync") // int64 BE unix milliseconds
)

// ErrNotFound is returned by ByID for an unknown authorization.
var ErrNotFound = errors.New("authz: no such authorization")

// ErrLocked is returned by Open when another process (the running agent)
// holds the replica.
var ErrLocked = errors.New("authz: the replica is in use by another process (is the agent running?)")

// store is the bbolt file and its layout; Replica adds the batch rules.
type store struct {
	db   *bolt.DB
	path string
}

type storeOptions struct {
	ReadOnly        bool
	InitialMmapSize int
	PageSize        int
	Timeout         time.Duration
}

func openStore(path string, o storeOptions) (*store, error) {
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("authz: no replica at %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         o.Timeout,
		ReadOnly:        o.ReadOnly,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: o.InitialMmapSize,
		PageSize:        o.PageSize,
		// The freelist is synced so that a restart reads it instead of
		// walking ten million records' worth of pages (restart < 1 s).
		NoFreelistSync: false,
	})
	if err != nil {
		if errors.Is(err, bolterr.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("authz: open %s: %w", path, err)
	}
	s := &store{db: db, path: path}
	if o.ReadOnly {
		err = db.View(func(tx *bolt.Tx) error { return checkFormat(tx) })
	} else {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bMeta, bRec, bDoc, bCard, bMem} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			m := tx.Bucket(bMeta)
			if m.Get(kFormat) == nil {
				return m.Put(kFormat, []byte(formatVersion))
			}
			return checkFormat(tx)
		})
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func checkFormat(tx *bolt.Tx) error {
	m := tx.Bucket(bMeta)
	if m == nil {
		return fmt.Errorf("authz: %s is not an authorization replica (no meta bucket)", tx.DB().Path())
	}
	if f := m.Get(kFormat); string(f) != formatVersion {
		return fmt.Errorf("authz: replica format %q, this build reads %q", f, formatVersion)
	}
	return nil
}

func (s *store) close() error { return s.db.Close() }

// meta is what the meta bucket holds.
type meta struct {
	HasSeq   bool
	Seq      uint64
	Count    int64
	LastSync time.Time
}

func readMeta(tx *bolt.Tx) meta {
	var m meta
	b := tx.Bucket(bMeta)
	if v := b.Get(kSeq); len(v) == 8 {
		m.HasSeq, m.Seq = true, binary.BigEndian.Uint64(v)
	}
	if v := b.Get(kCount); len(v) == 8 {
		m.Count = int64(binary.BigEndian.Uint64(v))
	}
	if v := b.Get(kLastSync); len(v) == 8 {
		m.LastSync = time.UnixMilli(int64(binary.BigEndian.Uint64(v))).UTC()
	}
	return m
}

func writeMeta(tx *bolt.Tx, m meta) error {
	b := tx.Bucket(bMeta)
	if m.HasSeq {
		if err := b.Put(kSeq, be64(m.Seq)); err != nil {
			return err
		}
	}
	if err := b.Put(kCount, be64(uint64(m.Count))); err != nil {
		return err
	}
	if !m.LastSync.IsZero() {
		return b.Put(kLastSync, be64(uint64(m.LastSync.UnixMilli())))
	}
	return nil
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// Index keys: the looked-up value, a 0 byte, the authorization ID. None of
// the parts can hold a 0 byte (the schema forbids it), so a prefix scan
// over "value 0" finds every record that mentions the value.
func docPrefix(state, number string) []byte {
	k := make([]byte, 0, len(state)+len(number)+2)
	k = append(k, state...)
	k = append(k, 0)
	k = append(k, number...)
	return append(k, 0)
}

func indexKey(prefix []byte, id string) []byte {
	k := make([]byte, 0, len(prefix)+len(id))
	k = append(k, prefix...)
	return append(k, id...)
}

func valuePrefix(v string) []byte {
	k := make([]byte, 0, len(v)+1)
	k = append(k, v...)
	return append(k, 0)
}

// indexEntry is one key to put in or delete from an index bucket.
type indexEntry struct {
	bucket int // 0 doc, 1 card, 2 mem
	key    []byte
}

func recordIndex(r *wire.AuthzRecord, out []indexEntry) []indexEntry {
	first := len(out)
	for _, d := range r.Documents {
		k := indexKey(docPrefix(d.IssuingState, d.Number), r.AuthorizationID)
		// A record listing one document twice indexes it once.
		if slices.ContainsFunc(out[first:], func(e indexEntry) bool { return bytes.Equal(e.key, k) }) {
			continue
		}
		out = append(out, indexEntry{0, k})
	}
	if tt := r.TrustedTraveler; tt != nil {
		if tt.CardTag != "" {
			out = append(out, indexEntry{1, indexKey(valuePrefix(tt.CardTag), r.AuthorizationID)})
		}
		if tt.MembershipID != "" {
			out = append(out, indexEntry{2, indexKey(valuePrefix(tt.MembershipID), r.AuthorizationID)})
		}
	}
	return out
}

// change is one record of a batch, ready to apply.
type change struct {
	id  string
	rec *wire.AuthzRecord
	raw []byte // encodeRecord(rec), what is stored
}

// applyResult counts what one apply did.
type applyResult struct {
	Inserted, Updated, Stale, Removed, Absent int
}

// apply writes one batch and the new meta in one transaction: all or
// nothing, made durable (fsync) before it returns.
func (s *store) apply(changes []change, removed []string, m meta) (applyResult, meta, error) {
	var res applyResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		cur := readMeta(tx)
		recB := tx.Bucket(bRec)
		// Authorization IDs mostly arrive in increasing order: fill pages.
		recB.FillPercent = 0.9
		idx := [3]*bolt.Bucket{tx.Bucket(bDoc), tx.Bucket(bCard), tx.Bucket(bMem)}
		var dels, puts []indexEntry
		count := cur.Count
		for _, c := range changes {
			old := recB.Get([]byte(c.id))
			if old != nil {
				var o wire.AuthzRecord
				if err := decodeRecord(old, &o); err == nil {
					if o.Version >= c.rec.Version {
						res.Stale++
						continue
					}
					dels = recordIndex(&o, dels)
				}
				res.Updated++
			} else {
				res.Inserted++
				count++
			}
			if err := recB.Put([]byte(c.id), c.raw); err != nil {
				return err
			}
			puts = recordIndex(c.rec, puts)
		}
		for _, id := range removed {
			old := recB.Get([]byte(id))
			if old == nil {
				res.Absent++
				continue
			}
			var o wire.AuthzRecord
			if err := decodeRecord(old, &o); err == nil {
				dels = recordIndex(&o, dels)
			}
			if err := recB.Delete([]byte(id)); err != nil {
				return err
			}
			res.Removed++
			count--
		}
		// Sorted keys: each index page is visited once, in order.
		sortEntries(dels)
		sortEntries(puts)
		for _, e := range dels {
			if err := idx[e.bucket].Delete(e.key); err != nil {
				return err
			}
		}
		for _, e := range puts {
			if err := idx[e.bucket].Put(e.key, nil); err != nil {
				return err
			}
		}
		m.Count = count
		return writeMeta(tx, m)
	})
	if err != nil {
		return applyResult{}, meta{}, err
	}
	return res, m, nil
}

func sortEntries(es []indexEntry) {
	slices.SortFunc(es, func(a, b indexEntry) int {
		if a.bucket != b.bucket {
			return a.bucket - b.bucket
		}
		return bytes.Compare(a.key, b.key)
	})
}

func (s *store) setLastSync(t time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kLastSync, be64(uint64(t.UnixMilli())))
	})
}

func (s *store) meta() (meta, error) {
	var m meta
	err := s.db.View(func(tx *bolt.Tx) error { m = readMeta(tx); return nil })
	return m, err
}

// lookup collects the records whose index key starts with prefix.
func lookupTx(tx *bolt.Tx, bucket []byte, prefix []byte, out []wire.AuthzRecord, seen map[string]bool) ([]wire.AuthzRecord, error) {
	c := tx.Bucket(bucket).Cursor()
	recB := tx.Bucket(bRec)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id := k[len(prefix):]
		if seen != nil {
			if seen[string(id)] {
				continue
			}
			seen[string(id)] = true
		}
		v := recB.Get(id)
		if v == nil {
			return out, fmt.Errorf("authz: index %s names a missing record", bucket)
		}
		var r wire.AuthzRecord
		if err := decodeRecord(v, &r); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
