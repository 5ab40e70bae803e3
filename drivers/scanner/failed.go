package scanner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Failed is a file the spool could not read, kept in failed/ for
// KeepFailed so that a technician can see why (Spool.Failed) and read it
// again (Spool.Rescan), then removed.
type Failed struct {
	ID      string    `json:"id"`      // its claim ID: its name in failed/
	File    string    `json:"file"`    // the name it arrived with
	Bytes   int64     `json:"bytes"`   // its size as kept (sealed: the stream's)
	Sealed  bool      `json:"sealed"`  // sealed with the storage key
	Kept    time.Time `json:"kept"`    // when it was claimed and sealed
	Expires time.Time `json:"expires"` // when the spool removes it (Kept + KeepFailed)
	// Error is why it could not be read, from its sidecar; SidecarError
	// says why that is not known (no sidecar, or it does not open).
	Error        string `json:"error,omitempty"`
	SidecarError string `json:"sidecarError,omitempty"`
}

// ErrNoSuchFailed is Rescan's error for an ID that failed/ does not hold.
var ErrNoSuchFailed = errors.New("no such file in the spool's failed/ folder (its retention may have ended)")

// Failed lists failed/, oldest first. Nothing is changed: a file past its
// retention is still listed until the running spool sweeps it.
func (s *Spool) Failed() ([]Failed, error) {
	s.defaults()
	dir := s.FailedDir()
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Failed
	for _, e := range ents {
		id := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(id, ".json") || strings.HasPrefix(id, ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		path := filepath.Join(dir, id)
		f := Failed{ID: id, File: originalName(id), Bytes: info.Size(), Sealed: sealedFile(path),
			Kept: info.ModTime().UTC(), Expires: info.ModTime().Add(s.KeepFailed).UTC()}
		switch b, err := s.readKept(path+".json", id+".json"); {
		case errors.Is(err, os.ErrNotExist):
			f.SidecarError = "no result was recorded"
		case err != nil:
			f.SidecarError = err.Error()
		default:
			var r Result
			if err := json.Unmarshal(b, &r); err != nil {
				f.SidecarError = "its result does not decode: " + err.Error()
			} else {
				f.Error = r.Error
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Kept.Equal(out[j].Kept) {
			return out[i].Kept.Before(out[j].Kept)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Rescan reads the failed file id again with the spool's Scanner, as the
// spool read it: a sealed file is opened as it is read and reaches the
// child on its standard input, so it is never written out in clear.
// Nothing in the spool changes: the file stays in failed/ until its
// retention ends. Use it to see why a scan failed, or whether a fix (a
// configuration, a newer build) reads it.
func (s *Spool) Rescan(ctx context.Context, id string) ([]Page, error) {
	s.defaults()
	if s.keyErr != nil {
		return nil, s.keyErr
	}
	if id == "" || id != filepath.Base(id) || strings.HasPrefix(id, ".") || strings.HasSuffix(id, ".json") {
		return nil, fmt.Errorf("%q is not a failed file's ID (as Failed lists them)", id)
	}
	path := filepath.Join(s.FailedDir(), id)
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", id, ErrNoSuchFailed)
	}
	if err != nil {
		return nil, err
	}
	if !sealedFile(path) {
		return s.Scanner.ScanStream(ctx, originalName(id), info.Size(), func() (io.ReadCloser, error) { return os.Open(path) })
	}
	return s.scanSealed(ctx, path, id, info.Size())
}

// FailedDir is the folder Failed lists.
func (s *Spool) FailedDir() string { return filepath.Join(s.Dir, dirFailed) }
