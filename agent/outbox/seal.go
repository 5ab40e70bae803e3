package outbox

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// Encryption at rest. With Options.Key, every record's event is sealed
// with AES-256-GCM before it is written: sealedMagic, a random 12-byte
// nonce, the ciphertext and its 16-byte tag, with the record's seq as
// additional data (a record cannot be moved to another seq). The length
// and CRC in the record header cover the sealed bytes, so recovery works
// the same with or without a key. A record written before the key was set
// (plain JSON) is still read; a sealed one without the key, or with
// another key, is an error: nothing is published that cannot be opened.

// sealedMagic starts a sealed record's data: 0xff never starts JSON.
var sealedMagic = []byte{0xff, 'X', 'E', '1'}

const (
	nonceLen      = 12
	sealOverhead  = 4 + nonceLen + 16
	maxRecordData = wire.MaxEnvelopeBytes + sealOverhead
	// KeyLen is the length of Options.Key: AES-256.
	KeyLen = 32
)

// ErrKey is the error of a sealed record that cannot be opened.
var ErrKey = errors.New("outbox: a sealed event cannot be opened (no storage key, or another one)")

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != KeyLen {
		return nil, fmt.Errorf("outbox: storage key of %d bytes, want %d (AES-256)", len(key), KeyLen)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func seqAD(seq uint64) []byte {
	var ad [8]byte
	binary.LittleEndian.PutUint64(ad[:], seq)
	return ad[:]
}

// sealRecord returns data sealed for seq.
func sealRecord(a cipher.AEAD, seq uint64, data []byte) []byte {
	out := make([]byte, 0, sealOverhead+len(data))
	out = append(out, sealedMagic...)
	var nonce [nonceLen]byte
	rand.Read(nonce[:])
	out = append(out, nonce[:]...)
	return a.Seal(out, nonce[:], data, seqAD(seq))
}

// openRecord returns the event of a record's data: opened when sealed, as it is
// when plain.
func openRecord(a cipher.AEAD, seq uint64, data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, sealedMagic) {
		return data, nil // written before the key was set
	}
	if a == nil || len(data) < sealOverhead {
		return nil, fmt.Errorf("seq %d: %w", seq, ErrKey)
	}
	nonce := data[len(sealedMagic) : len(sealedMagic)+nonceLen]
	plain, err := a.Open(nil, nonce, data[len(sealedMagic)+nonceLen:], seqAD(seq))
	if err != nil {
		return nil, fmt.Errorf("seq %d: %w", seq, ErrKey)
	}
	return plain, nil
}

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
