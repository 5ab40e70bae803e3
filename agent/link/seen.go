package link

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
)

// seenCommands remembers command IDs until their notAfter (and, under
// "decision/{referralId}", the referrals decided over MQTT), durably: an
// append-only file of "notAfter commandId" lines, fsynced before the
// command is applied, compacted when opened.
type seenCommands struct {
	mu   sync.Mutex
	path string
	f    *os.File
	ids  map[string]time.Time
}

func openSeen(dir string, now time.Time) (*seenCommands, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &seenCommands{path: filepath.Join(dir, "commands.seen"), ids: map[string]time.Time{}}
	if f, err := os.Open(s.path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			at, id, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue // torn last line
			}
			t, err := time.Parse(time.RFC3339Nano, at)
			if err != nil || !t.After(now) {
				continue
			}
			s.ids[id] = t
		}
		f.Close()
	}
	// Rewrite without the expired ones.
	err := atomicfile.Write(s.path, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		for id, t := range s.ids {
			fmt.Fprintf(w, "%s %s\n", t.UTC().Format(time.RFC3339Nano), id)
		}
		return w.Flush()
	})
	if err != nil {
		return nil, err
	}
	s.f, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	return s, err
}

// add records id; it reports false when id was already seen.
func (s *seenCommands) add(id string, notAfter, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.ids[id]; ok && t.After(now) {
		return false, nil
	}
	for k, t := range s.ids { // forget expired ones (cheap: few commands)
		if !t.After(now) {
			delete(s.ids, k)
		}
	}
	if _, err := fmt.Fprintf(s.f, "%s %s\n", notAfter.UTC().Format(time.RFC3339Nano), id); err != nil {
		return false, err
	}
	if err := s.f.Sync(); err != nil {
		return false, err
	}
	s.ids[id] = notAfter
	return true, nil
}

func (s *seenCommands) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
