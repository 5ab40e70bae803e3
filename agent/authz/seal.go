package authz

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
	"github.com/xpt-pilot/xpt-kiosk/internal/atrest"
)

// Encryption at rest (Options.Key, the kiosk's storage key; docs/authz.md
// "Sealed at rest"). With a key, nothing in the store names a person in
// clear:
//
//   - every looked-up value in a key (issuing state and document number,
//     card tag, membership ID) and every authorization ID is replaced by a
//     token: HMAC-SHA-256 under the index sub-key of the family byte and
//     the value, cut to 16 bytes and written in unpadded base64 (22 bytes,
//     never a 0 byte, so the comparer's Split works unchanged). Look-ups
//     hash what they look for and seek the token;
//   - every record value (document and card entries) is sealed with
//     AES-256-GCM under the value sub-key, the entry's whole key as
//     additional data: a value moved under another key does not open;
//   - stubs hold only a version and tokens, the meta keys only counters
//     and times: they stay as they are.
//
// Mseal holds a check of the index sub-key (a token of a fixed string), so
// that Open tells a wrong key from a right one before any look-up: a
// replica sealed under another key, or opened without one, is ErrKey,
// never garbage.

// ErrKey is a sealed replica opened without its storage key or with
// another one.
var ErrKey = errors.New("authz: the replica is sealed with another storage key (or none was given)")

// tokenLen is a token's length in a key: 16 bytes of HMAC in base64.
const (
	tokenBytes = 16
	tokenLen   = 22
)

var kSeal = []byte("Mseal")

// sealer seals a store's values and makes its tokens. Safe for concurrent
// use.
type sealer struct {
	aead   cipher.AEAD
	nonces atrest.Nonces
	macs   sync.Pool // *mac: HMAC-SHA-256 under the index sub-key
	check  []byte
}

func newSealer(key []byte) (*sealer, error) {
	vk, err := atrest.Derive(key, atrest.LabelAuthzValues)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	ik, err := atrest.Derive(key, atrest.LabelAuthzIndex)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	a, err := atrest.NewAEAD(vk)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	s := &sealer{aead: a}
	s.macs.New = func() any { return &mac{h: hmac.New(sha256.New, ik)} }
	s.check = s.token(nil, famMeta, "storage key check", "")
	return s, nil
}

// token appends the token of family fam and the value a (with b, 0
// between them, when b is not empty: a document's state and number).
func (s *sealer) token(dst []byte, fam byte, a, b string) []byte {
	m := s.macs.Get().(*mac)
	m.h.Reset()
	m.in = append(m.in[:0], fam)
	m.in = append(m.in, a...)
	if b != "" {
		m.in = append(m.in, 0)
		m.in = append(m.in, b...)
	}
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	dst = base64.RawStdEncoding.AppendEncode(dst, m.sum[:tokenBytes])
	s.macs.Put(m)
	return dst
}

// mac is one HMAC with its buffers, reused through sealer.macs so that a
// token allocates nothing.
type mac struct {
	h   hash.Hash
	in  []byte
	sum []byte
}

// seal appends the sealed value of plain under the key k.
func (s *sealer) seal(dst, k, plain []byte) []byte {
	return atrest.Seal(dst, s.aead, &s.nonces, plain, k)
}

// open appends the value sealed under k to dst.
func (s *sealer) open(dst, k, sealed []byte) ([]byte, error) {
	out, err := atrest.Open(dst, s.aead, sealed, k)
	if err != nil {
		return nil, fmt.Errorf("%w: an entry does not open", ErrKey)
	}
	return out, nil
}

// errInClear is a replica in clear opened with a key: the agent's Open
// seals it (reseal), a read-only one refuses it.
var errInClear = errors.New("authz: the replica is in clear; the agent seals it with the storage key when it next starts")

// checkSeal sets s.seal from the key and the store's seal mark.
func (s *store) checkSeal(o storeOptions) error {
	mark, sealed, err := s.get(kSeal)
	if err != nil {
		return err
	}
	if len(o.Key) == 0 {
		if sealed {
			return fmt.Errorf("%w: %s is sealed and no storage key is configured ([storage] keyFile)", ErrKey, s.path)
		}
		return nil
	}
	sl, err := newSealer(o.Key)
	if err != nil {
		return err
	}
	if sealed {
		if !hmac.Equal(mark, sl.check) {
			return fmt.Errorf("%w: %s was sealed with another storage key (restore that key, or delete the folder: the replica then resyncs from the central system)", ErrKey, s.path)
		}
		s.seal = sl
		return nil
	}
	empty, err := s.empty()
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("%w (%s)", errInClear, s.path)
	}
	if !o.ReadOnly {
		if err := s.db.Set(kSeal, sl.check, pebble.Sync); err != nil {
			return err
		}
	}
	s.seal = sl
	return nil
}

// empty says whether the store holds nothing but its format mark: no
// batch applied, no record.
func (s *store) empty() (bool, error) {
	if _, ok, err := s.get(kSeq); err != nil || ok {
		return false, err
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{famMeta + 1}})
	if err != nil {
		return false, err
	}
	has := it.First()
	if err := it.Close(); err != nil {
		return false, err
	}
	return !has, nil
}

// Sealing a replica kept in clear (the storage key was set on a kiosk
// that already holds one): its records are written into a new, sealed
// store beside it (path.sealing), which then takes its place; seq, count
// and last sync go with them, so the kiosk does not resync. A crash at
// any point leaves the replica in clear or sealed, never half of each:
// finishReseal, at the next open, drops an unfinished sealed copy and
// puts back a replica in clear moved aside before its copy took its place.
const (
	sealingSuffix = ".sealing"
	inClearSuffix = ".in-clear"
	resealBatch   = 10_000
)

func reseal(path string, o storeOptions) error {
	start := time.Now()
	tmp := path + sealingSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	po := o
	po.Key, po.ReadOnly = nil, true
	plain, err := openStore(path, po)
	if err != nil {
		return err
	}
	defer func() {
		if plain != nil {
			plain.close()
		}
	}()
	m, err := plain.meta()
	if err != nil {
		return err
	}
	o.Log.Warn("authz: sealing the replica kept in clear with the storage key", "path", path, "records", m.Count)
	sealed, err := openStore(tmp, o)
	if err != nil {
		return err
	}
	defer func() {
		if sealed != nil {
			sealed.close()
		}
	}()
	if sealed.seal == nil {
		return errors.New("authz: reseal without a key")
	}
	// Every record is in each of its document entries; it is taken from
	// its first document's, the one its stub names first.
	it, err := plain.db.NewIter(&pebble.IterOptions{LowerBound: []byte{famDoc}, UpperBound: []byte{famDoc + 1}})
	if err != nil {
		return err
	}
	defer func() {
		if it != nil {
			it.Close()
		}
	}()
	var cur meta
	changes := make([]change, 0, resealBatch)
	flush := func(last bool) error {
		mm := cur
		if last {
			mm.HasSeq, mm.Seq, mm.LastSync = m.HasSeq, m.Seq, m.LastSync
		}
		_, cur, err = sealed.apply(changes, nil, mm)
		changes = changes[:0]
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		r := new(wire.AuthzRecord)
		if err := decodeRecord(v, r); err != nil {
			return fmt.Errorf("authz: sealing %s: %w", path, err)
		}
		if len(r.Documents) == 0 || !bytes.Equal(k[:splitKey(k)], docPrefix(r.Documents[0].IssuingState, r.Documents[0].Number)) {
			continue
		}
		changes = append(changes, change{id: r.AuthorizationID, rec: r, raw: slices.Clone(v)})
		if len(changes) == resealBatch {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	if err := flush(true); err != nil {
		return err
	}
	if cur.Count != m.Count {
		return fmt.Errorf("authz: sealing %s found %d records, its count says %d: delete the folder, the replica then resyncs", path, cur.Count, m.Count)
	}
	err = it.Close()
	it = nil
	if err := errors.Join(err, sealed.close(), plain.close()); err != nil {
		return err
	}
	sealed, plain = nil, nil
	aside := path + inClearSuffix
	if err := os.Rename(path, aside); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	syncDir(filepath.Dir(path))
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	syncDir(filepath.Dir(path))
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	o.Log.Warn("authz: replica sealed; its copy in clear is deleted", "path", path, "records", m.Count, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// finishReseal tidies what an interrupted reseal left beside path.
func finishReseal(path string) error {
	if err := os.RemoveAll(path + sealingSuffix); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	aside := path + inClearSuffix
	if _, err := os.Stat(aside); err != nil {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return os.RemoveAll(aside) // the sealed copy took its place
	}
	return os.Rename(aside, path)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
