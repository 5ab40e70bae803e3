package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := WriteBytes(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("%q %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A write that fails leaves the old file and no temporary file.
	boom := errors.New("boom")
	err = Write(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("after a failed write: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
	// A folder that does not exist is an error naming the path.
	if err := WriteBytes(filepath.Join(dir, "no", "x"), nil); err == nil {
		t.Fatal("no error for a missing folder")
	}
}

func TestWriteWith(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.bin")
	var prepared *os.File
	err := WriteWith(path, Options{Perm: 0o644, Prepare: func(f *os.File) error { prepared = f; return nil }, NoSync: true},
		func(w io.Writer) error { _, err := w.Write([]byte("m")); return err })
	if err != nil || prepared == nil {
		t.Fatalf("%v, prepared %v", err, prepared)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", fi.Mode())
	}
	// Prepare's error stops the write: nothing is written, nothing left.
	boom := errors.New("chown: not permitted")
	wrote := false
	err = WriteWith(path, Options{Prepare: func(*os.File) error { return boom }}, func(io.Writer) error { wrote = true; return nil })
	if !errors.Is(err, boom) || wrote {
		t.Fatalf("%v, wrote %v", err, wrote)
	}
	if b, _ := os.ReadFile(path); string(b) != "m" {
		t.Fatalf("after a refused write: %q", b)
	}
	// A rename that fails (a folder where the file goes) is an error, and
	// the temporary file is gone.
	busy := filepath.Join(dir, "busy")
	os.MkdirAll(filepath.Join(busy, "inside"), 0o700)
	if err := WriteBytes(busy, []byte("x")); err == nil {
		t.Fatal("no error renaming over a folder")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("left behind: %v", ents)
	}
}
