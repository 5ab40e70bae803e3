package chip

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Chip authentication (ICAO 9303-11 6.2; BSI TR-03110 3.4): the chip
// proves it holds the private key of DG14's ChipAuthenticationPublicKeyInfo
// by agreeing new secure messaging keys with the terminal (ECDH with an
// ephemeral key of the terminal's): a copy of a chip's files on another
// chip cannot answer under them. Many issuers (the EU's among them) offer
// it instead of active authentication.

var (
	// OIDCA is id-CA; id-CA-ECDH is OIDCA.2, its protocols OIDCA.2.1
	// (3DES) to OIDCA.2.4 (AES-256).
	OIDCA = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
	// OIDPKECDH is id-PK-ECDH, DG14's chip authentication public key.
	OIDPKECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	// OIDCAECDH3DES and OIDCAECDHAES128 are the protocols test chips use.
	OIDCAECDH3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 1}
	OIDCAECDHAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
)

// StepChipAuth names chip authentication in results.
const StepChipAuth = "chip_authentication"

// CAResult is chip authentication's verdict, shaped as active
// authentication's: valid, invalid (the chip did not answer under the
// agreed keys: a copy?), not_supported (DG14 offers none, or none this
// package runs; Detail says which).
type CAResult = AAResult

// CAInfo is the chip authentication DG14 offers: a protocol, its version
// (1: MSE:Set KAT, 3DES only; 2: MSE:Set AT and GENERAL AUTHENTICATE), the
// key reference when the chip has several keys, and the public key.
type CAInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	KeyID    *big.Int
	Key      *ECPublicKey
}

func caCipher(o asn1.ObjectIdentifier) (paceCipher, bool) {
	if len(o) != len(OIDCA)+2 || !o[:len(OIDCA)].Equal(OIDCA) || o[len(OIDCA)] != 2 {
		return paceCipher{}, false
	}
	ci, ok := paceECDHGM[o[len(o)-1]] // the same ciphers as PACE's ECDH protocols
	return ci, ok
}

// CAProtocolSupported reports whether this package runs the chip
// authentication protocol o (id-CA-ECDH with 3DES or AES).
func CAProtocolSupported(o asn1.ObjectIdentifier) bool {
	_, ok := caCipher(o)
	return ok
}

// ParseCA reads DG14's chip authentication: the first ECDH protocol this
// package runs, with the public key of the same key reference. It returns
// nil and no error when DG14 offers none (nil DG14, only active
// authentication, or DH), and an error for a DG14 that does not parse or
// whose CA protocol has no usable key.
func ParseCA(dg14 []byte) (*CAInfo, error) {
	if dg14 == nil {
		return nil, nil
	}
	t, err := parseFile(dg14, 0x6E, "DG14")
	if err != nil {
		return nil, err
	}
	infos, err := securityInfos(t.Value, "DG14")
	if err != nil {
		return nil, err
	}
	type pkInfo struct {
		Protocol asn1.ObjectIdentifier
		SPKI     struct {
			Algorithm struct {
				OID    asn1.ObjectIdentifier
				Params asn1.RawValue `asn1:"optional"`
			}
			Key asn1.BitString
		}
		KeyID *big.Int `asn1:"optional"`
	}
	var cas []CAInfo
	var keys []pkInfo
	for _, raw := range infos {
		var head struct {
			Protocol asn1.ObjectIdentifier
			Rest     asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(raw.FullBytes, &head); err != nil {
			continue
		}
		switch {
		case head.Protocol.Equal(OIDPKECDH):
			var k pkInfo
			if _, err := asn1.Unmarshal(raw.FullBytes, &k); err != nil {
				return nil, fmt.Errorf("%w: DG14's ChipAuthenticationPublicKeyInfo: %v", ErrMalformed, err)
			}
			keys = append(keys, k)
		case len(head.Protocol) > len(OIDCA) && head.Protocol[:len(OIDCA)].Equal(OIDCA):
			var ci struct {
				Protocol asn1.ObjectIdentifier
				Version  int
				KeyID    *big.Int `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(raw.FullBytes, &ci); err != nil {
				return nil, fmt.Errorf("%w: DG14's ChipAuthenticationInfo: %v", ErrMalformed, err)
			}
			if _, ok := caCipher(ci.Protocol); ok && (ci.Version == 1 || ci.Version == 2) {
				cas = append(cas, CAInfo{Protocol: ci.Protocol, Version: ci.Version, KeyID: ci.KeyID})
			}
		}
	}
	if len(cas) == 0 {
		return nil, nil
	}
	for _, ca := range cas {
		for _, k := range keys {
			if ca.KeyID != nil && (k.KeyID == nil || k.KeyID.Cmp(ca.KeyID) != 0) {
				continue
			}
			if !k.SPKI.Algorithm.OID.Equal(OIDECPublicKey) {
				continue
			}
			c, name, err := ecParameters(k.SPKI.Algorithm.Params.FullBytes)
			if err != nil {
				return nil, fmt.Errorf("%w: DG14's chip authentication key: %v", ErrMalformed, err)
			}
			q, err := c.decode(k.SPKI.Key.RightAlign())
			if err != nil {
				return nil, fmt.Errorf("DG14's chip authentication key: %w", err)
			}
			ca.Key = &ECPublicKey{Curve: name, c: c, q: q}
			return &ca, nil
		}
	}
	return nil, fmt.Errorf("%w: DG14 offers chip authentication (%v) without an EC public key for it", ErrMalformed, cas[0].Protocol)
}

// CASession is the secure messaging both sides start after chip
// authentication with protocol, from the shared secret k (the x
// coordinate of the ECDH point): ICAO 9303-11 9.7.1's keys, SSC 0.
func CASession(protocol asn1.ObjectIdentifier, k []byte) (*SecureMessaging, error) {
	ci, ok := caCipher(protocol)
	if !ok {
		return nil, fmt.Errorf("chip authentication protocol %v not implemented", protocol)
	}
	return paceSuite{cipher: ci}.session(k), nil
}

// ecdhAgree makes an ephemeral key on q's curve and returns its public
// point (uncompressed) and the shared x coordinate: crypto/ecdh on the NIST
// curves, the package's arithmetic on the others.
func ecdhAgree(key *ECPublicKey, r io.Reader) (pub, k []byte, err error) {
	c := key.c
	if r == nil {
		r = rand.Reader
	}
	if std := nistCurves[c.name].dh; std != nil && r == rand.Reader {
		peer, err := std.NewPublicKey(c.encode(key.q))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: the chip authentication key: %v", ErrMalformed, err)
		}
		sk, err := std.GenerateKey(r)
		if err != nil {
			return nil, nil, err
		}
		k, err := sk.ECDH(peer)
		return sk.PublicKey().Bytes(), k, err
	}
	sk, err := randomScalar(r, c.n)
	if err != nil {
		return nil, nil, err
	}
	shared := c.mul(sk, key.q)
	if shared.x == nil {
		return nil, nil, errors.New("chip authentication: the shared point is at infinity")
	}
	k = make([]byte, c.coordinateSz)
	shared.x.FillBytes(k)
	return c.encode(c.mul(sk, c.g())), k, nil
}

// ChipAuthenticate runs chip authentication over s with DG14's info and
// returns the session under the new keys, confirmed: EF.COM's first bytes
// (com, as read before) are read again under them. A chip without the
// key's private half cannot answer that (a secure messaging error); one
// that refuses the commands answers with a status. Both are errors.
func ChipAuthenticate(s *Session, info *CAInfo, com []byte, r io.Reader) (*Session, error) {
	pub, k, err := ecdhAgree(info.Key, r)
	if err != nil {
		return nil, err
	}
	var ref []byte
	if info.KeyID != nil {
		ref = EncodeTLV(0x84, info.KeyID.Bytes())
	}
	switch info.Version {
	case 1: // MSE:Set KAT with the ephemeral key
		data := append(EncodeTLV(0x91, pub), ref...)
		if _, sw, err := transmit(s, Command{INS: 0x22, P1: 0x41, P2: 0xA6, Data: data}); err != nil {
			return nil, err
		} else if sw != SWOK {
			return nil, fmt.Errorf("MSE:Set KAT: %w", &StatusError{sw})
		}
	default: // MSE:Set AT with the protocol, GENERAL AUTHENTICATE with the key
		oid, _ := asn1.Marshal(info.Protocol)
		if _, sw, err := transmit(s, Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: append(EncodeTLV(0x80, oid[2:]), ref...)}); err != nil {
			return nil, err
		} else if sw != SWOK {
			return nil, fmt.Errorf("MSE:Set AT: %w", &StatusError{sw})
		}
		if _, sw, err := transmit(s, Command{INS: 0x86, Data: gaData(0x80, pub), Ne: 256}); err != nil {
			return nil, err
		} else if sw != SWOK {
			return nil, fmt.Errorf("GENERAL AUTHENTICATE: %w", &StatusError{sw})
		}
	}
	sm, err := CASession(info.Protocol, k)
	if err != nil {
		return nil, err
	}
	ns := &Session{T: s.T, SM: sm}
	n := min(len(com), 4)
	got, err := (&Reader{T: ns}).ReadPrefix(FIDCOM, n)
	if err != nil {
		return nil, fmt.Errorf("no answer under the chip authentication keys: %w", err)
	}
	if !bytes.Equal(got, com[:n]) {
		return nil, errors.New("EF.COM reads differently under the chip authentication keys")
	}
	return ns, nil
}

// VerifyCA is chip authentication's verdict on a read: dg14 as read, and
// the error ChipAuthenticate gave (nil when it ran and succeeded, or when
// it was not run because DG14 offers none).
func VerifyCA(dg14 []byte, ran bool, chipErr error) CAResult {
	info, err := ParseCA(dg14)
	switch {
	case err != nil:
		return CAResult{Status: AAInvalid, Detail: err.Error()}
	case info == nil:
		return CAResult{Status: AANotSupported, Detail: "DG14 offers no chip authentication this package runs"}
	}
	alg := fmt.Sprintf("%s v%d %s", caName(info.Protocol), info.Version, info.Key.Curve)
	switch {
	case chipErr != nil:
		return CAResult{Status: AAInvalid, Algorithm: alg, Detail: "the chip did not authenticate with DG14's key: " + chipErr.Error() + " (the chip may be a copy)"}
	case !ran:
		return CAResult{Status: AANotSupported, Algorithm: alg, Detail: "not run"}
	}
	return CAResult{Status: AAValid, Algorithm: alg}
}

func caName(o asn1.ObjectIdentifier) string {
	ci, _ := caCipher(o)
	if !ci.aes {
		return "ECDH-3DES"
	}
	return fmt.Sprintf("ECDH-AES-%d", 8*ci.keyLen)
}
