package authz

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// A sealed file reads back what was written, at any offset and length,
// through Write, WriteAt, Read and ReadAt; holds none of it in clear; and
// its Stat is the plain size.
func TestSealFSRoundTrip(t *testing.T) {
	fs, err := newSealFS(vfs.Default, testStorageKey(1))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "000001.sst")
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	plain := bytes.Repeat([]byte("QUIRINUSWALDHAUSEN "), 3000)
	for off := 0; off < len(plain); {
		n := min(1+rng.IntN(700), len(plain)-off)
		if _, err := f.Write(plain[off : off+n]); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	// an overwrite in place
	copy(plain[1001:1040], "ZQ7781234ZQ7781234ZQ7781234ZQ7781234ZQZ")
	if _, err := f.WriteAt(plain[1001:1040], 1001); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != int64(len(plain)) {
		t.Fatalf("file Stat: %v %v", fi, err)
	}
	f.Close()
	raw, _ := os.ReadFile(name)
	if len(raw) != len(plain)+sealHeaderLen || bytes.Contains(raw, []byte("QUIRINUS")) || bytes.Contains(raw, []byte("ZQ7781234")) {
		t.Fatalf("on disk: %d bytes, in clear %v", len(raw), bytes.Contains(raw, []byte("QUIRINUS")))
	}
	if fi, err := fs.Stat(name); err != nil || fi.Size() != int64(len(plain)) {
		t.Fatalf("fs Stat: %v %v", fi, err)
	}
	g, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for k := 0; k < 500; k++ {
		off := rng.IntN(len(plain))
		n := min(rng.IntN(300), len(plain)-off)
		p := make([]byte, n)
		if m, err := g.ReadAt(p, int64(off)); (err != nil && err != io.EOF) || m != n || !bytes.Equal(p, plain[off:off+n]) {
			t.Fatalf("ReadAt(%d, %d): %d %v", n, off, m, err)
		}
	}
	all, err := io.ReadAll(g)
	if err != nil || !bytes.Equal(all, plain) {
		t.Fatalf("Read: %d bytes, %v", len(all), err)
	}
}

// A file sealed under one key is ErrKey under another; a recycled file
// gets a new IV (its old bytes no longer read as they were).
func TestSealFSWrongKeyAndReuse(t *testing.T) {
	fs1, _ := newSealFS(vfs.Default, testStorageKey(1))
	fs2, _ := newSealFS(vfs.Default, testStorageKey(2))
	dir := t.TempDir()
	name := filepath.Join(dir, "000002.log")
	f, err := fs1.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("some log record"))
	f.Close()
	if _, err := fs2.Open(name); !errors.Is(err, ErrKey) {
		t.Fatalf("another key: %v", err)
	}
	before, _ := os.ReadFile(name)
	g, err := fs1.ReuseForWrite(name, filepath.Join(dir, "000003.log"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	g.Write([]byte("new"))
	g.Close()
	after, _ := os.ReadFile(filepath.Join(dir, "000003.log"))
	if bytes.Equal(before[:sealHeaderLen], after[:sealHeaderLen]) {
		t.Error("a recycled file kept its IV")
	}
	h, _ := fs1.Open(filepath.Join(dir, "000003.log"))
	p := make([]byte, 3)
	h.ReadAt(p, 0)
	h.Close()
	if string(p) != "new" {
		t.Errorf("recycled file reads %q", p)
	}
}
