package wire

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// NewID returns a random UUID version 7 (time-ordered, RFC 9562) as text.
// Event and transaction IDs use it, so that IDs sort roughly by creation.
func NewID(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux (Go 1.24+)
	ms := uint64(now.UnixMilli())
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms)
	copy(b[0:6], ts[2:8])
	b[6] = (b[6] & 0x0f) | 0x70
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// referenceAlphabet has no letters or digits that are read or said one for
// another (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V): what a traveler reads
// from the screen, the officer types without doubt.
const referenceAlphabet = "ACEFGHJKMNPRTWXY34679"

// NewReference returns a short random reference for a traveler's outcome,
// "XXX-XXX" from referenceAlphabet (21^6, about 86 million codes): the
// traveler is shown it and the officer finds the referral by it. It is
// not unique forever; callers that keep open referrals draw again on a
// clash.
func NewReference() string {
	var b [6]byte
	out := make([]byte, 0, 7)
	for i := 0; i < len(b); {
		_, _ = rand.Read(b[i : i+1])
		// Rejection sampling keeps the letters equally likely.
		if int(b[i]) >= 256-256%len(referenceAlphabet) {
			continue
		}
		if i == 3 {
			out = append(out, '-')
		}
		out = append(out, referenceAlphabet[int(b[i])%len(referenceAlphabet)])
		i++
	}
	return string(out)
}

// NormalizeReference turns what an officer typed into a reference's
// canonical form (upper case, the dash in place, spaces dropped), or ""
// when it cannot be one.
func NormalizeReference(s string) string {
	var c []byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '-':
			continue
		case ch >= 'a' && ch <= 'z':
			ch -= 'a' - 'A'
		}
		if !strings.ContainsRune(referenceAlphabet, rune(ch)) {
			return ""
		}
		c = append(c, ch)
	}
	if len(c) != 6 {
		return ""
	}
	return string(c[:3]) + "-" + string(c[3:])
}
