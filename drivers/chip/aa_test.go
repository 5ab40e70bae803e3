package chip

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
)

var aaChallenge = []byte{0x0A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x71}

// aaInfoDG14 is a DG14 holding one ActiveAuthenticationInfo for alg.
func aaInfoDG14(t testing.TB, alg asn1.ObjectIdentifier) []byte {
	info, err := asn1.Marshal(struct {
		Protocol  asn1.ObjectIdentifier
		Version   int
		Algorithm asn1.ObjectIdentifier
	}{OIDAAProtocol, 1, alg})
	if err != nil {
		t.Fatal(err)
	}
	set, err := asn1.MarshalWithParams([]asn1.RawValue{{FullBytes: info}}, "set")
	if err != nil {
		t.Fatal(err)
	}
	return EncodeTLV(0x6E, set)
}

func spkiDG15(t testing.TB, pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return EncodeTLV(0x6F, der)
}

// iso9796 signs challenge as a chip does with ISO/IEC 9796-2 scheme 1:
// trailer BC (SHA-1) or hashID CC.
func iso9796(k *rsa.PrivateKey, h crypto.Hash, hashID byte, challenge []byte) []byte {
	size, t := k.Size(), 1
	if hashID != 0 {
		t = 2
	}
	m := make([]byte, size)
	m[0] = 0x6A
	m1 := m[1 : size-t-h.Size()]
	rand.Read(m1)
	hh := h.New()
	hh.Write(m1)
	hh.Write(challenge)
	copy(m[size-t-h.Size():], hh.Sum(nil))
	if t == 2 {
		m[size-2], m[size-1] = hashID, 0xCC
	} else {
		m[size-1] = 0xBC
	}
	return new(big.Int).Exp(new(big.Int).SetBytes(m), k.D, k.N).FillBytes(make([]byte, size))
}

// RSA active authentication, ISO/IEC 9796-2 with both trailers: the
// chip's signature verifies; another challenge, a flipped bit or another
// key's signature do not.
func TestAARSA(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	dg15 := spkiDG15(t, &k.PublicKey)
	for _, c := range []struct {
		h    crypto.Hash
		id   byte
		want string
	}{{crypto.SHA1, 0, "rsa-iso9796-2 SHA1 1024"}, {crypto.SHA256, 0x34, "rsa-iso9796-2 SHA256 1024"}, {crypto.SHA1, 0x33, "rsa-iso9796-2 SHA1 1024"}} {
		sig := iso9796(k, c.h, c.id, aaChallenge)
		if r := VerifyAA(dg15, nil, aaChallenge, sig, nil); r.Status != AAValid || r.Algorithm != c.want {
			t.Errorf("%v %x: %+v", c.h, c.id, r)
		}
		other := bytes.Clone(aaChallenge)
		other[0] ^= 1
		if r := VerifyAA(dg15, nil, other, sig, nil); r.Status != AAInvalid || !strings.Contains(r.Detail, "may be a copy") {
			t.Errorf("another challenge: %+v", r)
		}
		bad := bytes.Clone(sig)
		bad[len(bad)/2] ^= 0x10
		if r := VerifyAA(dg15, nil, aaChallenge, bad, nil); r.Status != AAInvalid {
			t.Errorf("a flipped bit: %+v", r)
		}
		if r := VerifyAA(dg15, nil, aaChallenge, sig[1:], nil); r.Status != AAInvalid {
			t.Errorf("a short signature: %+v", r)
		}
	}
	k2, _ := rsa.GenerateKey(rand.Reader, 1024)
	if r := VerifyAA(dg15, nil, aaChallenge, iso9796(k2, crypto.SHA1, 0, aaChallenge), nil); r.Status != AAInvalid {
		t.Errorf("another key: %+v", r)
	}
}

// signPlain is an ECDSA signature in plain format on any of this
// package's curves (crypto/ecdsa has no brainpool).
func signPlain(c *curve, d *big.Int, h crypto.Hash, msg []byte) []byte {
	hh := h.New()
	hh.Write(msg)
	e := hashToInt(hh.Sum(nil), c.n)
	l := (c.n.BitLen() + 7) / 8
	for {
		k, _ := rand.Int(rand.Reader, c.n)
		if k.Sign() == 0 {
			continue
		}
		r := new(big.Int).Mod(c.mul(k, c.g()).x, c.n)
		s := new(big.Int).Mul(r, d)
		s.Add(s, e).Mul(s, new(big.Int).ModInverse(k, c.n)).Mod(s, c.n)
		if r.Sign() == 0 || s.Sign() == 0 {
			continue
		}
		out := make([]byte, 2*l)
		r.FillBytes(out[:l])
		s.FillBytes(out[l:])
		return out
	}
}

// brainpoolDG15 is DG15 for the key d on brainpoolP256r1, named or with
// explicit parameters (as German passports write it).
func brainpoolDG15(t *testing.T, d *big.Int, explicit bool) []byte {
	c := brainpoolP256r1
	q := c.mul(d, c.g())
	var params []byte
	var err error
	if explicit {
		type fieldID struct {
			Type  asn1.ObjectIdentifier
			Prime *big.Int
		}
		type curveAB struct{ A, B []byte }
		params, err = asn1.Marshal(struct {
			Version int
			Field   fieldID
			Curve   curveAB
			Base    []byte
			Order   *big.Int
			Cof     int
		}{1, fieldID{oidPrimeField, c.p}, curveAB{c.a.FillBytes(make([]byte, 32)), c.b.FillBytes(make([]byte, 32))}, c.encode(c.g()), c.n, 1})
	} else {
		params, err = asn1.Marshal(oidBrainpoolP256r1)
	}
	if err != nil {
		t.Fatal(err)
	}
	spki, err := asn1.Marshal(struct {
		Alg struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue
		}
		Key asn1.BitString
	}{struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue
	}{OIDECPublicKey, asn1.RawValue{FullBytes: params}}, asn1.BitString{Bytes: c.encode(q), BitLength: 8 * len(c.encode(q))}})
	if err != nil {
		t.Fatal(err)
	}
	return EncodeTLV(0x6F, spki)
}

// ECDSA active authentication: the hash is DG14's (plain or X9.62 OIDs),
// on the NIST curves and brainpoolP256r1, named or explicit; without
// DG14's ActiveAuthenticationInfo an EC key cannot be judged (invalid).
func TestAAECDSA(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dg15 := spkiDG15(t, &k.PublicKey)
	d := sha256.Sum256(aaChallenge)
	r, s, _ := ecdsa.Sign(rand.Reader, k, d[:])
	sig := append(r.FillBytes(make([]byte, 48)), s.FillBytes(make([]byte, 48))...)
	for _, alg := range []asn1.ObjectIdentifier{OIDECDSAPlainSHA256, {1, 2, 840, 10045, 4, 3, 2}} {
		if res := VerifyAA(dg15, aaInfoDG14(t, alg), aaChallenge, sig, nil); res.Status != AAValid || res.Algorithm != "ecdsa-plain-SHA256 P-384" {
			t.Errorf("%v: %+v", alg, res)
		}
	}
	sha384 := asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}
	if res := VerifyAA(dg15, aaInfoDG14(t, sha384), aaChallenge, sig, nil); res.Status != AAInvalid {
		t.Errorf("signed over SHA-256, DG14 says SHA-384: %+v", res)
	}
	if res := VerifyAA(dg15, nil, aaChallenge, sig, nil); res.Status != AAInvalid || !strings.Contains(res.Detail, "DG14") {
		t.Errorf("no DG14: %+v", res)
	}
	if res := VerifyAA(dg15, aaInfoDG14(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}), aaChallenge, sig, nil); res.Status != AAInvalid {
		t.Errorf("DG14 names RSA for an EC key: %+v", res)
	}

	dk, _ := rand.Int(rand.Reader, brainpoolP256r1.n)
	bsig := signPlain(brainpoolP256r1, dk, crypto.SHA256, aaChallenge)
	for _, explicit := range []bool{false, true} {
		dg15 := brainpoolDG15(t, dk, explicit)
		res := VerifyAA(dg15, aaInfoDG14(t, OIDECDSAPlainSHA256), aaChallenge, bsig, nil)
		if res.Status != AAValid || !strings.Contains(res.Algorithm, "brainpoolP256r1") && !strings.Contains(res.Algorithm, "explicit") {
			t.Errorf("brainpool (explicit %v): %+v", explicit, res)
		}
		bad := bytes.Clone(bsig)
		bad[5] ^= 1
		if res := VerifyAA(dg15, aaInfoDG14(t, OIDECDSAPlainSHA256), aaChallenge, bad, nil); res.Status != AAInvalid {
			t.Errorf("brainpool (explicit %v), a flipped bit: %+v", explicit, res)
		}
	}
}

// The verdicts that need no signature: no DG15 (not supported), a chip
// that refused to sign or a DG15 that is not a key (invalid).
func TestAAVerdicts(t *testing.T) {
	if r := VerifyAA(nil, nil, nil, nil, nil); r.Status != AANotSupported {
		t.Errorf("no DG15: %+v", r)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dg15 := spkiDG15(t, &k.PublicKey)
	if r := VerifyAA(dg15, nil, aaChallenge, nil, &StatusError{SWInsNotSupported}); r.Status != AAInvalid || !strings.Contains(r.Detail, "6D00") {
		t.Errorf("refused: %+v", r)
	}
	for _, bad := range [][]byte{EncodeTLV(0x6F, []byte{0x30, 0x00}), EncodeTLV(0x6E, []byte{}), {0x6F}} {
		if r := VerifyAA(bad, nil, aaChallenge, []byte{1}, nil); r.Status != AAInvalid {
			t.Errorf("DG15 %x: %+v", bad, r)
		}
	}
}

// FuzzVerifyAA: whatever DG15, DG14 and signature a chip gives, the
// verifier never panics and never calls a signature valid that it did
// not make (a random one, here).
func FuzzVerifyAA(f *testing.F) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDG15 := spkiDG15(f, &k.PublicKey)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDG15 := spkiDG15(f, &ek.PublicKey)
	dg14 := aaInfoDG14(f, OIDECDSAPlainSHA256)
	f.Add(rsaDG15, []byte{}, iso9796(k, crypto.SHA1, 0, aaChallenge))
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add(ecDG15, dg14, make([]byte, 64))
	f.Add(ecDG15[:20], dg14[:10], []byte{0x30})
	f.Fuzz(func(t *testing.T, dg15, dg14, sig []byte) {
		r := VerifyAA(dg15, dg14, aaChallenge, sig, nil)
		switch r.Status {
		case AAValid:
			// Only a real key's signature: the seeds' RSA one (the
			// workers' keys differ, so it is not compared byte for byte).
			k, err := parseDG15(dg15)
			if err != nil || k.rsa == nil || len(sig) != k.rsa.Size() || r.Detail != "" {
				t.Fatalf("valid for %x: %+v", dg15, r)
			}
		case AAInvalid:
			if r.Detail == "" {
				t.Fatalf("invalid without a reason: %+v", r)
			}
		default:
			t.Fatalf("verdict %q for a DG15", r.Status)
		}
		aaHash(dg14)
	})
}
