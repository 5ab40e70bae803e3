package authz

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestBufferedFileActsAsWrittenThrough writes a table file in pieces of
// every size around the buffer's, and checks after each step that what
// reads, measures or syncs the file sees every byte written so far.
func TestBufferedFileActsAsWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fs := writeBufferFS{vfs.Default}
	name := filepath.Join(dir, "000001.sst")
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(*bufferedFile); !ok {
		t.Fatalf("a table file is not buffered: %T", f)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var want []byte
	sizes := []int{1, 4096, 4200, tableWriteBuffer - 1, tableWriteBuffer, tableWriteBuffer + 1, 3 * tableWriteBuffer, 17}
	for step, n := range sizes {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		want = append(want, p...)
		if k, err := f.Write(p); err != nil || k != n {
			t.Fatalf("step %d: Write = %d, %v", step, k, err)
		}
		switch step % 3 {
		case 0:
			st, err := f.Stat()
			if err != nil || st.Size() != int64(len(want)) {
				t.Fatalf("step %d: Stat size %d, %v; want %d", step, st.Size(), err, len(want))
			}
		case 1:
			got := make([]byte, len(want))
			if _, err := f.ReadAt(got, 0); err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("step %d: ReadAt sees %d bytes different", step, len(want))
			}
		case 2:
			if _, err := f.SyncTo(int64(len(want))); err != nil {
				t.Fatal(err)
			}
			if onDisk, _ := os.ReadFile(name); !bytes.Equal(onDisk, want) {
				t.Fatalf("step %d: after SyncTo the file holds %d bytes, want %d", step, len(onDisk), len(want))
			}
		}
	}
	if _, err := f.Write([]byte("tail")); err != nil {
		t.Fatal(err)
	}
	want = append(want, "tail"...)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if onDisk, _ := os.ReadFile(name); !bytes.Equal(onDisk, want) {
		t.Fatalf("after Close the file holds %d bytes, want %d", len(onDisk), len(want))
	}

	// Anything but a table or blob file is Pebble's own, unbuffered.
	log, err := fs.Create(filepath.Join(dir, "000002.log"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, ok := log.(*bufferedFile); ok {
		t.Fatal("the write-ahead log is buffered")
	}
}
