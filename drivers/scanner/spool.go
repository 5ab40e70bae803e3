package scanner

import (
	"bytes"
	"context"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/atomicfile"
	"github.com/xpt-pilot/xpt-kiosk/internal/atrest"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// The spool: a scanner drops files into Dir. A file is taken only once its
// size and modification time have not changed for Settle (or it has been
// renamed into place and then settled), so a half-written file is never
// read. Each file goes through:
//
//	Dir/NAME                      waiting, written by the scanner
//	Dir/processing/ID-NAME        claimed by an atomic rename
//	Dir/processing/ID-NAME.json   its result, written (tmp, fsync, rename)
//	(removed)                     a read file and its sidecar, once delivered
//	Dir/failed/ID-NAME(.json)     a file that could not be read, with its
//	                              error, kept for KeepFailed, then removed
//
// Scanned pages and letters carry personal data (names, birth dates,
// document and membership numbers): nothing of a read file stays once its
// result is delivered, the folders are 0700 and the files 0600.
//
// Sealed at rest (Key, the kiosk's storage key): a claimed file is sealed
// in place at once (atrest's chunked stream under the spool's sub-key,
// its ID as additional data: written beside it, fsynced, renamed over
// it), before it is read; the child that reads it gets it opened on its
// standard input, and its sidecar is written sealed. What the kiosk keeps
// (processing/ until delivery, failed/ for KeepFailed) is then never in
// clear; only the scanner's own drop folder holds a file in clear, for the
// Settle time before it is claimed. A sealed file that does not open (no
// key, another key) is a read error and goes to failed/.
//
// Guarantees, across crashes and restarts (Run recovers processing/ first):
//   - no file is lost before its result is delivered: until then it is in
//     exactly one of the places above;
//   - no file is processed twice: a claimed file with a sidecar is only
//     delivered and removed; one without a sidecar had no result recorded
//     or delivered, and is processed again;
//   - each result is delivered after its sidecar is durable. A result found
//     in processing/ at start (the crash came between the delivery and the
//     removal) is delivered once more with Recovered set: at-least-once
//     delivery, so a consumer dedupes on Result.ID.
type Spool struct {
	Dir     string
	Scanner *Scanner
	// Settle is how long a file's size and mtime must stay unchanged (2 s).
	Settle time.Duration
	// Poll is how often Dir is listed (500 ms).
	Poll time.Duration
	// KeepFailed is how long a file that could not be read stays in
	// failed/ for a technician to look at (24 h); then it is removed.
	KeepFailed time.Duration
	// Deliver receives each result, in the spool's goroutine: return
	// quickly (hand it to a channel). Once it returns, a read file and its
	// sidecar are removed.
	Deliver func(Result)
	Logger  *slog.Logger
	// Now is the clock (time.Now); tests move it.
	Now func() time.Time
	// Key is the storage key (32 bytes): files and sidecars are sealed
	// at rest with the spool's sub-key. Nil: kept in clear.
	Key []byte

	seen   map[string]seenFile
	aead   cipher.AEAD
	keyErr error
}

type seenFile struct {
	size  int64
	mtime time.Time
	since time.Time
}

// Result is one spooled file's outcome, also written as its sidecar JSON.
type Result struct {
	ID        string    `json:"id"`   // unique: claim time and name
	File      string    `json:"file"` // the name it arrived with
	Path      string    `json:"path"` // where it is kept (failed/), or empty once removed
	Kind      string    `json:"kind"` // "passport", "qr", "none" or "error"
	Pages     []Page    `json:"pages"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
	Recovered bool      `json:"recovered,omitempty"`
	// Passport is the first page with a valid MRZ (Kind "passport").
	Passport *Page `json:"-"`
}

// classify sets Kind and Passport from the pages: "passport" for a page
// with a valid MRZ, else "qr" for a page with a QR code (a pre-approval
// letter, which the agent verifies), else "none".
func (r *Result) classify() {
	r.Kind = "none"
	if r.Error != "" {
		r.Kind = "error"
		return
	}
	qr := false
	for i := range r.Pages {
		p := &r.Pages[i]
		if p.Found && p.Result != nil && p.Result.Valid && r.Passport == nil {
			r.Passport = p
		}
		qr = qr || len(p.QR) > 0
	}
	switch {
	case r.Passport != nil:
		r.Kind = "passport"
	case qr:
		r.Kind = "qr"
	}
}

const (
	dirProcessing = "processing"
	dirFailed     = "failed"
	// dirDone held read files in earlier versions; Run empties and
	// removes it.
	dirDone = "done"
)

// DefaultKeepFailed is KeepFailed when it is left out.
const DefaultKeepFailed = 24 * time.Hour

func (s *Spool) defaults() {
	if s.Settle <= 0 {
		s.Settle = 2 * time.Second
	}
	if s.Poll <= 0 {
		s.Poll = 500 * time.Millisecond
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.KeepFailed <= 0 {
		s.KeepFailed = DefaultKeepFailed
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Deliver == nil {
		s.Deliver = func(Result) {}
	}
	if s.seen == nil {
		s.seen = map[string]seenFile{}
	}
	if s.Key != nil && s.aead == nil && s.keyErr == nil {
		k, err := atrest.Derive(s.Key, atrest.LabelSpool)
		if err == nil {
			s.aead, err = atrest.NewAEAD(k)
		}
		if err != nil {
			s.keyErr = fmt.Errorf("scanner spool: %w", err)
		}
	}
}

// sealClaimed seals the claimed file processing/id in place, unless it is
// already sealed (a crash came after) or there is no key.
func (s *Spool) sealClaimed(id string) error {
	if s.aead == nil {
		return nil
	}
	path := filepath.Join(s.Dir, dirProcessing, id)
	if sealedFile(path) {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return atomicfile.Write(path, func(w io.Writer) error {
		sw := atrest.NewStreamWriter(w, s.aead, []byte(id))
		if _, err := io.Copy(sw, f); err != nil {
			return err
		}
		return sw.Close()
	})
}

// readKept reads a file the spool keeps, opened when sealed under ad.
func (s *Spool) readKept(path, ad string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || !atrest.IsStream(b) {
		return b, err
	}
	if s.aead == nil {
		return nil, errSealed
	}
	out, err := io.ReadAll(atrest.NewStreamReader(bytes.NewReader(b), s.aead, []byte(ad)))
	if err != nil {
		return nil, errSealed
	}
	return out, nil
}

var errSealed = errors.New("the file is sealed with another storage key (or none is configured)")

// Run recovers what a crash left in processing/, then watches Dir until ctx
// ends.
func (s *Spool) Run(ctx context.Context) error {
	s.defaults()
	if s.keyErr != nil {
		return s.keyErr
	}
	if _, err := os.Stat(s.Dir); err != nil {
		return fmt.Errorf("scanner spool: %w (create it for the kiosk's user, mode 0700)", err)
	}
	for _, d := range []string{dirProcessing, dirFailed} {
		p := filepath.Join(s.Dir, d)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return fmt.Errorf("scanner spool: %w", err)
		}
		if err := os.Chmod(p, 0o700); err != nil {
			return fmt.Errorf("scanner spool: %w", err)
		}
	}
	if err := os.RemoveAll(filepath.Join(s.Dir, dirDone)); err != nil {
		return fmt.Errorf("scanner spool: removing what an earlier version kept: %w", err)
	}
	if err := s.Recover(ctx); err != nil {
		return err
	}
	t := time.NewTicker(s.Poll)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil {
			s.Logger.Warn("scanner spool", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Recover finishes or redoes the files a crash left in processing/.
func (s *Spool) Recover(ctx context.Context) error {
	s.defaults()
	proc := filepath.Join(s.Dir, dirProcessing)
	ents, err := os.ReadDir(proc)
	if err != nil {
		return fmt.Errorf("scanner spool: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".") {
			continue
		}
		side := filepath.Join(proc, name+".json")
		if b, err := s.readKept(side, name+".json"); err == nil {
			if r, err := readSidecar(b, s.Now()); err == nil && r.ID == name {
				r.Recovered = true
				s.finish(r)
				continue
			}
		}
		s.process(ctx, name) // no result recorded: process it (again)
	}
	// A sidecar whose file is gone: the file was removed (or moved to
	// failed/) and the crash came before its sidecar followed.
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			base := strings.TrimSuffix(e.Name(), ".json")
			if _, err := os.Stat(filepath.Join(proc, base)); errors.Is(err, os.ErrNotExist) {
				if _, err := os.Stat(filepath.Join(s.Dir, dirFailed, base)); err == nil {
					os.Rename(filepath.Join(proc, e.Name()), filepath.Join(s.Dir, dirFailed, e.Name()))
				} else {
					os.Remove(filepath.Join(proc, e.Name()))
				}
			}
		}
	}
	atomicfile.SyncDir(proc)
	return nil
}

// sweepFailed removes what has been in failed/ for longer than KeepFailed.
func (s *Spool) sweepFailed() {
	dir := filepath.Join(s.Dir, dirFailed)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	removed := 0
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || s.Now().Sub(info.ModTime()) < s.KeepFailed {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed++
		}
	}
	if removed > 0 {
		atomicfile.SyncDir(dir)
		s.Logger.Info("scanner spool: unreadable files past their retention removed", "files", removed)
	}
}

// Step lists Dir once and processes the files that have settled.
func (s *Spool) Step(ctx context.Context) error {
	s.defaults()
	s.sweepFailed()
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return err
	}
	now := s.Now()
	present := map[string]bool{}
	var ready []string
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || ignored(name) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		present[name] = true
		prev, ok := s.seen[name]
		if !ok || prev.size != info.Size() || !prev.mtime.Equal(info.ModTime()) {
			s.seen[name] = seenFile{info.Size(), info.ModTime(), now}
			continue
		}
		if now.Sub(prev.since) >= s.Settle && now.Sub(info.ModTime()) >= s.Settle {
			ready = append(ready, name)
		}
	}
	for name := range s.seen {
		if !present[name] {
			delete(s.seen, name)
		}
	}
	sort.Strings(ready)
	for _, name := range ready {
		if ctx.Err() != nil {
			return nil
		}
		delete(s.seen, name)
		id := strconv.FormatInt(now.UnixNano(), 36) + "-" + name
		if err := os.Rename(filepath.Join(s.Dir, name), filepath.Join(s.Dir, dirProcessing, id)); err != nil {
			s.Logger.Warn("scanner spool: cannot claim a file", "err", err)
			continue
		}
		os.Chmod(filepath.Join(s.Dir, dirProcessing, id), 0o600) // the scanner may write 0644
		atomicfile.SyncDir(s.Dir)
		atomicfile.SyncDir(filepath.Join(s.Dir, dirProcessing))
		s.process(ctx, id)
	}
	return nil
}

// ignored: hidden files and the usual partial-download names.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp") ||
		strings.HasSuffix(name, ".crdownload") || strings.HasSuffix(name, "~")
}

func (s *Spool) process(ctx context.Context, id string) {
	path := filepath.Join(s.Dir, dirProcessing, id)
	r := Result{ID: id, File: originalName(id), At: s.Now().UTC()}
	var pages []Page
	err := s.sealClaimed(id)
	if err != nil {
		s.Logger.Error("scanner spool: cannot seal a claimed file; it stays in processing/", "err", err)
		return
	}
	if info, serr := os.Stat(path); serr != nil {
		err = serr
	} else if s.aead == nil && !sealedFile(path) {
		pages, err = s.Scanner.ScanFile(ctx, path)
	} else {
		pages, err = s.scanSealed(ctx, path, id, info.Size())
	}
	if ctx.Err() != nil {
		return // stopping: leave it claimed, Recover redoes it
	}
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		r.Error = err.Error()
	}
	for i := range pages {
		pages[i].File = r.File
	}
	r.Pages = pages
	r.classify()
	b, _ := json.MarshalIndent(&r, "", "  ")
	side := path + ".json"
	if err := atomicfile.Write(side, func(w io.Writer) error {
		if s.aead == nil {
			_, err := w.Write(b)
			return err
		}
		sw := atrest.NewStreamWriter(w, s.aead, []byte(id+".json"))
		if _, err := sw.Write(b); err != nil {
			return err
		}
		return sw.Close()
	}); err != nil {
		s.Logger.Error("scanner spool: cannot write a result; the file stays in processing/", "err", err)
		return
	}
	s.finish(&r)
}

// finish delivers a processed file's result. A file that was read is then
// removed with its sidecar; one that could not be read moves to failed/.
func (s *Spool) finish(r *Result) {
	proc := filepath.Join(s.Dir, dirProcessing)
	if r.Kind == "error" {
		to := filepath.Join(s.Dir, dirFailed)
		r.Path = filepath.Join(to, r.ID)
		if err := os.Rename(filepath.Join(proc, r.ID), r.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Logger.Error("scanner spool: cannot move an unreadable file", "err", err)
			return
		}
		if err := os.Rename(filepath.Join(proc, r.ID+".json"), r.Path+".json"); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Logger.Error("scanner spool: cannot move a sidecar", "err", err)
		}
		atomicfile.SyncDir(proc)
		atomicfile.SyncDir(to)
		s.Logger.Info("scanner spool: file unreadable", "id", r.ID, "recovered", r.Recovered)
		s.Deliver(*r)
		return
	}
	s.Logger.Info("scanner spool: file processed", "id", r.ID, "kind", r.Kind, "recovered", r.Recovered)
	s.Deliver(*r)
	// Delivered: nothing of it stays. A crash before this delivers it again
	// (Recovered) from its sidecar.
	for _, p := range []string{filepath.Join(proc, r.ID), filepath.Join(proc, r.ID+".json")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Logger.Error("scanner spool: cannot remove a delivered file", "err", err)
		}
	}
	atomicfile.SyncDir(proc)
}

// readSidecar decodes a sidecar. The mrz results are parsed again from
// their (already corrected) lines.
func readSidecar(b []byte, today time.Time) (*Result, error) {
	var raw struct {
		Result
		Pages []struct {
			Page
			Result json.RawMessage `json:"result"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	r := raw.Result
	r.Pages = nil
	for _, p := range raw.Pages {
		pg := p.Page
		if p.Found && len(pg.Lines) > 0 {
			pg.Result = mrz.Parse(pg.Lines, mrz.Options{Today: today})
		}
		r.Pages = append(r.Pages, pg)
	}
	kind := r.Kind
	r.classify()
	if r.Error == "" && kind != "" {
		r.Kind = kind // as recorded
	}
	return &r, nil
}

// originalName strips the claim prefix.
func originalName(id string) string {
	if i := strings.IndexByte(id, '-'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// sealedFile says whether the file at path is a sealed stream.
func sealedFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(atrest.StreamMagic))
	n, _ := io.ReadFull(f, head)
	return atrest.IsStream(head[:n])
}

// scanSealed reads the kept file at path, sealed under its claim ID id, as
// it is opened: the child gets it on its standard input, never in clear on
// disk. Without the key it is errSealed.
func (s *Spool) scanSealed(ctx context.Context, path, id string, size int64) ([]Page, error) {
	return s.Scanner.ScanStream(ctx, originalName(id), size, func() (io.ReadCloser, error) {
		if s.aead == nil {
			return nil, errSealed
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return readCloser{atrest.NewStreamReader(f, s.aead, []byte(id)), f}, nil
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}
