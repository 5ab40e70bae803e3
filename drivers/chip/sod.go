package chip

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // SOD hash algorithms, registered for crypto.Hash
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// Object identifiers of CMS (RFC 5652), ICAO 9303-10 and the algorithms
// passports use.
var (
	OIDSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	OIDCSCAMasterList    = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	OIDContentType       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}

	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

var hashOIDs = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.4": crypto.SHA224,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// HashOID returns the object identifier of h.
func HashOID(h crypto.Hash) asn1.ObjectIdentifier {
	for s, v := range hashOIDs {
		if v == h {
			var oid asn1.ObjectIdentifier
			for _, p := range bytes.Split([]byte(s), []byte(".")) {
				n := 0
				for _, c := range p {
					n = n*10 + int(c-'0')
				}
				oid = append(oid, n)
			}
			return oid
		}
	}
	return nil
}

func hashOf(a pkix.AlgorithmIdentifier) (crypto.Hash, error) {
	h, ok := hashOIDs[a.Algorithm.String()]
	if !ok {
		return 0, fmt.Errorf("%w: unknown hash algorithm %s", ErrMalformed, a.Algorithm)
	}
	return h, nil
}

// CMS structures (RFC 5652), used both to parse and to build.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

type ldsSecurityObject struct {
	Version             int
	HashAlgorithm       pkix.AlgorithmIdentifier
	DataGroupHashValues []dataGroupHash
	LDSVersionInfo      asn1.RawValue `asn1:"optional"`
}

type dataGroupHash struct {
	DataGroupNumber    int
	DataGroupHashValue []byte
}

// SOD is a parsed EF.SOD: the LDS security object with the data groups'
// hashes, and the CMS signature over it.
type SOD struct {
	HashAlgorithm crypto.Hash
	Hashes        map[int][]byte // by data group number
	// DS is the document signer certificate of the signer info, from the
	// SOD's certificates; nil when the SOD carries none that matches.
	DS           *Certificate
	Certificates []*Certificate

	eContent    []byte
	contentType asn1.ObjectIdentifier
	signer      signerInfo
}

// unwrapSignedData parses DER ContentInfo holding SignedData.
func unwrapSignedData(der []byte) (*signedData, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: ContentInfo: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after ContentInfo", ErrMalformed, len(rest))
	}
	if !ci.ContentType.Equal(OIDSignedData) || ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 {
		return nil, fmt.Errorf("%w: not CMS SignedData (%s)", ErrMalformed, ci.ContentType)
	}
	var sd signedData
	if rest, err = asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: bytes after SignedData", ErrMalformed)
	}
	return &sd, nil
}

// eContent returns the encapsulated content's octets.
func (sd *signedData) content() ([]byte, error) {
	ec := sd.EncapContentInfo.EContent
	if ec.Class != asn1.ClassContextSpecific || ec.Tag != 0 {
		return nil, fmt.Errorf("%w: SignedData without encapsulated content", ErrMalformed)
	}
	var octets []byte
	if _, err := asn1.Unmarshal(ec.Bytes, &octets); err != nil {
		return nil, fmt.Errorf("%w: eContent: %v", ErrMalformed, err)
	}
	return octets, nil
}

// ParseSOD decodes EF.SOD (tag 77 around a CMS ContentInfo). Any structural
// fault is an error wrapping ErrMalformed.
func ParseSOD(file []byte) (*SOD, error) {
	t, err := parseFile(file, 0x77, "EF.SOD")
	if err != nil {
		return nil, err
	}
	s, err := parseSigned(t.Value, OIDLDSSecurityObject, "SOD")
	if err != nil {
		return nil, err
	}
	var lds ldsSecurityObject
	if rest, err := asn1.Unmarshal(s.eContent, &lds); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: LDS security object: %v", ErrMalformed, err)
	}
	if s.HashAlgorithm, err = hashOf(lds.HashAlgorithm); err != nil {
		return nil, err
	}
	for _, d := range lds.DataGroupHashValues {
		if d.DataGroupNumber < 1 || d.DataGroupNumber > 16 || s.Hashes[d.DataGroupNumber] != nil {
			return nil, fmt.Errorf("%w: SOD hash for data group %d", ErrMalformed, d.DataGroupNumber)
		}
		s.Hashes[d.DataGroupNumber] = d.DataGroupHashValue
	}
	return s, nil
}

// parseSigned decodes CMS SignedData of content type ctype with one signer
// (an SOD or a master list): the content, the certificates and the signer's.
func parseSigned(der []byte, ctype asn1.ObjectIdentifier, what string) (*SOD, error) {
	sd, err := unwrapSignedData(der)
	if err != nil {
		return nil, err
	}
	if !sd.EncapContentInfo.EContentType.Equal(ctype) {
		return nil, fmt.Errorf("%w: %s content is %s, not %s", ErrMalformed, what, sd.EncapContentInfo.EContentType, ctype)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %s with %d signer infos", ErrMalformed, what, len(sd.SignerInfos))
	}
	s := &SOD{signer: sd.SignerInfos[0], contentType: ctype, Hashes: map[int][]byte{}}
	if s.eContent, err = sd.content(); err != nil {
		return nil, err
	}
	if len(sd.Certificates.Bytes) > 0 {
		if s.Certificates, err = parseCertificateSet(sd.Certificates.Bytes); err != nil {
			return nil, fmt.Errorf("%w: %s certificates: %v", ErrMalformed, what, err)
		}
	}
	s.DS = s.findSigner()
	return s, nil
}

// findSigner picks the certificate the signer info names, by issuer and
// serial number or by subject key identifier.
func (s *SOD) findSigner() *Certificate {
	sid := s.signer.SID
	var is struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	byIssuer := sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence
	if byIssuer {
		if _, err := asn1.Unmarshal(sid.FullBytes, &is); err != nil {
			return nil
		}
	}
	for _, c := range s.Certificates {
		switch {
		case byIssuer:
			if bytes.Equal(is.Issuer.FullBytes, c.RawIssuer) && is.Serial.Cmp(c.SerialNumber) == 0 {
				return c
			}
		case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
			if len(c.SubjectKeyId) > 0 && bytes.Equal(sid.Bytes, c.SubjectKeyId) {
				return c
			}
		}
	}
	return nil
}

// signedAttributes returns the DER that the signature covers (the signed
// attributes with their SET tag) and checks the content type and message
// digest attributes against the encapsulated content.
func (s *SOD) signedAttributes() ([]byte, crypto.Hash, error) {
	h, err := hashOf(s.signer.DigestAlgorithm)
	if err != nil {
		return nil, 0, err
	}
	sa := s.signer.SignedAttrs
	if sa.Class != asn1.ClassContextSpecific || len(sa.FullBytes) == 0 {
		return nil, 0, errors.New("the signer info has no signed attributes")
	}
	der := append([]byte(nil), sa.FullBytes...)
	der[0] = 0x31 // [0] IMPLICIT becomes SET OF for the signature (RFC 5652 5.4)
	var digest []byte
	var ctype asn1.ObjectIdentifier
	for rest := sa.Bytes; len(rest) > 0; {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return nil, 0, fmt.Errorf("signed attributes: %v", err)
		}
		switch {
		case a.Type.Equal(OIDMessageDigest):
			var v [][]byte
			if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &v, "set"); err != nil || len(v) != 1 {
				return nil, 0, errors.New("bad messageDigest attribute")
			}
			digest = v[0]
		case a.Type.Equal(OIDContentType):
			var v []asn1.ObjectIdentifier
			if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &v, "set"); err != nil || len(v) != 1 {
				return nil, 0, errors.New("bad contentType attribute")
			}
			ctype = v[0]
		}
	}
	if digest == nil {
		return nil, 0, errors.New("no messageDigest attribute")
	}
	if ctype != nil && !ctype.Equal(s.contentType) {
		return nil, 0, errors.New("the contentType attribute names other content")
	}
	md := h.New()
	md.Write(s.eContent)
	if !bytes.Equal(md.Sum(nil), digest) {
		return nil, 0, errors.New("messageDigest does not match the LDS security object")
	}
	return der, h, nil
}

// parseCertificateSet parses the concatenated DER certificates of a SET.
func parseCertificateSet(b []byte) ([]*Certificate, error) {
	var out []*Certificate
	for len(b) > 0 {
		var raw asn1.RawValue
		rest, err := asn1.Unmarshal(b, &raw)
		if err != nil {
			return nil, err
		}
		c, err := ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		b = rest
	}
	return out, nil
}
