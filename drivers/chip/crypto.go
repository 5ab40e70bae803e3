package chip

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// KDF counters (ICAO 9303-11 9.7.1).
const (
	kdfEnc = 1
	kdfMAC = 2
)

// kdf3DES derives a two-key 3DES key (16 bytes, parity adjusted) from seed
// and counter c: the first 16 bytes of SHA-1(seed || c).
func kdf3DES(seed []byte, c uint32) []byte {
	h := sha1.New()
	h.Write(seed)
	var cb [4]byte
	binary.BigEndian.PutUint32(cb[:], c)
	h.Write(cb[:])
	k := h.Sum(nil)[:16]
	adjustParity(k)
	return k
}

// adjustParity sets each byte's low bit so that the byte has odd parity,
// as DES keys require.
func adjustParity(k []byte) {
	for i, b := range k {
		b &^= 1
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		k[i] = b
	}
}

// tdes returns the 3DES block cipher of a 16-byte two-key key (K1 K2 K1).
func tdes(k []byte) cipher.Block {
	if len(k) != 16 {
		panic(fmt.Sprintf("chip: 3DES key of %d bytes", len(k)))
	}
	k3 := make([]byte, 24)
	copy(k3, k)
	copy(k3[16:], k[:8])
	b, err := des.NewTripleDESCipher(k3)
	if err != nil {
		panic(err) // the length is checked above
	}
	return b
}

var zeroIV [8]byte

// encrypt3DES is 3DES-CBC with a zero IV over whole blocks.
func encrypt3DES(k, data []byte) []byte {
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(tdes(k), zeroIV[:]).CryptBlocks(out, data)
	return out
}

// decrypt3DES is the inverse of encrypt3DES; data must be whole blocks.
func decrypt3DES(k, data []byte) ([]byte, error) {
	if len(data)%8 != 0 || len(data) == 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", ErrMalformed, len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(tdes(k), zeroIV[:]).CryptBlocks(out, data)
	return out, nil
}

// pad applies ISO/IEC 9797-1 padding method 2 (0x80 then zeros) to a
// multiple of 8 bytes; it always adds at least one byte.
func pad(b []byte) []byte { return padTo(b, 8) }

// padTo is padding method 2 to a multiple of n bytes.
func padTo(b []byte, n int) []byte {
	out := make([]byte, len(b), len(b)+n)
	copy(out, b)
	out = append(out, 0x80)
	for len(out)%n != 0 {
		out = append(out, 0)
	}
	return out
}

// unpad removes padding method 2 (of up to 16 bytes).
func unpad(b []byte) ([]byte, error) {
	for i := len(b) - 1; i >= 0 && i >= len(b)-16; i-- {
		switch b[i] {
		case 0:
			continue
		case 0x80:
			return b[:i], nil
		}
		break
	}
	return nil, fmt.Errorf("%w: bad padding", ErrSecureMessaging)
}

// retailMAC is ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC"):
// single-DES CBC with K1 over already padded data, then the last block
// decrypted with K2 and encrypted with K1. The result is 8 bytes.
func retailMAC(k, padded []byte) []byte {
	if len(padded)%8 != 0 {
		panic("chip: MAC input not padded")
	}
	k1, _ := des.NewCipher(k[:8])
	k2, _ := des.NewCipher(k[8:16])
	var h [8]byte
	for i := 0; i < len(padded); i += 8 {
		subtle.XORBytes(h[:], h[:], padded[i:i+8])
		k1.Encrypt(h[:], h[:])
	}
	k2.Decrypt(h[:], h[:])
	k1.Encrypt(h[:], h[:])
	return h[:]
}

func newAES(k []byte) cipher.Block {
	b, err := aes.NewCipher(k)
	if err != nil {
		panic(fmt.Sprintf("chip: AES key of %d bytes", len(k)))
	}
	return b
}

// encryptAES is AES-CBC over whole blocks.
func encryptAES(k, iv, data []byte) []byte {
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(newAES(k), iv).CryptBlocks(out, data)
	return out
}

// decryptAES is the inverse of encryptAES.
func decryptAES(k, iv, data []byte) ([]byte, error) {
	if len(data)%16 != 0 || len(data) == 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", ErrMalformed, len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(newAES(k), iv).CryptBlocks(out, data)
	return out, nil
}

// cmac is AES-CMAC (NIST SP 800-38B, RFC 4493), 16 bytes.
func cmac(k, msg []byte) []byte {
	b := newAES(k)
	var l, k1, k2 [16]byte
	b.Encrypt(l[:], l[:])
	shift := func(dst, src []byte) {
		carry := src[0] >> 7
		for i := 0; i < 15; i++ {
			dst[i] = src[i]<<1 | src[i+1]>>7
		}
		dst[15] = src[15] << 1
		if carry != 0 {
			dst[15] ^= 0x87
		}
	}
	shift(k1[:], l[:])
	shift(k2[:], k1[:])
	n := (len(msg) + 15) / 16
	complete := n > 0 && len(msg)%16 == 0
	if n == 0 {
		n = 1
	}
	last := make([]byte, 16)
	copy(last, msg[(n-1)*16:])
	if complete {
		subtle.XORBytes(last, last, k1[:])
	} else {
		last[len(msg)-(n-1)*16] = 0x80
		subtle.XORBytes(last, last, k2[:])
	}
	var x [16]byte
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x[:], x[:], msg[i*16:(i+1)*16])
		b.Encrypt(x[:], x[:])
	}
	subtle.XORBytes(x[:], x[:], last)
	b.Encrypt(x[:], x[:])
	return x[:]
}
