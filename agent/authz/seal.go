package authz

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Encryption at rest (Options.Key, the kiosk's storage key; docs/authz.md
// "Sealed at rest"): every file Pebble writes is encrypted below it
// (encfs.go), so keys and values are kept inside Pebble as they are in a
// replica in clear, and nothing in the folder names a person in clear.
// Open reads the headers of the manifests and OPTIONS files before it
// opens Pebble (probeFiles): a replica sealed under another key, or opened
// without one, is ErrKey, never garbage; a replica in clear opened with a
// key is sealed (reseal).

// ErrKey is a sealed replica opened without its storage key or with
// another one.
var ErrKey = errors.New("authz: the replica is sealed with another storage key (or none was given)")

// kSeal marked a replica sealed record by record (keyed-hash tokens in
// keys, AES-GCM values), the layout of an earlier build: its files are in
// clear but its records do not read without that build's sub-keys. A
// read-write Open deletes such a replica (it resyncs), as one of another
// format.
var kSeal = []byte("Mseal")

var errRecordSealed = fmt.Errorf("%w: the replica was sealed record by record by an earlier build (the agent replaces it when it starts)", ErrKey)

// dropRecordSealed deletes a replica sealed record by record; it resyncs.
func dropRecordSealed(path string, o storeOptions) error {
	o.Log.Warn("authz: replica sealed record by record by an earlier build deleted; resyncing from the central system", "path", path)
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("authz: delete replica at %s: %w", path, err)
	}
	return nil
}

// errInClear is a replica in clear opened with a key: the agent's Open
// seals it (reseal), a read-only one refuses it.
var errInClear = errors.New("authz: the replica is in clear; the agent seals it with the storage key when it next starts")

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
	if !sealed.sealed {
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
	atomicfile.SyncDir(filepath.Dir(path))
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("authz: %w", err)
	}
	atomicfile.SyncDir(filepath.Dir(path))
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
