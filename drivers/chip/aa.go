package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"

	_ "crypto/sha1" // AA's hash functions, named by DG14 or the RSA trailer
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Active authentication (ICAO 9303-11 6.1) proves that the chip is the one
// its issuer made, not a copy: the chip signs the terminal's random
// challenge with a private key it never gives out, and the signature
// verifies with the public key in DG15, which passive authentication
// vouches for (its hash is in the SOD). A clone holds the files but not
// the key. Read runs it when EF.COM lists DG15; VerifyAA checks it.

// AAStatus is the verdict of active authentication.
type AAStatus string

const (
	// AAValid: the chip signed the challenge with DG15's key.
	AAValid AAStatus = "valid"
	// AAInvalid: DG15 is there but the signature does not verify, the
	// chip refused to sign, or DG15/DG14 cannot be used: the chip may be
	// a copy. The kiosk refers (CHIP_INVALID).
	AAInvalid AAStatus = "invalid"
	// AANotSupported: the chip has no DG15 (AA is optional for issuers).
	AANotSupported AAStatus = "not_supported"
)

// StepActiveAuth names an active authentication failure where a failing
// step is shown (the console's chip verdict), beside passive
// authentication's steps.
const StepActiveAuth = "active_authentication"

// AAResult is the outcome of active authentication. It holds no personal
// data.
type AAResult struct {
	Status    AAStatus `json:"status"`
	Algorithm string   `json:"algorithm,omitempty"` // "ecdsa-plain-SHA256 brainpoolP256r1", "rsa-iso9796-2 SHA1 1024"
	Detail    string   `json:"detail,omitempty"`
}

// OIDs of active authentication.
var (
	// OIDAAProtocol is id-icao-mrtd-security-aaProtocolObject, the
	// protocol of DG14's ActiveAuthenticationInfo.
	OIDAAProtocol = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	oidRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
)

// OIDECDSAPlainSHA256 is ecdsa-plain-SHA256, the AA signature algorithm
// test chips declare in DG14.
var OIDECDSAPlainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}

// AAChallengeLen is the length of RND.IFD, the challenge (8 bytes).
const AAChallengeLen = 8

// InternalAuthenticate sends INTERNAL AUTHENTICATE with challenge (over
// the secure messaging session t) and returns the chip's signature. ne is
// the signature's expected length (AASignatureLen of DG15; 256 when 0):
// over secure messaging an answer of more than 223 to 231 bytes (an RSA
// key over about 1,800 bits) no longer fits a short response, so the
// command then asks for an extended one, which the chip and reader must
// support; a smaller key keeps the short form every chip reads.
func InternalAuthenticate(t Transport, challenge []byte, ne int) ([]byte, error) {
	if ne <= 0 || ne > 65536 {
		ne = 256
	}
	data, sw, err := transmit(t, Command{INS: 0x88, Data: challenge, Ne: ne})
	if err != nil {
		return nil, err
	}
	if sw != SWOK {
		return nil, &StatusError{sw}
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: an empty INTERNAL AUTHENTICATE response", ErrMalformed)
	}
	return data, nil
}

// AASignatureLen is the length of the chip's answer to INTERNAL
// AUTHENTICATE with DG15's key: the RSA modulus's, or an ECDSA signature's
// two values; 256 (the most a short answer holds) when DG15 does not parse.
func AASignatureLen(dg15 []byte) int {
	k, err := parseDG15(dg15)
	switch {
	case err != nil:
		return 256
	case k.rsa != nil:
		return (k.rsa.N.BitLen() + 7) / 8
	}
	return 2 * ((k.ec.c.n.BitLen() + 7) / 8)
}

// aaKey is DG15's public key: RSA, or EC on a curve this package computes on.
type aaKey struct {
	rsa *rsa.PublicKey
	ec  *ECPublicKey
}

// parseDG15 reads the public key in DG15 (tag 6F: a SubjectPublicKeyInfo):
// RSA, or EC with a named curve (P-224, P-256, P-384, P-521,
// brainpoolP256r1) or explicit prime-field parameters.
func parseDG15(b []byte) (*aaKey, error) {
	t, err := parseFile(b, 0x6F, "DG15")
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	if rest, err := asn1.Unmarshal(t.Value, &spki); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: DG15 is not a SubjectPublicKeyInfo", ErrMalformed)
	}
	switch {
	case spki.Algorithm.OID.Equal(oidRSA):
		pub, err := x509.ParsePKIXPublicKey(t.Value)
		if err != nil {
			return nil, fmt.Errorf("%w: DG15's RSA key: %v", ErrMalformed, err)
		}
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: DG15's RSA key", ErrMalformed)
		}
		return &aaKey{rsa: k}, nil
	case spki.Algorithm.OID.Equal(OIDECPublicKey):
		c, name, err := ecParameters(spki.Algorithm.Params.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: DG15's key: %v", ErrMalformed, err)
		}
		q, err := c.decode(spki.Key.RightAlign())
		if err != nil {
			return nil, fmt.Errorf("DG15's key: %w", err)
		}
		return &aaKey{ec: &ECPublicKey{Curve: name, c: c, q: q}}, nil
	}
	return nil, fmt.Errorf("%w: DG15's key algorithm %v is neither RSA nor EC", ErrMalformed, spki.Algorithm.OID)
}

// aaHashes are the AA signature algorithms DG14 may name for an EC key:
// ecdsa-plain-SHA* (BSI TR-03111) and the X9.62 ecdsa-with-SHA* some chips
// write instead.
var aaHashes = map[string]crypto.Hash{
	"0.4.0.127.0.7.1.1.4.1.1": crypto.SHA1,
	"0.4.0.127.0.7.1.1.4.1.2": crypto.SHA224,
	"0.4.0.127.0.7.1.1.4.1.3": crypto.SHA256,
	"0.4.0.127.0.7.1.1.4.1.4": crypto.SHA384,
	"0.4.0.127.0.7.1.1.4.1.5": crypto.SHA512,
	"1.2.840.10045.4.1":       crypto.SHA1,
	"1.2.840.10045.4.3.1":     crypto.SHA224,
	"1.2.840.10045.4.3.2":     crypto.SHA256,
	"1.2.840.10045.4.3.3":     crypto.SHA384,
	"1.2.840.10045.4.3.4":     crypto.SHA512,
}

// aaHash is the hash an ECDSA AA signature uses: DG14's
// ActiveAuthenticationInfo names it (ICAO 9303-11 9.2.3), required for an
// EC key.
func aaHash(dg14 []byte) (crypto.Hash, error) {
	if dg14 == nil {
		return 0, errors.New("an ECDSA key needs DG14's ActiveAuthenticationInfo, and the chip has no DG14")
	}
	t, err := parseFile(dg14, 0x6E, "DG14")
	if err != nil {
		return 0, err
	}
	infos, err := securityInfos(t.Value, "DG14")
	if err != nil {
		return 0, err
	}
	for _, raw := range infos {
		var info struct {
			Protocol  asn1.ObjectIdentifier
			Version   int                   `asn1:"optional"`
			Algorithm asn1.ObjectIdentifier `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(raw.FullBytes, &info); err != nil || !info.Protocol.Equal(OIDAAProtocol) {
			continue // another kind of SecurityInfo
		}
		if info.Version != 1 || info.Algorithm == nil {
			return 0, fmt.Errorf("%w: DG14's ActiveAuthenticationInfo", ErrMalformed)
		}
		if h, ok := aaHashes[info.Algorithm.String()]; ok {
			return h, nil
		}
		return 0, fmt.Errorf("%w: DG14 names the AA signature algorithm %v, which is not ECDSA", ErrMalformed, info.Algorithm)
	}
	return 0, errors.New("DG14 has no ActiveAuthenticationInfo, which an ECDSA key needs")
}

// VerifyAA checks active authentication: sig, the chip's answer to
// challenge, against DG15's key (and, for ECDSA, DG14's hash). dg15 nil
// means the chip does not support it. chipErr is why the chip gave no
// signature (nil when it gave one). DG15's and DG14's integrity is passive
// authentication's, which hashes them with the other data groups.
func VerifyAA(dg15, dg14, challenge, sig []byte, chipErr error) AAResult {
	if dg15 == nil {
		return AAResult{Status: AANotSupported, Detail: "the chip has no DG15"}
	}
	invalid := func(alg, format string, a ...any) AAResult {
		return AAResult{Status: AAInvalid, Algorithm: alg, Detail: fmt.Sprintf(format, a...)}
	}
	k, err := parseDG15(dg15)
	if err != nil {
		return invalid("", "%v", err)
	}
	if chipErr != nil {
		return invalid(k.String(), "the chip did not sign the challenge: %v", chipErr)
	}
	if len(challenge) != AAChallengeLen {
		return invalid(k.String(), "no challenge was sent")
	}
	if k.rsa != nil {
		alg, err := verifyISO9796(k.rsa, challenge, sig)
		if err != nil {
			return invalid(alg, "%v", err)
		}
		return AAResult{Status: AAValid, Algorithm: alg}
	}
	h, err := aaHash(dg14)
	if err != nil {
		return invalid(k.String(), "%v", err)
	}
	alg := "ecdsa-plain-" + hashName(h) + " " + k.ec.Curve
	hh := h.New()
	hh.Write(challenge)
	if l := (k.ec.c.n.BitLen() + 7) / 8; len(sig) != 2*l || !k.ec.verifyAA(hh.Sum(nil), sig) {
		return invalid(alg, "%v", errAASignature)
	}
	return AAResult{Status: AAValid, Algorithm: alg}
}

// verifyAA checks a plain ECDSA signature of digest: with crypto/ecdsa on
// the NIST curves (about 40 times faster than the package's own math/big
// arithmetic), which brainpool and explicit curves take.
func (k *ECPublicKey) verifyAA(digest, sig []byte) bool {
	n, ok := nistCurves[k.Curve]
	if !ok {
		return k.verify(digest, sig)
	}
	c := n.ec
	l := len(sig) / 2
	pub := &ecdsa.PublicKey{Curve: c, X: k.q.x, Y: k.q.y}
	return ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:l]), new(big.Int).SetBytes(sig[l:]))
}

func (k *aaKey) String() string {
	if k.rsa != nil {
		return fmt.Sprintf("rsa %d", k.rsa.N.BitLen())
	}
	return "ecdsa " + k.ec.Curve
}

// hashName is h as AA's algorithm names write it (SHA256).
func hashName(h crypto.Hash) string { return strings.ReplaceAll(h.String(), "-", "") }

// errAASignature is the verdict on a signature that does not verify.
var errAASignature = errors.New("the chip's signature of the challenge does not verify with DG15's key: the chip may be a copy")

// iso9796Hashes are ISO/IEC 10118-3's hash identifiers in a two-byte
// trailer (xx CC).
var iso9796Hashes = map[byte]crypto.Hash{0x33: crypto.SHA1, 0x34: crypto.SHA256, 0x35: crypto.SHA512, 0x36: crypto.SHA384, 0x38: crypto.SHA224}

// verifyISO9796 verifies an RSA AA signature: ISO/IEC 9796-2 digital
// signature scheme 1 with partial message recovery, the challenge the
// non-recoverable part M2 (ICAO 9303-11 6.1). The representative is
// 6A || M1 || H(M1 || M2) || BC (SHA-1) or || hash-id CC.
func verifyISO9796(k *rsa.PublicKey, challenge, sig []byte) (string, error) {
	size := (k.N.BitLen() + 7) / 8
	alg := fmt.Sprintf("rsa-iso9796-2 %d", k.N.BitLen())
	if len(sig) != size {
		return alg, fmt.Errorf("%w (a signature of %d bytes, want %d)", errAASignature, len(sig), size)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return alg, errAASignature
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, size))
	h, t := crypto.SHA1, 1
	switch {
	case m[size-1] == 0xBC:
	case m[size-1] == 0xCC && iso9796Hashes[m[size-2]] != 0:
		h, t = iso9796Hashes[m[size-2]], 2
	default:
		return alg, errAASignature
	}
	alg = fmt.Sprintf("rsa-iso9796-2 %s %d", hashName(h), k.N.BitLen())
	hl := h.Size()
	if m[0] != 0x6A || size < 1+hl+t+1 {
		return alg, errAASignature
	}
	m1, d := m[1:size-t-hl], m[size-t-hl:size-t]
	hh := h.New()
	hh.Write(m1)
	hh.Write(challenge)
	if !bytes.Equal(hh.Sum(nil), d) {
		return alg, errAASignature
	}
	return alg, nil
}
