package wire

import (
	"encoding/binary"
	"math/bits"
)

// parseEnvelopeFast decodes the canonical form of a SignedEnvelope in a
// single pass: optional whitespace, '{', members whose keys are exactly
// "keyId", "alg", "payload" or "sig" (each at most once, any order) with a
// plain string value, '}', optional whitespace. A plain string holds only
// the bytes 0x20-0x7f other than '"' and '\\': no escape, no control
// character, nothing outside ASCII, so its JSON value is its raw bytes.
//
// It reports false on anything else (the caller then uses json.Unmarshal,
// which gives the exact answer, error or not); env is then left untouched.
// When it reports true, json.Unmarshal(raw, env) would have succeeded and
// given the same env: members present are set, absent ones are unchanged.
//
// encoding/json scans a string value twice (validation, then unquoting);
// here the multi-megabyte payload is scanned once, eight bytes at a time,
// and copied once.
func parseEnvelopeFast(raw []byte, env *SignedEnvelope) bool {
	var (
		vals [4]string
		seen uint8
	)
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		i++
	} else {
		for {
			// Key.
			if i >= len(raw) || raw[i] != '"' {
				return false
			}
			end := plainStringEnd(raw, i+1)
			if end < 0 {
				return false
			}
			var k uint8
			switch string(raw[i+1 : end]) {
			case "keyId":
				k = 0
			case "alg":
				k = 1
			case "payload":
				k = 2
			case "sig":
				k = 3
			default:
				return false
			}
			if seen&(1<<k) != 0 {
				return false // a duplicate: encoding/json keeps the last, we just fall back
			}
			seen |= 1 << k
			i = skipWS(raw, end+1)
			if i >= len(raw) || raw[i] != ':' {
				return false
			}
			i = skipWS(raw, i+1)
			// Value: a plain string.
			if i >= len(raw) || raw[i] != '"' {
				return false
			}
			end = plainStringEnd(raw, i+1)
			if end < 0 {
				return false
			}
			vals[k] = string(raw[i+1 : end])
			i = skipWS(raw, end+1)
			if i >= len(raw) {
				return false
			}
			if raw[i] == ',' {
				i = skipWS(raw, i+1)
				continue
			}
			if raw[i] != '}' {
				return false
			}
			i++
			break
		}
	}
	if skipWS(raw, i) != len(raw) {
		return false
	}
	if seen&1 != 0 {
		env.KeyID = vals[0]
	}
	if seen&2 != 0 {
		env.Alg = vals[1]
	}
	if seen&4 != 0 {
		env.Payload = vals[2]
	}
	if seen&8 != 0 {
		env.Sig = vals[3]
	}
	return true
}

// skipWS returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plainStringEnd returns the index of the closing quote of a string whose
// contents start at b[i], or -1 if a byte that is not plain (a backslash,
// a byte below 0x20 or from 0x80 on) comes first or the quote is missing.
func plainStringEnd(b []byte, i int) int {
	// Word at a time (see specialBytes): 32 bytes per step while all are
	// plain, then 8 bytes per step to find the first byte that is not.
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		if (specialBytes(binary.LittleEndian.Uint64(w))|
			specialBytes(binary.LittleEndian.Uint64(w[8:]))|
			specialBytes(binary.LittleEndian.Uint64(w[16:]))|
			specialBytes(binary.LittleEndian.Uint64(w[24:])))&msb != 0 {
			break // the loop below finds which
		}
	}
	for ; i+8 <= len(b); i += 8 {
		special := specialBytes(binary.LittleEndian.Uint64(b[i:]))
		if special&msb != 0 {
			// The lowest flagged byte is a real one: borrows only go up.
			j := i + bits.TrailingZeros64(special&msb)/8
			if b[j] == '"' {
				return j
			}
			return -1
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			return i
		}
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return -1
		}
	}
	return -1
}

// specialBytes flags, in the top bit of each byte lane, the bytes of x
// (little-endian) that are not plain: >= 0x80, < 0x20, '"' or '\\'. The
// zero-byte tests are exact about whether such a byte exists and about the
// lowest one: a subtraction borrows out of a lane only if that lane is
// flagged, so lanes below the first flagged one see no borrow; a lane
// above it may be flagged wrongly, which nothing relies on.
func specialBytes(x uint64) uint64 {
	q := x ^ ('"' * lsb)
	s := x ^ ('\\' * lsb)
	return x | // any byte >= 0x80
		((x - 0x20*lsb) &^ x) | // a byte < 0x20 (for bytes < 0x80)
		((q - lsb) &^ q) | // a '"'
		((s - lsb) &^ s) // a '\\'
}
