package chip

import (
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"io"
	"math/big"

	"crypto/x509/pkix"
)

// BrainpoolKeyForTest is a brainpoolP256r1 ECDSA key for the tests of
// certificates crypto/x509 cannot make (package chip_test).
type BrainpoolKeyForTest struct {
	d        *big.Int
	q        point
	explicit bool
}

// NewBrainpoolKeyForTest makes a key; explicit says whether its
// SubjectPublicKeyInfo carries explicit domain parameters or the curve's OID.
func NewBrainpoolKeyForTest(explicit bool) *BrainpoolKeyForTest {
	c := brainpoolP256r1
	d, _ := randomScalar(rand.Reader, c.n)
	return &BrainpoolKeyForTest{d: d, q: c.mul(d, c.g()), explicit: explicit}
}

// SPKI is the key's DER SubjectPublicKeyInfo.
func (k *BrainpoolKeyForTest) SPKI() []byte {
	c := brainpoolP256r1
	params, _ := asn1.Marshal(oidBrainpoolP256r1)
	if k.explicit {
		field, _ := asn1.Marshal(struct {
			Type  asn1.ObjectIdentifier
			Prime *big.Int
		}{oidPrimeField, c.p})
		fill := func(n *big.Int) []byte { b := make([]byte, c.coordinateSz); return n.FillBytes(b) }
		curveDER, _ := asn1.Marshal(struct{ A, B []byte }{fill(c.a), fill(c.b)})
		params, _ = asn1.Marshal(struct {
			Version  int
			Field    asn1.RawValue
			Curve    asn1.RawValue
			Base     []byte
			Order    *big.Int
			Cofactor int
		}{1, asn1.RawValue{FullBytes: field}, asn1.RawValue{FullBytes: curveDER}, c.encode(c.g()), c.n, 1})
	}
	b, _ := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: OIDECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
		asn1.BitString{Bytes: c.encode(k.q), BitLength: 8 * len(c.encode(k.q))}})
	return b
}

// Public is not a Go key type: the key is only for Sign.
func (k *BrainpoolKeyForTest) Public() crypto.PublicKey { return nil }

// Sign makes a DER ECDSA signature of digest.
func (k *BrainpoolKeyForTest) Sign(r io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	c := brainpoolP256r1
	e := hashToInt(digest, c.n)
	for {
		kk, err := randomScalar(r, c.n)
		if err != nil {
			return nil, err
		}
		rr := new(big.Int).Mod(c.mul(kk, c.g()).x, c.n)
		if rr.Sign() == 0 {
			continue
		}
		s := new(big.Int).Mul(rr, k.d)
		s.Add(s, e).Mul(s, new(big.Int).ModInverse(kk, c.n)).Mod(s, c.n)
		if s.Sign() == 0 {
			continue
		}
		return asn1.Marshal(struct{ R, S *big.Int }{rr, s})
	}
}
