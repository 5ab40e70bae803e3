package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Certificate is a CSCA or document signer certificate as passive
// authentication needs it. Go's crypto/x509 parses most; it refuses EC keys
// on curves it does not know (the brainpool curves many issuers use) and
// explicit EC domain parameters (common in passport PKIs), so those are
// parsed here with their key on this package's own curve arithmetic.
type Certificate struct {
	Raw, RawTBS, RawIssuer, RawSubject []byte
	SerialNumber                       *big.Int
	Subject, Issuer                    pkix.Name
	NotBefore, NotAfter                time.Time
	SubjectKeyId                       []byte
	// PublicKey is *rsa.PublicKey, *ecdsa.PublicKey or, for curves Go does
	// not know, *ECPublicKey.
	PublicKey          any
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	// X509 is Go's parse of the certificate, nil when Go refused it.
	X509 *x509.Certificate
}

// ECPublicKey is an EC public key on a curve crypto/x509 does not support.
type ECPublicKey struct {
	Curve string // "brainpoolP256r1", or "explicit" for explicit parameters
	c     *curve
	q     point
}

// FromX509 wraps a certificate Go parsed.
func FromX509(c *x509.Certificate) *Certificate {
	return &Certificate{
		Raw: c.Raw, RawTBS: c.RawTBSCertificate, RawIssuer: c.RawIssuer, RawSubject: c.RawSubject,
		SerialNumber: c.SerialNumber, Subject: c.Subject, Issuer: c.Issuer,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, SubjectKeyId: c.SubjectKeyId,
		PublicKey: c.PublicKey, Signature: c.Signature, X509: c,
	}
}

// Equal reports whether two certificates are the same bytes.
func (c *Certificate) Equal(o *Certificate) bool { return o != nil && bytes.Equal(c.Raw, o.Raw) }

type rawCert struct {
	TBS       asn1.RawValue
	SigAlg    pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type rawTBS struct {
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     *big.Int
	SigAlg     pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	Validity   struct{ NotBefore, NotAfter time.Time }
	Subject    asn1.RawValue
	SPKI       rawSPKI
	IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
	SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type rawSPKI struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

var (
	oidBrainpoolP256r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	oidPrimeField      = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	oidSubjectKeyID    = asn1.ObjectIdentifier{2, 5, 29, 14}
)

// ParseCertificate parses a DER certificate: with crypto/x509 when it can,
// else with this package's parser for EC keys on other curves.
func ParseCertificate(der []byte) (*Certificate, error) {
	if c, err := x509.ParseCertificate(der); err == nil {
		return FromX509(c), nil
	} else if c2, err2 := parseECCertificate(der); err2 == nil {
		return c2, nil
	} else {
		return nil, fmt.Errorf("%w (and: %v)", err, err2)
	}
}

func parseECCertificate(der []byte) (*Certificate, error) {
	var rc rawCert
	if rest, err := asn1.Unmarshal(der, &rc); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("certificate: %v", err)
	}
	var tbs rawTBS
	if _, err := asn1.Unmarshal(rc.TBS.FullBytes, &tbs); err != nil {
		return nil, fmt.Errorf("certificate body: %v", err)
	}
	if !tbs.SPKI.Algorithm.Algorithm.Equal(OIDECPublicKey) {
		return nil, fmt.Errorf("certificate key %s", tbs.SPKI.Algorithm.Algorithm)
	}
	c, name, err := ecParameters(tbs.SPKI.Algorithm.Parameters.FullBytes)
	if err != nil {
		return nil, err
	}
	q, err := c.decode(tbs.SPKI.PublicKey.RightAlign())
	if err != nil {
		return nil, err
	}
	out := &Certificate{
		Raw: der, RawTBS: rc.TBS.FullBytes, RawIssuer: tbs.Issuer.FullBytes, RawSubject: tbs.Subject.FullBytes,
		SerialNumber: tbs.Serial, NotBefore: tbs.Validity.NotBefore, NotAfter: tbs.Validity.NotAfter,
		PublicKey: &ECPublicKey{Curve: name, c: c, q: q}, SignatureAlgorithm: rc.SigAlg, Signature: rc.Signature.RightAlign(),
	}
	for _, n := range []struct {
		raw []byte
		to  *pkix.Name
	}{{out.RawIssuer, &out.Issuer}, {out.RawSubject, &out.Subject}} {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(n.raw, &rdn); err != nil {
			return nil, fmt.Errorf("certificate name: %v", err)
		}
		n.to.FillFromRDNSequence(&rdn)
	}
	for _, e := range tbs.Extensions {
		if e.Id.Equal(oidSubjectKeyID) {
			asn1.Unmarshal(e.Value, &out.SubjectKeyId)
		}
	}
	return out, nil
}

// namedCurves are the curves EC parameters may name, by OID.
var namedCurves = map[string]*curve{
	"1.3.132.0.33":              paceCurves[10], // P-224
	"1.2.840.10045.3.1.7":       paceCurves[12], // P-256
	oidBrainpoolP256r1.String(): brainpoolP256r1,
	"1.3.132.0.34":              paceCurves[15], // P-384
	"1.3.132.0.35":              paceCurves[18], // P-521
}

// ecParameters reads named (P-224, P-256, P-384, P-521, brainpoolP256r1)
// or explicit prime-field EC domain parameters (RFC 3279 2.3.5).
func ecParameters(der []byte) (*curve, string, error) {
	var named asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(der, &named); err == nil {
		if c, ok := namedCurves[named.String()]; ok {
			return c, c.name, nil
		}
		return nil, "", fmt.Errorf("EC curve %s not implemented", named)
	}
	var p struct {
		Version int
		Field   struct {
			Type  asn1.ObjectIdentifier
			Prime *big.Int
		}
		Curve struct {
			A, B []byte
			Seed asn1.BitString `asn1:"optional"`
		}
		Base     []byte
		Order    *big.Int
		Cofactor int `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return nil, "", fmt.Errorf("EC parameters: %v", err)
	}
	if !p.Field.Type.Equal(oidPrimeField) || p.Field.Prime == nil || p.Order == nil || p.Field.Prime.Sign() <= 0 || p.Order.Sign() <= 0 {
		return nil, "", errors.New("EC parameters: not a prime field curve")
	}
	c := &curve{name: "explicit", p: p.Field.Prime, a: new(big.Int).SetBytes(p.Curve.A), b: new(big.Int).SetBytes(p.Curve.B),
		n: p.Order, coordinateSz: (p.Field.Prime.BitLen() + 7) / 8}
	g, err := c.decode(p.Base)
	if err != nil {
		return nil, "", fmt.Errorf("EC parameters: base point: %v", err)
	}
	c.gx, c.gy = g.x, g.y
	return c, "explicit", nil
}

// verifyECDSA checks an ECDSA signature (DER, or plain r || s) on k's curve.
func (k *ECPublicKey) verify(digest, sig []byte) bool {
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
		if len(sig) == 0 || len(sig)%2 != 0 {
			return false
		}
		rs.R, rs.S = new(big.Int).SetBytes(sig[:len(sig)/2]), new(big.Int).SetBytes(sig[len(sig)/2:])
	}
	c := k.c
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.Cmp(c.n) >= 0 || rs.S.Cmp(c.n) >= 0 {
		return false
	}
	e := hashToInt(digest, c.n)
	w := new(big.Int).ModInverse(rs.S, c.n)
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, c.n)
	u2 := new(big.Int).Mul(rs.R, w)
	u2.Mod(u2, c.n)
	x := c.add(c.mul(u1, c.g()), c.mul(u2, k.q))
	if x.x == nil {
		return false
	}
	v := new(big.Int).Mod(x.x, c.n)
	return v.Cmp(rs.R) == 0
}

// hashToInt is the digest's leftmost bits, as many as the order has (SEC 1 4.1.3).
func hashToInt(digest []byte, n *big.Int) *big.Int {
	bits := n.BitLen()
	if len(digest)*8 > bits {
		digest = digest[:(bits+7)/8]
	}
	e := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - bits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}

// signature algorithms of certificates, by OID, with their hash.
var sigAlgHashes = map[string]crypto.Hash{
	"1.2.840.113549.1.1.5":  crypto.SHA1,
	"1.2.840.113549.1.1.14": crypto.SHA224,
	"1.2.840.113549.1.1.11": crypto.SHA256,
	"1.2.840.113549.1.1.12": crypto.SHA384,
	"1.2.840.113549.1.1.13": crypto.SHA512,
	"1.2.840.10045.4.1":     crypto.SHA1,
	"1.2.840.10045.4.3.1":   crypto.SHA224,
	"1.2.840.10045.4.3.2":   crypto.SHA256,
	"1.2.840.10045.4.3.3":   crypto.SHA384,
	"1.2.840.10045.4.3.4":   crypto.SHA512,
}

// verifySigned checks sig over signed with pub. alg is the signature
// algorithm; h the hash to use when alg names none (rsaEncryption,
// id-ecPublicKey, as signer infos may say).
func verifySigned(pub any, alg pkix.AlgorithmIdentifier, h crypto.Hash, signed, sig []byte) error {
	if ah, ok := sigAlgHashes[alg.Algorithm.String()]; ok {
		h = ah
	}
	var pss *rsa.PSSOptions
	if alg.Algorithm.Equal(OIDRSAPSS) {
		var err error
		if pss, err = parsePSS(alg.Parameters.FullBytes); err != nil {
			return err
		}
		h = pss.Hash
	}
	if h == 0 || !h.Available() {
		return fmt.Errorf("no hash for signature algorithm %s", alg.Algorithm)
	}
	md := h.New()
	md.Write(signed)
	digest := md.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if pss != nil {
			if err := rsa.VerifyPSS(k, h, digest, sig, pss); err != nil {
				return fmt.Errorf("RSA-PSS signature: %v", err)
			}
			return nil
		}
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("RSA signature: %v", err)
		}
		return nil
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(k, digest, sig) {
			return nil
		}
		if n := len(sig); n%2 == 0 && n > 0 { // plain format (BSI TR-03111)
			if ecdsa.Verify(k, digest, new(big.Int).SetBytes(sig[:n/2]), new(big.Int).SetBytes(sig[n/2:])) {
				return nil
			}
		}
		return errors.New("ECDSA signature does not verify")
	case *ECPublicKey:
		if k.verify(digest, sig) {
			return nil
		}
		return fmt.Errorf("ECDSA (%s) signature does not verify", k.Curve)
	}
	return fmt.Errorf("unsupported key type %T", pub)
}

// CheckSignatureFrom checks that parent signed c: with crypto/x509's rules
// when Go parsed both, else by the signature alone (the parent must still
// be a CA with certSign when Go could read it).
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if c.X509 != nil && parent.X509 != nil {
		return c.X509.CheckSignatureFrom(parent.X509)
	}
	if p := parent.X509; p != nil && (!p.IsCA || (p.KeyUsage != 0 && p.KeyUsage&x509.KeyUsageCertSign == 0)) {
		return errors.New("the parent is not a CA")
	}
	alg, sig := c.SignatureAlgorithm, c.Signature
	if c.X509 != nil {
		alg = sigAlgOf(c.X509)
	}
	return verifySigned(parent.PublicKey, alg, 0, c.RawTBS, sig)
}

// sigAlgOf is the signature algorithm identifier of a certificate Go parsed.
func sigAlgOf(c *x509.Certificate) pkix.AlgorithmIdentifier {
	var rc rawCert
	asn1.Unmarshal(c.Raw, &rc)
	return rc.SigAlg
}
