package chip

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// Keys are the document basic access keys KEnc and KMAC derived from the
// MRZ information. Their String method hides them.
type Keys struct {
	Enc, MAC []byte
}

func (Keys) String() string { return "chip.Keys{...}" }

// MRZInfo returns the MRZ information that seeds BAC (ICAO 9303-11 9.7.2):
// the document number padded with '<' to at least 9 characters and its check
// digit, the birth date (YYMMDD) and its check digit, the expiry date and its
// check digit.
func MRZInfo(documentNumber, birth, expiry string) (string, error) {
	// A filler inside the number (the mrz package reports it as a space,
	// as peers do) is the zone's '<' again: BAC is keyed on the zone.
	doc := strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(documentNumber)), " ", "<")
	for len(doc) < 9 {
		doc += "<"
	}
	var b strings.Builder
	for _, f := range []struct{ name, v string }{{"document number", doc}, {"birth date", birth}, {"expiry date", expiry}} {
		if f.name != "document number" && len(f.v) != 6 {
			return "", fmt.Errorf("%w: %s must be YYMMDD", ErrMalformed, f.name)
		}
		cd, ok := mrz.CheckDigit(f.v)
		if !ok {
			return "", fmt.Errorf("%w: %s has a character outside the MRZ set", ErrMalformed, f.name)
		}
		b.WriteString(f.v)
		b.WriteByte(cd)
	}
	return b.String(), nil
}

// MRZInfoFromFields returns the MRZ information of a parsed zone.
func MRZInfoFromFields(f mrz.Fields) (string, error) {
	if f.BirthDate.IsZero() || f.ExpiryDate.IsZero() {
		return "", fmt.Errorf("%w: the zone has no birth or expiry date", ErrMalformed)
	}
	return MRZInfo(f.DocumentNumber, yymmdd(f.BirthDate), yymmdd(f.ExpiryDate))
}

func yymmdd(t time.Time) string { return t.Format("060102") }

// BACKeys derives KEnc and KMAC from the MRZ information (9.7.1, 9.7.2).
func BACKeys(mrzInfo string) Keys {
	h := sha1.Sum([]byte(mrzInfo))
	return KeysFromSeed(h[:16])
}

// KeysFromSeed derives the encryption and MAC keys of a 16-byte key seed.
func KeysFromSeed(seed []byte) Keys {
	return Keys{Enc: kdf3DES(seed, kdfEnc), MAC: kdf3DES(seed, kdfMAC)}
}

// BACParams lets tests fix the terminal's random values; nil fields are
// drawn from Rand (crypto/rand by default).
type BACParams struct {
	Rand   io.Reader
	RndIFD []byte // 8 bytes
	KIFD   []byte // 16 bytes
}

// ExternalAuthenticateData builds the EXTERNAL AUTHENTICATE command data
// E_IFD || M_IFD from the chip's challenge (ICAO 9303-11 9.7.4.1 steps 1-3).
func ExternalAuthenticateData(k Keys, rndIC, rndIFD, kIFD []byte) []byte {
	s := make([]byte, 0, 32)
	s = append(s, rndIFD...)
	s = append(s, rndIC...)
	s = append(s, kIFD...)
	e := encrypt3DES(k.Enc, s)
	return append(e, retailMAC(k.MAC, pad(e))...)
}

// CheckAuthenticateResponse checks the chip's E_ICC || M_ICC and returns
// the session (9.7.4.1 steps 4-5).
func CheckAuthenticateResponse(k Keys, resp, rndIC, rndIFD, kIFD []byte) (*SecureMessaging, error) {
	if len(resp) != 40 {
		return nil, fmt.Errorf("%w: EXTERNAL AUTHENTICATE response of %d bytes", ErrAccessDenied, len(resp))
	}
	e, m := resp[:32], resp[32:]
	if subtle.ConstantTimeCompare(retailMAC(k.MAC, pad(e)), m) != 1 {
		return nil, fmt.Errorf("%w: the chip's cryptogram MAC does not verify", ErrAccessDenied)
	}
	r, _ := decrypt3DES(k.Enc, e)
	if subtle.ConstantTimeCompare(r[:8], rndIC) != 1 || subtle.ConstantTimeCompare(r[8:16], rndIFD) != 1 {
		return nil, fmt.Errorf("%w: the chip's cryptogram answers another challenge", ErrAccessDenied)
	}
	return newBACSession(kIFD, r[16:32], rndIC, rndIFD), nil
}

// newBACSession derives the session keys from K.IFD xor K.ICC and the SSC
// from the low halves of the two challenges (9.7.4, 9.8.6.3).
func newBACSession(kIFD, kICC, rndIC, rndIFD []byte) *SecureMessaging {
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kICC)
	ks := KeysFromSeed(seed)
	ssc := make([]byte, 8)
	copy(ssc, rndIC[4:8])
	copy(ssc[4:], rndIFD[4:8])
	return NewSecureMessaging(ks.Enc, ks.MAC, ssc)
}

// DoBAC runs basic access control over t: GET CHALLENGE, then EXTERNAL
// AUTHENTICATE, and returns the secure messaging session. A chip that
// refuses the keys gives an error wrapping ErrAccessDenied.
func DoBAC(t Transport, k Keys, p *BACParams) (*SecureMessaging, error) {
	if p == nil {
		p = &BACParams{}
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	data, sw, err := transmit(t, Command{CLA: 0x00, INS: 0x84, Ne: 8})
	if err != nil {
		return nil, fault("bac: get challenge", err)
	}
	if sw != SWOK || len(data) != 8 {
		return nil, fault("bac: get challenge", fmt.Errorf("%w: %w (%d bytes)", ErrAccessDenied, &StatusError{sw}, len(data)))
	}
	rndIC := data
	rndIFD, kIFD := p.RndIFD, p.KIFD
	if rndIFD == nil {
		rndIFD = make([]byte, 8)
		if _, err := io.ReadFull(rnd, rndIFD); err != nil {
			return nil, fault("bac", err)
		}
	}
	if kIFD == nil {
		kIFD = make([]byte, 16)
		if _, err := io.ReadFull(rnd, kIFD); err != nil {
			return nil, fault("bac", err)
		}
	}
	cmd := Command{CLA: 0x00, INS: 0x82, Data: ExternalAuthenticateData(k, rndIC, rndIFD, kIFD), Ne: 40}
	resp, sw, err := transmit(t, cmd)
	if err != nil {
		return nil, fault("bac: external authenticate", err)
	}
	if sw != SWOK {
		return nil, fault("bac: external authenticate", fmt.Errorf("%w: %w", ErrAccessDenied, &StatusError{sw}))
	}
	sm, err := CheckAuthenticateResponse(k, resp, rndIC, rndIFD, kIFD)
	return sm, fault("bac: external authenticate", err)
}

// AnswerExternalAuthenticate is the chip's side of BAC, for emulators: it
// checks the terminal's E_IFD || M_IFD against the challenge rndIC it
// issued and returns its own E_ICC || M_ICC with the session. kICC is the
// chip's 16 bytes of keying material.
func AnswerExternalAuthenticate(k Keys, data, rndIC, kICC []byte) ([]byte, *SecureMessaging, error) {
	if len(data) != 40 {
		return nil, nil, fmt.Errorf("%w: EXTERNAL AUTHENTICATE data of %d bytes", ErrAccessDenied, len(data))
	}
	if len(k.Enc) != 16 || len(k.MAC) != 16 {
		return nil, nil, fmt.Errorf("%w: the chip holds no document basic access keys", ErrAccessDenied)
	}
	e, m := data[:32], data[32:]
	if subtle.ConstantTimeCompare(retailMAC(k.MAC, pad(e)), m) != 1 {
		return nil, nil, fmt.Errorf("%w: the terminal's MAC does not verify", ErrAccessDenied)
	}
	s, _ := decrypt3DES(k.Enc, e)
	rndIFD, kIFD := s[:8], s[16:32]
	if subtle.ConstantTimeCompare(s[8:16], rndIC) != 1 {
		return nil, nil, fmt.Errorf("%w: the terminal answered another challenge", ErrAccessDenied)
	}
	r := make([]byte, 0, 32)
	r = append(r, rndIC...)
	r = append(r, rndIFD...)
	r = append(r, kICC...)
	eICC := encrypt3DES(k.Enc, r)
	resp := append(eICC, retailMAC(k.MAC, pad(eICC))...)
	return resp, newBACSession(kIFD, kICC, rndIC, rndIFD), nil
}
