package central

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// Store is the state directory of the central stand-in:
//
//	state.json                 {"keyId","seq","records","issuedAt"}: the last batch published
//	head.json                  the signed AuthzHead envelope, exactly as published (retained)
//	batches/{seq:020d}.json    each signed AuthzBatch envelope, exactly as published
//	ids.bin                    64-bit FNV-1a hashes of the live authorization IDs, sorted (for the head's count)
//
// Batches are kept so that SyncRequests can be answered by replaying them
// byte for byte. The store is safe for concurrent use by one process.
type Store struct {
	dir string

	mu    sync.Mutex
	state StoreState
	ids   []uint64 // sorted live-ID hashes, loaded lazily: only publishing needs them
	ops   []uint64 // this run's additions and removals (low bit set), merged by saveIDs

	adds, dels int64
}

// StoreState is state.json.
type StoreState struct {
	KeyID    string `json:"keyId,omitempty"`
	Seq      uint64 `json:"seq"`
	Records  int64  `json:"records"`
	IssuedAt string `json:"issuedAt,omitempty"`
}

// OpenStore opens (creating if needed) a state directory.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "batches"), 0o755); err != nil {
		return nil, err
	}
	s := &Store{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &s.state); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "state.json"), err)
		}
	}
	return s, nil
}

// Reload re-reads state.json, to see batches another process (a second
// central publish on the same state directory) committed.
func (s *Store) Reload() error {
	data, err := os.ReadFile(filepath.Join(s.dir, "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st StoreState
	if err := json.Unmarshal(data, &st); err != nil {
		return err
	}
	s.mu.Lock()
	s.state = st
	s.mu.Unlock()
	return nil
}

// Dir is the state directory.
func (s *Store) Dir() string { return s.dir }

// State returns the current state.
func (s *Store) State() StoreState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Store) batchPath(seq uint64) string {
	return filepath.Join(s.dir, "batches", fmt.Sprintf("%020d.json", seq))
}

// PutBatch writes one signed batch envelope.
func (s *Store) PutBatch(seq uint64, env []byte) error {
	return writeFileAtomic(s.batchPath(seq), env, false)
}

// Batch returns the stored envelope of seq; fs.ErrNotExist if there is none.
func (s *Store) Batch(seq uint64) ([]byte, error) { return os.ReadFile(s.batchPath(seq)) }

// Range calls fn for every stored batch from seq from (0 and 1 both mean
// the first) to the last committed one, in order, skipping seqs that were
// never published (gaps made on purpose with --skip-seq).
func (s *Store) Range(from uint64, fn func(seq uint64, env []byte) error) error {
	if from == 0 {
		from = 1
	}
	last := s.State().Seq
	for seq := from; seq <= last; seq++ {
		env, err := s.Batch(seq)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(seq, env); err != nil {
			return err
		}
	}
	return nil
}

// Commit records that seq is the newest published batch.
func (s *Store) Commit(st StoreState, durable bool) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(s.dir, "state.json"), append(data, '\n'), durable); err != nil {
		return err
	}
	s.mu.Lock()
	s.state = st
	s.mu.Unlock()
	return nil
}

// PutHead stores the signed head envelope.
func (s *Store) PutHead(env []byte) error {
	return writeFileAtomic(filepath.Join(s.dir, "head.json"), env, true)
}

// Head returns the stored signed head envelope, or nil.
func (s *Store) Head() []byte {
	b, err := os.ReadFile(filepath.Join(s.dir, "head.json"))
	if err != nil {
		return nil
	}
	return b
}

// idHash is the 64-bit FNV-1a hash of an ID with its low bit cleared (the
// bit marks removals among a run's operations).
func idHash(id string) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, id)
	return h.Sum64() &^ 1
}

func (s *Store) loadIDs() error {
	if s.ids != nil {
		return nil
	}
	s.ids = []uint64{}
	data, err := os.ReadFile(filepath.Join(s.dir, "ids.bin"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(data)%8 != 0 {
		return fmt.Errorf("ids.bin: %d bytes, not a multiple of 8", len(data))
	}
	s.ids = make([]uint64, len(data)/8)
	for i := range s.ids {
		s.ids[i] = binary.LittleEndian.Uint64(data[i*8:]) &^ 1
	}
	if !slices.IsSorted(s.ids) { // written by an older version
		slices.Sort(s.ids)
	}
	s.ids = slices.Compact(s.ids)
	return nil
}

// countIDs records a batch's records and removals and returns an estimate
// of the live records (exact once saveIDs has merged them). The set is a
// sorted slice of 63-bit hashes; this run's operations are kept in input
// order as one word each (the hash, with the low bit set for a removal) and
// merged at the end of the run.
func (s *Store) countIDs(records []string, removed []string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadIDs(); err != nil {
		return 0, err
	}
	for _, id := range records {
		s.ops = append(s.ops, idHash(id))
		s.adds++
	}
	for _, id := range removed {
		s.ops = append(s.ops, idHash(id)|1)
		s.dels++
	}
	return max(int64(len(s.ids))+s.adds-s.dels, 0), nil
}

// mergeIDs applies the run's operations to the sorted set: the last
// operation on an ID wins (a stable sort keeps their order).
func mergeIDs(base []uint64, ops []uint64) []uint64 {
	slices.SortStableFunc(ops, func(a, b uint64) int { return cmp.Compare(a&^1, b&^1) })
	out := make([]uint64, 0, len(base)+len(ops))
	i := 0
	for j := 0; j < len(ops); {
		h := ops[j] &^ 1
		for j+1 < len(ops) && ops[j+1]&^1 == h {
			j++
		}
		last := ops[j]
		j++
		for i < len(base) && base[i] < h {
			out = append(out, base[i])
			i++
		}
		if i < len(base) && base[i] == h {
			i++
		}
		if last&1 == 0 {
			out = append(out, h)
		}
	}
	return append(out, base[i:]...)
}

// saveIDs merges the run's operations and writes the live-ID set, sorted.
// It returns the exact number of live records.
func (s *Store) saveIDs() (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		return s.state.Records, nil
	}
	s.ids = mergeIDs(s.ids, s.ops)
	s.ops, s.adds, s.dels = nil, 0, 0
	err := atomicfile.WriteWith(filepath.Join(s.dir, "ids.bin"), atomicfile.Options{NoSync: true}, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		var b [8]byte
		for _, h := range s.ids {
			binary.LittleEndian.PutUint64(b[:], h)
			_, _ = bw.Write(b[:])
		}
		return bw.Flush()
	})
	return int64(len(s.ids)), err
}

// writeFileAtomic replaces path with data; durable files (the state, the
// head) are fsynced, the batches (rebuilt from the records) are not.
func writeFileAtomic(path string, data []byte, durable bool) error {
	return atomicfile.WriteWith(path, atomicfile.Options{NoSync: !durable}, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
