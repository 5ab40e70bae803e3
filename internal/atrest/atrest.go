// Package atrest is the kiosk's encryption at rest: the storage key (a
// file or a systemd credential the kiosk holds outside its data folder),
// the sub-keys derived from it for each store, AES-256-GCM sealing of
// small values, and a chunked sealed stream for files. The outbox, the
// authorization replica and the scanner spool share it; it imports only
// the standard library, so drivers may use it too.
//
// Sub-keys: each store seals with its own key, HKDF-SHA-256 of the storage
// key with the store's label (Derive), so that nothing one store wrote can
// be opened as another's, and a replica's keyed hashes of document numbers
// use a key that never encrypts. The outbox seals with the storage key
// itself: it did so before the sub-keys existed, and its sealed events
// must stay readable.
package atrest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// KeyLen is the storage key's length: AES-256.
const KeyLen = 32

// The sub-key labels (HKDF info strings): one per store and use.
const (
	LabelSpool = "xpt-kiosk at rest v1: scanner spool"
	// The replica's files (AES-256-CTR below Pebble) and their key check.
	LabelAuthzFiles     = "xpt-kiosk at rest v1: authz files"
	LabelAuthzFileCheck = "xpt-kiosk at rest v1: authz file check"
)

// NonceLen and TagLen are AES-GCM's; Overhead is what Seal adds.
const (
	NonceLen = 12
	TagLen   = 16
	Overhead = NonceLen + TagLen
)

// ErrOpen is a sealed value that does not open: no key, another key, or
// bytes changed or moved.
var ErrOpen = errors.New("sealed data cannot be opened (another storage key, or changed)")

// LoadKey reads a storage key file: 32 bytes, raw or written as base64 or
// hex (one line). The file must be readable by its owner only (0400 or
// 0600): a key others can read protects nothing.
func LoadKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("storage key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("storage key %s: not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("storage key %s is %v: readable by others than its owner (chmod 0400 it)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("storage key: %w", err)
	}
	if len(b) == KeyLen {
		return b, nil
	}
	t := strings.TrimSpace(string(b))
	if k, err := base64.StdEncoding.DecodeString(t); err == nil && len(k) == KeyLen {
		return k, nil
	}
	if k, err := hex.DecodeString(t); err == nil && len(k) == KeyLen {
		return k, nil
	}
	return nil, fmt.Errorf("storage key %s: want %d bytes, raw, base64 or hex (xpt-kiosk provision storage-key makes one)", path, KeyLen)
}

// NewKey returns a new random storage key, base64 with a newline: the form
// `xpt-kiosk provision storage-key` writes.
func NewKey() []byte {
	k := make([]byte, KeyLen)
	rand.Read(k)
	return []byte(base64.StdEncoding.EncodeToString(k) + "\n")
}

// Derive returns the sub-key of the storage key for label:
// HKDF-SHA-256(key, no salt, label), 32 bytes.
func Derive(key []byte, label string) ([]byte, error) {
	if len(key) != KeyLen {
		return nil, fmt.Errorf("storage key of %d bytes, want %d (AES-256)", len(key), KeyLen)
	}
	return hkdf.Key(sha256.New, key, nil, label, KeyLen)
}

// NewAEAD returns AES-256-GCM under key (32 bytes). It is safe for
// concurrent use; make it once per store.
func NewAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeyLen {
		return nil, fmt.Errorf("storage key of %d bytes, want %d (AES-256)", len(key), KeyLen)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// Nonces hands out random 12-byte nonces, drawn from crypto/rand a few
// hundred at a time (one system call per 4 KiB instead of one per value).
// Safe for concurrent use.
type Nonces struct {
	mu  sync.Mutex
	buf [4096 - 4096%NonceLen]byte
	off int
}

// Next fills dst (NonceLen bytes) with a nonce never handed out before.
func (n *Nonces) Next(dst []byte) {
	n.mu.Lock()
	if n.off == 0 || n.off+NonceLen > len(n.buf) {
		rand.Read(n.buf[:])
		n.off = 0
	}
	copy(dst[:NonceLen], n.buf[n.off:n.off+NonceLen])
	// What was handed out is not kept: a later look at the buffer cannot
	// tell an earlier nonce (they are public anyway, but stay unique).
	clear(n.buf[n.off : n.off+NonceLen])
	n.off += NonceLen
	n.mu.Unlock()
}

// Seal appends nonce | ciphertext | tag of plain, bound to ad, to dst.
func Seal(dst []byte, a cipher.AEAD, ns *Nonces, plain, ad []byte) []byte {
	n := len(dst)
	dst = growSlice(dst, NonceLen)
	ns.Next(dst[n : n+NonceLen])
	return a.Seal(dst, dst[n:n+NonceLen], plain, ad)
}

// Open appends the plain text of what Seal made to dst; ErrOpen when it
// does not open.
func Open(dst []byte, a cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrOpen
	}
	out, err := a.Open(dst, sealed[:NonceLen], sealed[NonceLen:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// growSlice extends b by n bytes (their content undefined).
func growSlice(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n+64)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}
