// Package atomicfile replaces a file whole: a crash leaves the old file or
// the new one, never a part of either. Standard library only.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes what write writes to path: into a temporary file beside it
// (mode 0600), fsynced, renamed over path, then the folder fsynced so that
// the rename outlives a power cut. On an error path is unchanged and the
// temporary file is gone.
func Write(path string, write func(io.Writer) error) error {
	return WriteWith(path, Options{}, write)
}

// Options change how WriteWith writes.
type Options struct {
	// Perm is the file's mode (0600 when 0).
	Perm os.FileMode
	// Prepare, when set, is called on the temporary file before anything
	// is written to it (to give it an owner, say); an error stops the
	// write.
	Prepare func(*os.File) error
	// NoSync skips both fsyncs: the file is whole or absent after a crash
	// of the process, but a power cut may lose it (a cache that can be
	// rebuilt, a simulator's state).
	NoSync bool
}

// WriteWith is Write with options.
func WriteWith(path string, o Options, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if o.Perm != 0 {
		err = f.Chmod(o.Perm)
	}
	if err == nil && o.Prepare != nil {
		err = o.Prepare(f)
	}
	if err == nil {
		err = write(f)
	}
	if err == nil && !o.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !o.NoSync {
		SyncDir(dir)
	}
	return nil
}

// WriteBytes is Write of b.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// SyncDir fsyncs a folder, so that a rename or a removal in it reaches the
// disk. Best effort: a file system that cannot sync a folder is left be.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
