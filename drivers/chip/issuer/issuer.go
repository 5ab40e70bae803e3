// Package issuer makes test ePassports: a country signing CA (CSCA), a
// document signer (DS) certified by it, and the chip's files (EF.COM, DG1
// from an MRZ, DG2 from a JPEG, EF.SOD signed by the DS). The tests of
// package chip and the simulated chip (cardsim, `xpt-kiosk sim chip`) use
// it; nothing in a kiosk does.
//
// Keys are made fresh (crypto/rand) unless a caller passes its own source.
// It is pure Go, standard library only.
package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// Algorithm is the DS signature algorithm of the SOD (and the CSCA's over
// the DS certificate).
type Algorithm string

const (
	RSAPKCS1 Algorithm = "rsa-pkcs1-sha256"
	RSAPSS   Algorithm = "rsa-pss-sha256"
	ECDSA    Algorithm = "ecdsa-p256-sha256"
)

// Authority is a CSCA with one document signer.
type Authority struct {
	Country   string
	Algorithm Algorithm
	CSCA      *x509.Certificate
	CSCAKey   crypto.Signer
	DS        *x509.Certificate
	DSKey     crypto.Signer
	// RevokedDS is a second document signer of the CSCA, which its CRL
	// (RevocationList) revokes: the signer of the RevokedDS kind.
	RevokedDS    *x509.Certificate
	revokedDSKey crypto.Signer
}

// Options for NewAuthority.
type Options struct {
	Country   string    // ICAO or ISO 3166 code for the certificates' C; "UT" when empty
	Algorithm Algorithm // ECDSA when empty
	// Name overrides the CSCA's common name (two authorities with one name
	// make a forged CSCA that the real one's subject matches).
	Name string
	Now  time.Time // the certificates' validity starts a day before (time.Now when zero)
	Rand io.Reader // crypto/rand when nil
}

func newKey(alg Algorithm, r io.Reader) (crypto.Signer, error) {
	if alg == ECDSA {
		return ecdsa.GenerateKey(elliptic.P256(), r)
	}
	return rsa.GenerateKey(r, 2048)
}

func x509Alg(alg Algorithm) x509.SignatureAlgorithm {
	switch alg {
	case RSAPKCS1:
		return x509.SHA256WithRSA
	case RSAPSS:
		return x509.SHA256WithRSAPSS
	}
	return x509.ECDSAWithSHA256
}

func nextSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

// CertCountry is the country a test authority's certificates name (their C,
// an ISO 3166 alpha-2 code) for a document's MRZ issuing state: the state's
// first two letters, which is right for most states (CA, US, GB, FR, NL,
// CH) and keeps the specimens' UTO recognisable as UT; Germany's one-letter
// D is DE. `sim chip` and the demo's chips both name their CSCAs so.
func CertCountry(state string) string {
	switch {
	case state == "D":
		return "DE"
	case len(state) >= 2:
		return state[:2]
	}
	return state + "X"
}

// NewAuthority makes a CSCA (self-signed, 10 years) and a DS (3 years)
// certified by it.
func NewAuthority(o Options) (*Authority, error) {
	if o.Country == "" {
		o.Country = "UT"
	}
	if o.Algorithm == "" {
		o.Algorithm = ECDSA
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Name == "" {
		o.Name = "CSCA " + o.Country
	}
	a := &Authority{Country: o.Country, Algorithm: o.Algorithm}
	var err error
	if a.CSCAKey, err = newKey(o.Algorithm, o.Rand); err != nil {
		return nil, err
	}
	if a.DSKey, err = newKey(o.Algorithm, o.Rand); err != nil {
		return nil, err
	}
	start := o.Now.Add(-24 * time.Hour).UTC()
	cscaName := pkix.Name{Country: []string{o.Country}, Organization: []string{"XPT test issuer"}, CommonName: o.Name}
	ct := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               cscaName,
		NotBefore:             start,
		NotAfter:              start.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    x509Alg(o.Algorithm),
	}
	der, err := x509.CreateCertificate(o.Rand, ct, ct, a.CSCAKey.Public(), a.CSCAKey)
	if err != nil {
		return nil, err
	}
	if a.CSCA, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	if a.DS, err = a.newDS(o, start, "Document Signer "+o.Country, a.DSKey); err != nil {
		return nil, err
	}
	if a.revokedDSKey, err = newKey(o.Algorithm, o.Rand); err != nil {
		return nil, err
	}
	if a.RevokedDS, err = a.newDS(o, start, "Document Signer "+o.Country+" (revoked)", a.revokedDSKey); err != nil {
		return nil, err
	}
	return a, nil
}

// newDS certifies key as a document signer of a's CSCA for 3 years.
func (a *Authority) newDS(o Options, start time.Time, name string, key crypto.Signer) (*x509.Certificate, error) {
	dt := &x509.Certificate{
		SerialNumber:       nextSerial(),
		Subject:            pkix.Name{Country: []string{o.Country}, Organization: []string{"XPT test issuer"}, CommonName: name},
		NotBefore:          start,
		NotAfter:           start.AddDate(3, 0, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		SignatureAlgorithm: x509Alg(o.Algorithm),
	}
	der, err := x509.CreateCertificate(o.Rand, dt, a.CSCA, key.Public(), a.CSCAKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// Document is what goes on a chip.
type Document struct {
	MRZ           []string // the printed zone's lines
	Photo         []byte   // JPEG or JPEG 2000
	Width, Height int      // of the photo
	// ISO39794 puts the photo in an ISO/IEC 39794-5 block (DG2 of LDS 2
	// passports) instead of an ISO/IEC 19794-5 record.
	ISO39794 bool
	// ChipMRZ, when set, goes into DG1 instead of MRZ (signed as genuine):
	// a chip whose zone differs from the printed one. BAC keys still come
	// from MRZ, as a kiosk derives them from the printed zone.
	ChipMRZ []string
	// NoAA issues a chip without active authentication (no DG14, DG15 or
	// key), as many issuers do; by default the chip has an ECDSA P-256 key.
	NoAA bool
	// AAKey, when set, is the chip's active authentication key instead of
	// a new P-256 one: an *ecdsa.PrivateKey or an *rsa.PrivateKey (ISO/IEC
	// 9796-2, as chips with RSA keys sign).
	AAKey crypto.Signer
	// NoCA issues a chip without chip authentication; by default DG14
	// offers it with a P-256 key, over CAProtocol (chip.OIDCAECDHAES128,
	// version 2, when nil; chip.OIDCAECDH3DES runs version 1).
	NoCA       bool
	CAProtocol asn1.ObjectIdentifier
}

// Passport is an issued chip's content.
type Passport struct {
	MRZInfo string            // the MRZ information: BAC's key seed, PACE's password
	Keys    chip.Keys         // BAC keys of the MRZ
	Files   map[uint16][]byte // by file identifier: EF.COM, DG1, DG2, DG14, DG15, EF.SOD
	// AAKey is the chip's active authentication key, DG15's private half
	// (nil with Document.NoAA): give it to cardsim.Card.AAKey.
	AAKey crypto.Signer
	// CAKey is the chip authentication key, DG14's private half (nil with
	// Document.NoCA): give it to cardsim.Card.CAKey.
	CAKey *ecdsa.PrivateKey
}

// Issue builds the chip's files for doc and signs its SOD with the DS.
func (a *Authority) Issue(doc Document) (*Passport, error) {
	r := mrz.Parse(doc.MRZ, mrz.Options{})
	if !r.Valid {
		return nil, fmt.Errorf("issuer: the MRZ is not valid: %v", r.Err())
	}
	info, err := chip.MRZInfoFromFields(r.Fields)
	if err != nil {
		return nil, err
	}
	dg1 := r.Lines
	if len(doc.ChipMRZ) > 0 {
		dg1 = doc.ChipMRZ
	}
	dgs := map[int][]byte{1: chip.EncodeDG1(dg1)}
	list := []int{1}
	if len(doc.Photo) > 0 {
		if chip.SniffImage(doc.Photo) == chip.ImageUnknown {
			return nil, errors.New("issuer: the photo is neither JPEG nor JPEG 2000")
		}
		dgs[2] = chip.EncodeDG2(doc.Photo, doc.Width, doc.Height)
		if doc.ISO39794 {
			dgs[2] = chip.Encode39794DG2(doc.Photo, doc.Width, doc.Height)
		}
		list = append(list, 2)
	}
	var aaKey crypto.Signer
	var aaPub crypto.PublicKey
	if !doc.NoAA {
		aaKey = doc.AAKey
		if aaKey == nil {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				return nil, err
			}
			aaKey = k
		}
		aaPub = aaKey.Public()
	}
	var caKey *ecdsa.PrivateKey
	if !doc.NoCA {
		var err error
		if caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	if aaKey != nil || caKey != nil {
		var caPub *ecdsa.PublicKey
		if caKey != nil {
			caPub = &caKey.PublicKey
		}
		dg14, dg15, err := SecurityFiles(aaPub, caPub, doc.CAProtocol)
		if err != nil {
			return nil, err
		}
		dgs[14] = dg14
		list = append(list, 14)
		if dg15 != nil {
			dgs[15] = dg15
			list = append(list, 15)
		}
	}
	sod, err := a.SignSOD(dgs)
	if err != nil {
		return nil, err
	}
	p := &Passport{MRZInfo: info, Keys: chip.BACKeys(info), AAKey: aaKey, CAKey: caKey, Files: map[uint16][]byte{
		chip.FIDCOM: chip.EncodeCOM(list...),
		chip.FIDSOD: sod,
	}}
	for n, b := range dgs {
		p.Files[chip.FIDOfDG(n)] = b
	}
	return p, nil
}

// AAFiles are DG14 (an ActiveAuthenticationInfo naming ecdsa-plain-SHA256
// for an EC key; none for RSA, whose ISO/IEC 9796-2 trailer names its
// hash) and DG15 (the key's SubjectPublicKeyInfo) for an active
// authentication public key.
func AAFiles(pub crypto.PublicKey) (dg14, dg15 []byte, err error) {
	return SecurityFiles(pub, nil, nil)
}

// SecurityFiles are DG14 and DG15 for an active authentication key (aa;
// nil: none, and no DG15) and a chip authentication key (ca; nil: none):
// DG14 holds AA's ActiveAuthenticationInfo (for an EC key), and CA's
// ChipAuthenticationInfo (protocol, chip.OIDCAECDHAES128 when nil;
// version 1 for 3DES, 2 otherwise) and ChipAuthenticationPublicKeyInfo.
func SecurityFiles(aa crypto.PublicKey, ca *ecdsa.PublicKey, caProtocol asn1.ObjectIdentifier) (dg14, dg15 []byte, err error) {
	var infos []asn1.RawValue
	if ca != nil {
		if caProtocol == nil {
			caProtocol = chip.OIDCAECDHAES128
		}
		version := 2
		if caProtocol.Equal(chip.OIDCAECDH3DES) {
			version = 1
		}
		spki, err := x509.MarshalPKIXPublicKey(ca)
		if err != nil {
			return nil, nil, err
		}
		ci, err := asn1.Marshal(struct {
			Protocol asn1.ObjectIdentifier
			Version  int
		}{caProtocol, version})
		if err != nil {
			return nil, nil, err
		}
		pk, err := asn1.Marshal(struct {
			Protocol asn1.ObjectIdentifier
			Key      asn1.RawValue
		}{chip.OIDPKECDH, asn1.RawValue{FullBytes: spki}})
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, asn1.RawValue{FullBytes: ci}, asn1.RawValue{FullBytes: pk})
	}
	if aa != nil {
		spki, err := x509.MarshalPKIXPublicKey(aa)
		if err != nil {
			return nil, nil, err
		}
		dg15 = chip.EncodeTLV(0x6F, spki)
	}
	if _, ok := aa.(*ecdsa.PublicKey); ok {
		info, err := asn1.Marshal(struct {
			Protocol  asn1.ObjectIdentifier
			Version   int
			Algorithm asn1.ObjectIdentifier
		}{chip.OIDAAProtocol, 1, chip.OIDECDSAPlainSHA256})
		if err != nil {
			return nil, nil, err
		}
		infos = append(infos, asn1.RawValue{FullBytes: info})
	}
	set, err := asn1.MarshalWithParams(infos, "set")
	if err != nil {
		return nil, nil, err
	}
	return chip.EncodeTLV(0x6E, set), dg15, nil
}

// CMS structures as package chip parses them (RFC 5652).
type algorithmIdentifier = pkix.AlgorithmIdentifier

type dataGroupHash struct {
	DataGroupNumber    int
	DataGroupHashValue []byte
}

type ldsSecurityObject struct {
	Version             int
	HashAlgorithm       algorithmIdentifier
	DataGroupHashValues []dataGroupHash
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    algorithmIdentifier
	SignedAttrs        asn1.RawValue
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue
}

type signedData struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue
	SignerInfos      []signerInfo `asn1:"set"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

func explicit0(inner []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // the structures above always marshal
	}
	return b
}

// SignSOD builds EF.SOD over the data groups given (raw files by number):
// an LDS security object with their SHA-256 hashes, signed by the DS with
// signed attributes (contentType, messageDigest), the DS certificate
// included.
func (a *Authority) SignSOD(dgs map[int][]byte) ([]byte, error) {
	return sign(a.Algorithm, chip.OIDLDSSecurityObject, securityObject(dgs), chip.FromX509(a.DS), a.DSKey)
}

// SignSODWith signs the data groups' SOD with any document signer: cert
// and key may be of a kind crypto/x509 cannot make (a brainpool key, for
// tests of chip's own certificate parser). alg names the signature.
func SignSODWith(dgs map[int][]byte, alg Algorithm, cert *chip.Certificate, key crypto.Signer) ([]byte, error) {
	return sign(alg, chip.OIDLDSSecurityObject, securityObject(dgs), cert, key)
}

func securityObject(dgs map[int][]byte) []byte {
	sha := algorithmIdentifier{Algorithm: chip.HashOID(crypto.SHA256)}
	lds := ldsSecurityObject{HashAlgorithm: sha}
	for n := 1; n <= 16; n++ {
		if b, ok := dgs[n]; ok {
			h := crypto.SHA256.New()
			h.Write(b)
			lds.DataGroupHashValues = append(lds.DataGroupHashValues, dataGroupHash{n, h.Sum(nil)})
		}
	}
	return must(asn1.Marshal(lds))
}

// sign wraps content in CMS SignedData signed by cert's key, inside the
// EF.SOD tag 77 when ctype is the LDS security object.
func sign(alg Algorithm, ctype asn1.ObjectIdentifier, content []byte, cert *chip.Certificate, key crypto.Signer) ([]byte, error) {
	sha := algorithmIdentifier{Algorithm: chip.HashOID(crypto.SHA256)}
	md := crypto.SHA256.New()
	md.Write(content)
	attrs := must(asn1.Marshal(attribute{Type: chip.OIDContentType, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: must(asn1.Marshal(ctype))}}))
	attrs = append(attrs, must(asn1.Marshal(attribute{Type: chip.OIDMessageDigest, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: must(asn1.Marshal(md.Sum(nil)))}}))...)
	toSign := must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrs}))
	h := crypto.SHA256.New()
	h.Write(toSign)
	digest := h.Sum(nil)
	var sigAlg algorithmIdentifier
	var opts crypto.SignerOpts = crypto.SHA256
	switch {
	case alg == ECDSA:
		sigAlg = algorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}
	case alg == RSAPSS:
		mgf := must(asn1.Marshal(sha))
		params := must(asn1.Marshal(struct {
			Hash algorithmIdentifier `asn1:"explicit,tag:0"`
			MGF  algorithmIdentifier `asn1:"explicit,tag:1"`
			Salt int                 `asn1:"explicit,tag:2"`
		}{sha, algorithmIdentifier{Algorithm: chip.OIDMGF1, Parameters: asn1.RawValue{FullBytes: mgf}}, 32}))
		sigAlg = algorithmIdentifier{Algorithm: chip.OIDRSAPSS, Parameters: asn1.RawValue{FullBytes: params}}
		opts = &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}
	default:
		sigAlg = algorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	}
	sig, err := key.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, err
	}
	sd := signedData{
		Version:          3,
		DigestAlgorithms: []algorithmIdentifier{sha},
		EncapContentInfo: encapContentInfo{EContentType: ctype, EContent: explicit0(must(asn1.Marshal(content)))},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert.Raw},
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber},
			DigestAlgorithm:    sha,
			SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrs},
			SignatureAlgorithm: sigAlg,
			Signature:          sig,
		}},
	}
	ci := must(asn1.Marshal(contentInfo{ContentType: chip.OIDSignedData, Content: explicit0(must(asn1.Marshal(sd)))}))
	if ctype.Equal(chip.OIDLDSSecurityObject) {
		return chip.EncodeTLV(0x77, ci), nil
	}
	return ci, nil
}

// MasterList builds an ICAO CSCA master list holding cscas, signed by this
// authority's DS (a master list signer in real life).
func (a *Authority) MasterList(cscas ...*x509.Certificate) ([]byte, error) {
	var set []byte
	for _, c := range cscas {
		set = append(set, c.Raw...)
	}
	ml := must(asn1.Marshal(struct {
		Version  int
		CertList asn1.RawValue
	}{0, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: set}}))
	return sign(a.Algorithm, chip.OIDCSCAMasterList, ml, chip.FromX509(a.DS), a.DSKey)
}

// TrustPEM is what a kiosk trusting this authority puts in its cscaDir:
// the CSCA certificate and its CRL (RevocationList), as PEM.
func (a *Authority) TrustPEM() ([]byte, error) {
	crl, err := a.RevocationList()
	if err != nil {
		return nil, err
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CSCA.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl})...), nil
}

// RevocationList is the CSCA's CRL (DER) that a kiosk trusting it holds:
// it revokes RevokedDS, since its validity began.
func (a *Authority) RevocationList() ([]byte, error) {
	return a.CRL(a.RevokedDS.NotBefore, a.RevokedDS.SerialNumber)
}

// CRL builds the authority's certificate revocation list (DER), signed by
// its CSCA, revoking the certificates with the given serial numbers (its
// DS's, say) at revokedAt.
func (a *Authority) CRL(revokedAt time.Time, serials ...*big.Int) ([]byte, error) {
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: revokedAt})
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: revokedAt, NextUpdate: revokedAt.AddDate(0, 3, 0),
		RevokedCertificateEntries: entries,
	}, a.CSCA, a.CSCAKey)
}
