package central

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Store is the state directory of the central stand-in:
//
//	state.json                 {"keyId","seq","records","issuedAt"}: the last batch published
//	head.json                  the signed AuthzHead envelope, exactly as published (retained)
//	batches/{seq:020d}.json    each signed AuthzBatch envelope, exactly as published
//	ids.bin                    64-bit FNV-1a hashes of the live authorization IDs (for the head's count)
//
// Batches are kept so that SyncRequests can be answered by replaying them
// byte for byte. The store is safe for concurrent use by one process.
type Store struct {
	dir string

	mu    sync.Mutex
	state StoreState
	ids   map[uint64]struct{} // loaded lazily: only publishing needs it
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

func idHash(id string) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, id)
	return h.Sum64()
}

func (s *Store) loadIDs() error {
	if s.ids != nil {
		return nil
	}
	s.ids = map[uint64]struct{}{}
	f, err := os.Open(filepath.Join(s.dir, "ids.bin"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var b [8]byte
	for {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("ids.bin: %w", err)
		}
		s.ids[binary.LittleEndian.Uint64(b[:])] = struct{}{}
	}
}

// countIDs applies a batch's records and removals to the live-ID set and
// returns the number of live records.
func (s *Store) countIDs(records []string, removed []string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadIDs(); err != nil {
		return 0, err
	}
	for _, id := range records {
		s.ids[idHash(id)] = struct{}{}
	}
	for _, id := range removed {
		delete(s.ids, idHash(id))
	}
	return int64(len(s.ids)), nil
}

// saveIDs writes the live-ID set.
func (s *Store) saveIDs() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		return nil
	}
	path := filepath.Join(s.dir, "ids.bin")
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var b [8]byte
	for h := range s.ids {
		binary.LittleEndian.PutUint64(b[:], h)
		_, _ = bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeFileAtomic(path string, data []byte, durable bool) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if durable {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if durable {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}
