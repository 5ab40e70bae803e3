package authz

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/xpt-pilot/xpt-kiosk/internal/atrest"
)

// Encryption at rest below Pebble (docs/authz.md "Sealed at rest"): with a
// storage key every file Pebble writes — tables, blob files, write-ahead
// logs, manifests, OPTIONS, CURRENT and the marker files — goes through
// sealFS, which encrypts it with AES-256-CTR under the files sub-key of
// the storage key. Pebble compresses a block before it is written and
// caches it after it is read, so what this costs is a stream cipher over
// the bytes that reach the disk, and nothing on a block-cache hit. Only
// LOCK (taken with Lock, empty) stays as the operating system makes it.
//
// A sealed file is
//
//	"XPTF" | version 1 | 3 zero bytes | IV (16 random bytes) | key check (16) | ciphertext
//
// The ciphertext of the byte at offset o is the plain byte XOR the
// keystream of AES-CTR from the IV at block o/16, byte o%16: any offset can
// be read or written by itself. A file that is rewritten in place (a
// recycled write-ahead log) gets a new random IV first, so no keystream
// is ever used for two plain texts. The key check, HMAC-SHA-256 of the IV
// under the check sub-key, tells a wrong key from a right one: such a file
// does not open (ErrKey) instead of reading as garbage. Integrity is
// Pebble's: every block, log record and manifest record carries a
// checksum over its plain bytes, which a changed ciphertext breaks (CTR
// has no tag of its own; a forger who knew a block's plain text could
// change it and its checksum together, as with CockroachDB's encryption
// at rest, whose design this is).
const (
	sealMagic     = "XPTF"
	sealVersion   = 1
	sealIVLen     = aes.BlockSize
	sealCheckLen  = 16
	sealHeaderLen = 4 + 4 + sealIVLen + sealCheckLen // 40
)

// sealFS encrypts the files of a Pebble store. Safe for concurrent use.
type sealFS struct {
	vfs.FS
	block    cipher.Block
	checkKey []byte
}

func newSealFS(fs vfs.FS, key []byte) (*sealFS, error) {
	fk, err := atrest.Derive(key, atrest.LabelAuthzFiles)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	ck, err := atrest.Derive(key, atrest.LabelAuthzFileCheck)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	blk, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return &sealFS{FS: fs, block: blk, checkKey: ck}, nil
}

func (fs *sealFS) Unwrap() vfs.FS { return fs.FS }

func (fs *sealFS) check(iv []byte) []byte {
	m := hmac.New(sha256.New, fs.checkKey)
	m.Write([]byte("xpt-kiosk authz file"))
	m.Write(iv)
	return m.Sum(nil)[:sealCheckLen]
}

// header returns a new header with a random IV.
func (fs *sealFS) header() []byte {
	h := make([]byte, sealHeaderLen)
	copy(h, sealMagic)
	h[4] = sealVersion
	rand.Read(h[8 : 8+sealIVLen])
	copy(h[8+sealIVLen:], fs.check(h[8:8+sealIVLen]))
	return h
}

// errNotSealed is a file without a sealed header: a replica kept in clear.
var errNotSealed = errors.New("authz: a file of the replica is not sealed")

// parseHeader checks a header read from a file of name.
func (fs *sealFS) parseHeader(h []byte, name string) ([]byte, error) {
	if !bytes.HasPrefix(h, []byte(sealMagic)) {
		return nil, fmt.Errorf("%w: %s", errNotSealed, name)
	}
	if h[4] != sealVersion {
		return nil, fmt.Errorf("authz: %s is sealed in version %d, this build reads %d", name, h[4], sealVersion)
	}
	iv := h[8 : 8+sealIVLen]
	if !hmac.Equal(h[8+sealIVLen:sealHeaderLen], fs.check(iv)) {
		return nil, fmt.Errorf("%w: %s was sealed with another storage key (restore that key, or delete the folder: the replica then resyncs from the central system)", ErrKey, filepath.Dir(name))
	}
	return iv, nil
}

func (fs *sealFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil {
		return f, err
	}
	return fs.fresh(f)
}

// fresh writes a new header at the start of f and returns f sealed.
func (fs *sealFS) fresh(f vfs.File) (vfs.File, error) {
	h := fs.header()
	if _, err := f.WriteAt(h, 0); err != nil {
		f.Close()
		return nil, err
	}
	sf := &sealedFile{File: f, fs: fs}
	copy(sf.iv[:], h[8:8+sealIVLen])
	return sf, nil
}

// open wraps a file opened for reading (or reading and writing): a file
// shorter than a header (created, then a crash before its header reached
// the disk) reads as empty, and gets a header if it is opened for writing.
func (fs *sealFS) open(f vfs.File, name string, write bool) (vfs.File, error) {
	h := make([]byte, sealHeaderLen)
	n, err := f.ReadAt(h, 0)
	if n < sealHeaderLen {
		if err != nil && err != io.EOF {
			f.Close()
			return nil, err
		}
		if write {
			return fs.fresh(f)
		}
		return &sealedFile{File: f, fs: fs, short: true}, nil
	}
	iv, err := fs.parseHeader(h, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	sf := &sealedFile{File: f, fs: fs}
	copy(sf.iv[:], iv)
	return sf, nil
}

func (fs *sealFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.Open(name, opts...)
	if err != nil {
		return f, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return f, nil
	}
	return fs.open(f, name, false)
}

func (fs *sealFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, category, opts...)
	if err != nil {
		return f, err
	}
	return fs.open(f, name, true)
}

// ReuseForWrite (a recycled write-ahead log) keeps the file but gives it a
// new IV: its old bytes then read as noise, which Pebble's log reader
// tells from records by their checksums, as it does for a recycled log in
// clear.
func (fs *sealFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil {
		return f, err
	}
	return fs.fresh(f)
}

func (fs *sealFS) Stat(name string) (vfs.FileInfo, error) {
	fi, err := fs.FS.Stat(name)
	if err != nil || !fi.Mode().IsRegular() || fs.FS.PathBase(name) == "LOCK" {
		return fi, err
	}
	return sealedInfo{fi}, nil
}

// sealedInfo is a sealed file's FileInfo: its size is the plain text's.
type sealedInfo struct{ vfs.FileInfo }

func (fi sealedInfo) Size() int64 { return max(fi.FileInfo.Size()-sealHeaderLen, 0) }

// sealedFile is one open sealed file. ReadAt may be called concurrently
// (it decrypts into the caller's buffer); writes come from one writer.
type sealedFile struct {
	vfs.File
	fs    *sealFS
	iv    [sealIVLen]byte
	short bool   // shorter than a header: empty, read-only
	off   int64  // the position of Read and Write
	buf   []byte // the ciphertext of a write
}

// xor XORs src with the keystream at the plain offset off into dst.
func (f *sealedFile) xor(dst, src []byte, off int64) {
	var ctr [sealIVLen]byte
	blk := uint64(off / aes.BlockSize)
	hi, lo := binary.BigEndian.Uint64(f.iv[:8]), binary.BigEndian.Uint64(f.iv[8:])
	nlo := lo + blk
	if nlo < lo {
		hi++
	}
	binary.BigEndian.PutUint64(ctr[:8], hi)
	binary.BigEndian.PutUint64(ctr[8:], nlo)
	s := cipher.NewCTR(f.fs.block, ctr[:])
	if skip := off % aes.BlockSize; skip > 0 {
		var junk [aes.BlockSize]byte
		s.XORKeyStream(junk[:skip], junk[:skip])
	}
	s.XORKeyStream(dst, src)
}

func (f *sealedFile) ReadAt(p []byte, off int64) (int, error) {
	if f.short {
		return 0, io.EOF
	}
	n, err := f.File.ReadAt(p, off+sealHeaderLen)
	f.xor(p[:n], p[:n], off)
	return n, err
}

func (f *sealedFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

func (f *sealedFile) WriteAt(p []byte, off int64) (int, error) {
	if f.short {
		return 0, errors.New("authz: write to a sealed file opened for reading")
	}
	if cap(f.buf) < len(p) {
		f.buf = make([]byte, len(p))
	}
	c := f.buf[:len(p)]
	f.xor(c, p, off)
	return f.File.WriteAt(c, off+sealHeaderLen)
}

func (f *sealedFile) Write(p []byte) (int, error) {
	n, err := f.WriteAt(p, f.off)
	f.off += int64(n)
	return n, err
}

func (f *sealedFile) Preallocate(offset, length int64) error {
	return f.File.Preallocate(offset+sealHeaderLen, length)
}

func (f *sealedFile) SyncTo(length int64) (bool, error) {
	return f.File.SyncTo(length + sealHeaderLen)
}

func (f *sealedFile) Prefetch(offset, length int64) error {
	return f.File.Prefetch(offset+sealHeaderLen, length)
}

func (f *sealedFile) Stat() (vfs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return fi, err
	}
	return sealedInfo{fi}, nil
}

// filesState says how the files of the replica at path are kept, from its
// manifests and OPTIONS files (every store has them once opened): sealed
// (their headers check under key, else ErrKey), in clear, or none yet.
type filesState int

const (
	filesNone filesState = iota
	filesInClear
	filesSealed
)

func probeFiles(path string, key []byte) (filesState, error) {
	ents, err := os.ReadDir(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return filesNone, nil
		}
		return filesNone, fmt.Errorf("authz: %w", err)
	}
	var fs *sealFS
	state := filesNone
	for _, e := range ents {
		if !e.Type().IsRegular() || !(strings.HasPrefix(e.Name(), "MANIFEST-") || strings.HasPrefix(e.Name(), "OPTIONS-")) {
			continue
		}
		name := filepath.Join(path, e.Name())
		h := make([]byte, sealHeaderLen)
		f, err := os.Open(name)
		if err != nil {
			return filesNone, fmt.Errorf("authz: %w", err)
		}
		n, _ := io.ReadFull(f, h)
		f.Close()
		switch {
		case n == 0:
			continue
		case !bytes.HasPrefix(h[:n], []byte(sealMagic)):
			if state == filesSealed {
				return filesNone, fmt.Errorf("authz: %s holds sealed files and files in clear (delete the folder: the replica then resyncs)", path)
			}
			state = filesInClear
			continue
		case len(key) == 0:
			return filesNone, fmt.Errorf("%w: %s is sealed and no storage key is configured ([storage] keyFile)", ErrKey, path)
		case n < sealHeaderLen:
			continue
		}
		if state == filesInClear {
			return filesNone, fmt.Errorf("authz: %s holds sealed files and files in clear (delete the folder: the replica then resyncs)", path)
		}
		if fs == nil {
			if fs, err = newSealFS(vfs.Default, key); err != nil {
				return filesNone, err
			}
		}
		if _, err := fs.parseHeader(h, name); err != nil {
			return filesNone, err
		}
		state = filesSealed
	}
	return state, nil
}
