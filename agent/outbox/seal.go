package outbox

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/xpt-pilot/xpt-kiosk/internal/atrest"
	"github.com/xpt-pilot/xpt-kiosk/wire"
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
	KeyLen = atrest.KeyLen
)

// ErrKey is the error of a sealed record that cannot be opened.
var ErrKey = errors.New("outbox: a sealed event cannot be opened (no storage key, or another one)")

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) == 0 {
		return nil, nil
	}
	a, err := atrest.NewAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return a, nil
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

// LoadKey reads a storage key file (atrest.LoadKey): 32 bytes, raw or
// written as base64 or hex, readable by its owner only.
func LoadKey(path string) ([]byte, error) { return atrest.LoadKey(path) }

// NewKey returns a new random storage key, base64 with a newline: the form
// `xpt-kiosk provision storage-key` writes.
func NewKey() []byte { return atrest.NewKey() }
