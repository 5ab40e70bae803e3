package authz

import (
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// tableWriteBuffer is how much of a table file the store gathers before
// one write(2). Pebble writes a table through a 4 KiB bufio.Writer, which
// on a virtual machine made the write system calls 10% of the CPU of a
// delta into ten million records (docs/authz.md).
const tableWriteBuffer = 256 << 10

// writeBufferFS is the store's file system: the operating system's, with
// the table and blob files that flushes and compactions write gathered in
// tableWriteBuffer chunks. Every other file (the write-ahead log, the
// manifest) is written as Pebble writes it.
type writeBufferFS struct{ vfs.FS }

func (fs writeBufferFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil || !(strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob")) {
		return f, err
	}
	return &bufferedFile{File: f, buf: make([]byte, 0, tableWriteBuffer)}, nil
}

func (fs writeBufferFS) Unwrap() vfs.FS { return fs.FS }

// bufferedFile gathers sequential writes; anything else that reads,
// measures or syncs the file first writes out what is gathered, so that
// the file behaves as if every Write had gone straight through.
type bufferedFile struct {
	vfs.File
	buf []byte
}

func (f *bufferedFile) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.File.Write(f.buf)
	f.buf = f.buf[:0]
	return err
}

func (f *bufferedFile) Write(p []byte) (int, error) {
	if len(f.buf)+len(p) > cap(f.buf) {
		if err := f.flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(f.buf) {
			return f.File.Write(p)
		}
	}
	f.buf = append(f.buf, p...)
	return len(p), nil
}

func (f *bufferedFile) Close() error {
	err := f.flush()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *bufferedFile) Read(p []byte) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.File.Read(p)
}

func (f *bufferedFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.File.ReadAt(p, off)
}

func (f *bufferedFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f *bufferedFile) Stat() (vfs.FileInfo, error) {
	if err := f.flush(); err != nil {
		return nil, err
	}
	return f.File.Stat()
}

func (f *bufferedFile) Sync() error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *bufferedFile) SyncData() error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.File.SyncData()
}

func (f *bufferedFile) SyncTo(length int64) (bool, error) {
	if err := f.flush(); err != nil {
		return false, err
	}
	return f.File.SyncTo(length)
}
