package authz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// DirName is the replica's directory inside the kiosk's data directory.
const DirName = "authz"

// formatVersion is written under kFormat. A read-only Open refuses other
// values; a read-write one deletes such a replica and starts empty. Format
// 1 was a bbolt file (authz.db); format 2 this Pebble directory with empty
// document index values; format 3 kept each record under its ID and in its
// document index entries; format 4 keeps it in its document and card index
// entries, and under its ID only a stub (version and index keys).
const formatVersion = "4"

// Keys. One keyspace, each family behind its own lower-case byte; the
// layout is in docs/authz.md. Authorization IDs, states, numbers, card tags
// and membership IDs are upper case and never hold a 0 byte (the schema),
// so the families never mix and "value 0" prefixes never collide.
const (
	famMeta = 'M' // M name → value
	famRec  = 'r' // r authorizationId → stub: version and index keys (codec.go)
	famDoc  = 'd' // d issuingState 0 number 0 authorizationId → record (codec 1)
	famCard = 'c' // c cardTag 0 authorizationId → record (codec 1)
	famMem  = 'm' // m membershipId 0 authorizationId → ""
)

var (
	kFormat   = []byte("Mformat")
	kSeq      = []byte("Mseq")      // uint64 BE, absent until the first batch
	kCount    = []byte("Mcount")    // uint64 BE
	kLastSync = []byte("MlastSync") // int64 BE unix milliseconds
)

// ErrNotFound is returned by ByID for an unknown authorization.
var ErrNotFound = errors.New("authz: no such authorization")

// ErrLocked is returned by Open when another process (the running agent)
// holds the replica.
var ErrLocked = errors.New("authz: the replica is in use by another process (is the agent running?)")

// splitKey is the comparer's Split: the part of a key that bloom filters
// and prefix seeks work on. For an index key it is everything up to and
// including the last 0 byte ("the looked-up value 0"), so that a look-up
// by document, card or membership consults only the files whose filter may
// hold that value; for a record or meta key it is the whole key.
//
// Pebble's rules for Split hold because the comparison is bytewise and no
// part of a key holds a 0 byte: two keys with different prefixes differ at
// or before the prefix's closing 0, and a suffix (an authorization ID,
// upper case) is itself a whole key.
func splitKey(k []byte) int {
	if len(k) > 0 && (k[0] == famDoc || k[0] == famCard || k[0] == famMem) {
		if i := bytes.LastIndexByte(k, 0); i >= 0 {
			return i + 1
		}
	}
	return len(k)
}

// separator and successor shorten the keys Pebble writes into index blocks
// without breaking Split: Pebble requires every key it compares, separators
// included, to order as "prefix bytewise, then suffix". Pebble's default
// shortening can cut an index key inside its looked-up value ("d AUS 0 W5ZP…
// 0 ID" against "d AUS 0 Z…" gives "d AUS 0 Z"), whose Split then names a
// different value. So an index key keeps its whole prefix and only its
// suffix (the authorization ID, which holds no 0 byte) is shortened, and
// any other shortened key that would look like a partial index key is not
// shortened at all.
func separator(dst, a, b []byte) []byte {
	pa, pb := splitKey(a), splitKey(b)
	if pa < len(a) {
		n := len(dst)
		dst = append(dst, a[:pa]...)
		if bytes.Equal(a[:pa], b[:pb]) {
			if pb == len(b) {
				return append(dst, a[pa:]...)
			}
			return pebble.DefaultComparer.Separator(dst, a[pa:], b[pb:])
		}
		// b has a greater prefix: any suffix after a's prefix stays below it.
		dst = pebble.DefaultComparer.Successor(dst, a[pa:])
		return keepWhole(dst, n, a)
	}
	n := len(dst)
	return keepWhole(pebble.DefaultComparer.Separator(dst, a, b), n, a)
}

func successor(dst, a []byte) []byte {
	n := len(dst)
	if pa := splitKey(a); pa < len(a) {
		return pebble.DefaultComparer.Successor(append(dst, a[:pa]...), a[pa:])
	}
	return keepWhole(pebble.DefaultComparer.Successor(dst, a), n, a)
}

// keepWhole returns dst with the shortened key dst[n:] replaced by a when
// the shortened key is not a safe key: an index-family key whose Split is
// not its whole length must have as many 0 bytes as a full index key of
// its family.
func keepWhole(dst []byte, n int, a []byte) []byte {
	if safeKey(dst[n:]) {
		return dst
	}
	return append(dst[:n], a...)
}

func safeKey(k []byte) bool {
	if len(k) == 0 || splitKey(k) == len(k) {
		return true
	}
	want := 1
	if k[0] == famDoc {
		want = 2
	}
	return bytes.Count(k, []byte{0}) == want
}

var comparer = func() *pebble.Comparer {
	c := *pebble.DefaultComparer
	c.Split = splitKey
	c.Separator = separator
	c.Successor = successor
	c.ImmediateSuccessor = func(dst, a []byte) []byte { return append(append(dst, a...), 0) }
	c.Name = "xpt-authz.v1"
	return &c
}()

// store is the Pebble directory and its layout; Replica adds the batch
// rules.
type store struct {
	db       *pebble.DB
	path     string
	readOnly bool
	sealed   bool // its files are encrypted (encfs.go)
}

type storeOptions struct {
	ReadOnly   bool
	CacheBytes int64
	Log        *slog.Logger
	Key        []byte // the storage key: sealed at rest (encfs.go)
}

// Sizes chosen for a kiosk (measured in docs/authz.md): the block cache
// holds the bloom filters and index blocks of ten million records with
// room for hot data blocks, two memtables bound what a crash replays.
const (
	defaultCacheBytes = 96 << 20
	memTableBytes     = 32 << 20
	indexBlockBytes   = 256 << 10
)

func pebbleOptions(o storeOptions, fs vfs.FS) *pebble.Options {
	po := &pebble.Options{
		Comparer:           comparer,
		FormatMajorVersion: pebble.FormatValueSeparation,
		CacheSize:          o.CacheBytes,
		MemTableSize:       memTableBytes,
		MaxOpenFiles:       1000,
		ReadOnly:           o.ReadOnly,
		FS:                 writeBufferFS{fs},
		Logger:             pebbleLogger{o.Log},
		// A block whose checksum fails (a changed or decayed file, or a
		// sealed file changed by someone without the key) is an error
		// for the read that met it, which then fails closed (the
		// traveler is referred), and an error in the log; not Pebble's
		// default of ending the process, which would restart-loop the
		// agent on a replica it could have re-synchronised.
		EventListener: &pebble.EventListener{
			DataCorruption: func(info pebble.DataCorruptionInfo) {
				o.Log.Error("authz store: on-disk corruption", "file", info.Path, "err", info.Details)
			},
		},
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
		// One index block per table instead of a two-level index: a
		// look-up then finds its data block with one cached block instead
		// of two, most of which the data blocks would evict (measured:
		// 20-25% off look-up times at ten million records).
		po.Levels[i].IndexBlockSize = indexBlockBytes
	}
	// Two compactions at most: the kiosk has other work for its cores.
	po.CompactionConcurrencyRange = func() (int, int) { return 1, 2 }
	return po
}

func openStore(path string, o storeOptions) (*store, error) {
	if o.CacheBytes <= 0 {
		o.CacheBytes = defaultCacheBytes
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("authz: %s is a file, not a replica directory (an old format-1 replica? move it away; the replica resyncs from the central system)", path)
	case err != nil && o.ReadOnly:
		return nil, fmt.Errorf("authz: no replica at %s: %w", path, err)
	}
	if !o.ReadOnly {
		if err := finishReseal(path); err != nil {
			return nil, err
		}
	}
	state, err := probeFiles(path, o.Key)
	if err != nil {
		return nil, err
	}
	if state == filesInClear && len(o.Key) > 0 {
		if o.ReadOnly {
			return nil, fmt.Errorf("%w (%s)", errInClear, path)
		}
		err := reseal(path, o)
		if errors.Is(err, errRecordSealed) {
			err = dropRecordSealed(path, o)
		}
		if err != nil {
			return nil, err
		}
		return openStore(path, o)
	}
	var fs vfs.FS = vfs.Default
	if len(o.Key) > 0 {
		if fs, err = newSealFS(vfs.Default, o.Key); err != nil {
			return nil, err
		}
	}
	db, err := pebble.Open(path, pebbleOptions(o, fs))
	if err != nil && pebble.IsCorruptionError(err) && !o.ReadOnly {
		return rebuildCorrupt(path, o, err)
	}
	if err != nil {
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EWOULDBLOCK) ||
			bytes.Contains([]byte(err.Error()), []byte("lock held by current process")) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("authz: open %s: %w", path, err)
	}
	s := &store{db: db, path: path, readOnly: o.ReadOnly, sealed: len(o.Key) > 0}
	f, ok, err := s.get(kFormat)
	switch {
	case err != nil:
	case !ok && o.ReadOnly:
		err = fmt.Errorf("authz: %s is not an authorization replica (no format mark)", path)
	case !ok:
		err = db.Set(kFormat, []byte(formatVersion), pebble.Sync)
	case string(f) != formatVersion && o.ReadOnly:
		err = fmt.Errorf("authz: replica format %q, this build reads %q (the agent replaces it when it starts)", f, formatVersion)
	case string(f) != formatVersion:
		// A replica of another format (an upgrade or a rollback of the
		// agent) is a copy of the central system's data in a layout this
		// build cannot read: it is deleted, personal data and all, and the
		// replica starts empty and resyncs (the agent refers travelers
		// until it has).
		db.Close()
		o.Log.Warn("authz: replica of another format deleted; resyncing from the central system",
			"path", path, "format", string(f), "want", formatVersion)
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("authz: delete replica of format %q at %s: %w", f, path, err)
		}
		return openStore(path, o)
	}
	if err == nil && !s.sealed {
		var recordSealed bool
		if _, recordSealed, err = s.get(kSeal); err == nil && recordSealed {
			if o.ReadOnly {
				err = fmt.Errorf("%w (%s)", errRecordSealed, path)
			} else {
				db.Close()
				if err := dropRecordSealed(path, o); err != nil {
					return nil, err
				}
				return openStore(path, o)
			}
		}
	}
	if err != nil && pebble.IsCorruptionError(err) && !o.ReadOnly {
		db.Close()
		return rebuildCorrupt(path, o, err)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// rebuildCorrupt deletes a replica whose files fail their checksums (a
// changed or decayed file; with a storage key, a sealed file changed by
// someone who does not hold the key) and opens an empty one in its place,
// which resyncs from the central system; the agent refers travelers until
// it has. A replica is a copy: starting over loses nothing, where stopping
// would keep the kiosk down on a restart loop.
func rebuildCorrupt(path string, o storeOptions, cause error) (*store, error) {
	o.Log.Error("authz: replica damaged (checksums fail); deleted, resyncing from the central system",
		"path", path, "err", cause)
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("authz: delete damaged replica at %s: %w (it was: %v)", path, err, cause)
	}
	return openStore(path, o)
}

// close flushes the memtable first, so that the next open has no log to
// replay (restart well under a second), then closes.
func (s *store) close() error {
	var ferr error
	if !s.readOnly {
		ferr = s.db.Flush()
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	return ferr
}

// get returns a copy of the value at k.
func (s *store) get(k []byte) ([]byte, bool, error) {
	v, c, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := slices.Clone(v)
	c.Close()
	return out, true, nil
}

// meta is what the meta keys hold.
type meta struct {
	HasSeq   bool
	Seq      uint64
	Count    int64
	LastSync time.Time
}

func (s *store) meta() (meta, error) {
	var m meta
	for _, k := range [][]byte{kSeq, kCount, kLastSync} {
		v, ok, err := s.get(k)
		if err != nil {
			return meta{}, err
		}
		if !ok {
			continue
		}
		if len(v) != 8 {
			return meta{}, fmt.Errorf("authz: meta %s is corrupt", k[1:])
		}
		u := binary.BigEndian.Uint64(v)
		switch {
		case bytes.Equal(k, kSeq):
			m.HasSeq, m.Seq = true, u
		case bytes.Equal(k, kCount):
			m.Count = int64(u)
		default:
			m.LastSync = time.UnixMilli(int64(u)).UTC()
		}
	}
	return m, nil
}

func writeMeta(b *pebble.Batch, m meta) error {
	if m.HasSeq {
		if err := b.Set(kSeq, be64(m.Seq), nil); err != nil {
			return err
		}
	}
	if err := b.Set(kCount, be64(uint64(m.Count)), nil); err != nil {
		return err
	}
	if !m.LastSync.IsZero() {
		return b.Set(kLastSync, be64(uint64(m.LastSync.UnixMilli())), nil)
	}
	return nil
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// recKey is the key of a record's stub; kid is its authorization ID as
// keys hold it (sealer.idKey).
func recKey(kid []byte) []byte {
	k := make([]byte, 0, 1+len(kid))
	k = append(k, famRec)
	return append(k, kid...)
}

// Index keys: family, the looked-up value, a 0 byte, the authorization ID.
// A prefix seek over "family value 0" finds every record that mentions
// the value.
func docPrefix(state, number string) []byte {
	k := make([]byte, 0, len(state)+len(number)+3)
	k = append(k, famDoc)
	k = append(k, state...)
	k = append(k, 0)
	k = append(k, number...)
	return append(k, 0)
}

func valuePrefix(fam byte, v string) []byte {
	k := make([]byte, 0, len(v)+2)
	k = append(k, fam)
	k = append(k, v...)
	return append(k, 0)
}

func indexKey(prefix []byte, kid []byte) []byte {
	k := make([]byte, 0, len(prefix)+len(kid))
	k = append(k, prefix...)
	return append(k, kid...)
}

// recordPrefixes appends the index key prefixes of r to out ("family
// value 0"; the index key adds the authorization ID), its first
// document's first. Every record lists a document (the schema).
func recordPrefixes(r *wire.AuthzRecord, out [][]byte) [][]byte {
	first := len(out)
	for _, d := range r.Documents {
		k := docPrefix(d.IssuingState, d.Number)
		// A record listing one document twice indexes it once.
		if slices.ContainsFunc(out[first:], func(e []byte) bool { return bytes.Equal(e, k) }) {
			continue
		}
		out = append(out, k)
	}
	if tt := r.TrustedTraveler; tt != nil {
		if tt.CardTag != "" {
			out = append(out, valuePrefix(famCard, tt.CardTag))
		}
		if tt.MembershipID != "" {
			out = append(out, valuePrefix(famMem, tt.MembershipID))
		}
	}
	return out
}

// carriesRecord says whether an index entry of the family holds the whole
// record: document and card entries do, so that the kiosk's look-ups (by
// the passport read, by the card tapped) read one block each; membership
// entries are empty and lead to the record through its stub.
func carriesRecord(fam byte) bool { return fam == famDoc || fam == famCard }

// change is one record of a batch, ready to apply.
type change struct {
	id  string
	rec *wire.AuthzRecord
	raw []byte // encodeRecord(rec), what is stored
	kid []byte // id as keys hold it (apply sets it)
}

// applyResult counts what one apply did.
type applyResult struct {
	Inserted, Updated, Stale, Removed, Absent int
}

// op is one write of a batch: a Set, or a Delete when del.
type op struct {
	key, val []byte
	del      bool
	n        int // position in the batch: the later write of a key wins
}

// apply writes one batch and the new meta as one Pebble batch: all or
// nothing, made durable (the write-ahead log is fdatasync'd) before it
// returns. The caller is the only writer.
func (s *store) apply(changes []change, removed []string, m meta) (applyResult, meta, error) {
	var res applyResult
	// m is the replica's meta as of the last commit (the caller is the only
	// writer), so the count goes on from there without reading it back.
	count := m.Count
	ops := make([]op, 0, 6*len(changes)+4*len(removed))
	// The stored stubs are read through one iterator, in key order:
	// Pebble then goes on from where the previous seek ended instead of
	// building a new iterator stack per record as a Get does (measured:
	// 11% of the CPU of a delta into ten million records went to Gets).
	it, err := s.db.NewIter(nil)
	if err != nil {
		return res, meta{}, err
	}
	defer it.Close()
	// old reads the stub stored at k into stub; found is false when there
	// is none, decoded false when it does not decode (the record is
	// replaced, but its index keys are unknown).
	var stub recordStub
	old := func(k []byte) (found, decoded bool, err error) {
		if !it.SeekPrefixGE(k) || !bytes.Equal(it.Key(), k) {
			return false, false, it.Error()
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return false, false, err
		}
		return true, decodeStub(v, &stub) == nil, nil
	}
	// deleteOld deletes the index keys of the stored record kid.
	deleteOld := func(kid []byte) {
		for _, p := range stub.Prefixes {
			ops = append(ops, op{key: indexKey(p, kid), del: true})
		}
	}
	// Changes and removals name distinct IDs (dedupe), so their order does
	// not change the result; they are taken in key order.
	changes = slices.Clone(changes)
	for i := range changes {
		changes[i].kid = []byte(changes[i].id)
	}
	slices.SortFunc(changes, func(a, b change) int { return bytes.Compare(a.kid, b.kid) })
	removedKeys := make([][]byte, len(removed))
	for i, id := range removed {
		removedKeys[i] = []byte(id)
	}
	slices.SortFunc(removedKeys, bytes.Compare)
	var prefixes [][]byte
	for _, c := range changes {
		k := recKey(c.kid)
		found, decoded, err := old(k)
		if err != nil {
			return res, meta{}, err
		}
		if found {
			if decoded {
				if stub.Version >= c.rec.Version {
					res.Stale++
					continue
				}
				deleteOld(c.kid)
			}
			res.Updated++
		} else {
			res.Inserted++
			count++
		}
		prefixes = recordPrefixes(c.rec, prefixes[:0])
		ops = append(ops, op{key: k, val: encodeStub(c.rec.Version, prefixes)})
		for _, p := range prefixes {
			w := op{key: indexKey(p, c.kid)}
			if carriesRecord(p[0]) {
				w.val = c.raw // the record rides along: see lookup
			}
			ops = append(ops, w)
		}
	}
	for _, kid := range removedKeys {
		k := recKey(kid)
		found, decoded, err := old(k)
		if err != nil {
			return res, meta{}, err
		}
		if !found {
			res.Absent++
			continue
		}
		if decoded {
			deleteOld(kid)
		}
		ops = append(ops, op{key: k, del: true})
		res.Removed++
		count--
	}
	// The memtable takes keys in order much faster than at random (its
	// skip list starts each search where the last one ended). Sorting is
	// by key then position, and only the last write of a key is kept, so
	// an index key that an update deletes and sets again stays set.
	for i := range ops {
		ops[i].n = i
	}
	slices.SortFunc(ops, func(a, b op) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.n - b.n
	})
	b := s.db.NewBatch()
	defer b.Close()
	for i, w := range ops {
		if i+1 < len(ops) && bytes.Equal(ops[i+1].key, w.key) {
			continue
		}
		if w.del {
			err = b.Delete(w.key, nil)
		} else {
			err = b.Set(w.key, w.val, nil)
		}
		if err != nil {
			return res, meta{}, err
		}
	}
	m.Count = count
	if err := writeMeta(b, m); err != nil {
		return res, meta{}, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return applyResult{}, meta{}, err
	}
	return res, m, nil
}

func (s *store) setLastSync(t time.Time) error {
	return s.db.Set(kLastSync, be64(uint64(t.UnixMilli())), pebble.Sync)
}

// diskBytes is the replica's footprint on disk.
func (s *store) diskBytes() int64 {
	return int64(s.db.Metrics().DiskSpaceUsage())
}

// reader answers one look-up from one Pebble iterator: an iterator reads
// one consistent state of the store, so a card entry and the record it
// names come from the same batch. Index keys and records are both found
// with a prefix seek (bloom filters skip the files without the value or
// the ID). (A snapshot would do the same at a
// higher price: closing one makes Pebble re-plan its compactions, measured
// at 6% of a look-up by card, and each Get builds its own iterator stack.)
type reader struct {
	db    *pebble.DB
	it    *pebble.Iterator
	key   []byte
	found [][]byte             // the IDs (as keys hold them) of what lookup returned
	skip  func(id []byte) bool // IDs lookup leaves out (already found)
}

func (rd *reader) iter() (*pebble.Iterator, error) {
	if rd.it == nil {
		it, err := rd.db.NewIter(nil)
		if err != nil {
			return nil, err
		}
		rd.it = it
	}
	return rd.it, nil
}

func (rd *reader) close() error {
	if rd.it == nil {
		return nil
	}
	return rd.it.Close()
}

// record decodes the record of id into r; false when there is none. The
// record is read from its first document's index entry, which the stub
// names.
func (rd *reader) record(id []byte, r *wire.AuthzRecord) (bool, error) {
	it, err := rd.iter()
	if err != nil {
		return false, err
	}
	rd.key = append(append(rd.key[:0], famRec), id...)
	if !it.SeekPrefixGE(rd.key) || !bytes.Equal(it.Key(), rd.key) {
		return false, it.Error()
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return false, err
	}
	var stub recordStub
	if err := decodeStub(v, &stub); err != nil {
		return false, err
	}
	if len(stub.Prefixes) == 0 || !carriesRecord(stub.Prefixes[0][0]) {
		return false, errCodec
	}
	rd.key = append(append(rd.key[:0], stub.Prefixes[0]...), id...)
	if !it.SeekPrefixGE(rd.key) || !bytes.Equal(it.Key(), rd.key) {
		if err := it.Error(); err != nil {
			return false, err
		}
		return false, fmt.Errorf("authz: the stub of %s names a missing index entry", id)
	}
	if v, err = it.ValueAndErr(); err != nil {
		return false, err
	}
	return true, decodeRecord(v, r)
}

// lookup appends the records whose index key starts with prefix, but for
// those rd.skip names.
func (rd *reader) lookup(prefix []byte, out []wire.AuthzRecord) ([]wire.AuthzRecord, error) {
	it, err := rd.iter()
	if err != nil {
		return out, err
	}
	var ids [][]byte
	for ok := it.SeekPrefixGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
		id := it.Key()[len(prefix):]
		if rd.skip != nil && rd.skip(id) {
			continue
		}
		if carriesRecord(prefix[0]) {
			// A document or card index entry holds its record: one block
			// read for each of the kiosk's look-ups instead of two.
			v, err := it.ValueAndErr()
			if err != nil {
				return out, err
			}
			var r wire.AuthzRecord
			if err := decodeRecord(v, &r); err != nil {
				return out, err
			}
			out = append(out, r)
			rd.found = append(rd.found, slices.Clone(id))
			continue
		}
		ids = append(ids, slices.Clone(id))
	}
	if err := it.Error(); err != nil {
		return out, err
	}
	for _, id := range ids {
		var r wire.AuthzRecord
		found, err := rd.record(id, &r)
		if err != nil {
			return out, err
		}
		if !found {
			return out, fmt.Errorf("authz: index %c names a missing record", prefix[0])
		}
		out = append(out, r)
		rd.found = append(rd.found, id)
	}
	return out, nil
}

// pebbleLogger sends Pebble's own messages to the agent's log: its
// routine chatter at debug level, its errors as errors.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug("authz store: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("authz store: " + fmt.Sprintf(format, args...))
}

// Fatalf is Pebble finding its own invariants broken; it exits, as
// Pebble's default logger does, and the service manager restarts the agent.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error("authz store: fatal: " + fmt.Sprintf(format, args...))
	os.Exit(70)
}
