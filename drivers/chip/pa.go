package chip

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// PAStatus is the verdict of passive authentication.
type PAStatus string

const (
	PAValid         PAStatus = "valid"
	PAInvalid       PAStatus = "invalid"
	PANoTrustAnchor PAStatus = "no_trust_anchor"
)

// Steps of passive authentication, as named in an invalid result.
const (
	StepSODFormat     = "sod_format"     // EF.SOD is not a well-formed signed LDS security object
	StepSODSignature  = "sod_signature"  // the signer info's signature (or its messageDigest) does not verify
	StepDSCertificate = "ds_certificate" // no DS certificate, or it is not signed by the CSCA, not valid now, or revoked by the CSCA's CRL
	StepDGHash        = "dg_hash"        // a data group's hash differs from the SOD's (or the SOD has none for it)
)

// PAResult is the outcome of passive authentication. It holds no personal
// data: the certificates' subjects are issuing authorities.
type PAResult struct {
	Status PAStatus
	Step   string // the failing step when Status is invalid
	DG     int    // the data group of a dg_hash failure
	Detail string // why, in words
	// Country is the DS certificate's issuer country (C), when known.
	Country   string
	DSSubject string
	CSCA      string // the subject of the CSCA that verified the DS certificate
	// Checked lists the data groups whose hashes matched.
	Checked []int
}

func (r PAResult) String() string {
	switch r.Status {
	case PAInvalid:
		s := "invalid: " + r.Step
		if r.DG != 0 {
			s += fmt.Sprintf(" DG%d", r.DG)
		}
		return s + ": " + r.Detail
	case PANoTrustAnchor:
		return "no_trust_anchor: " + r.Detail
	}
	return fmt.Sprintf("valid (DG %v)", r.Checked)
}

// TrustStore holds CSCA certificates, the trust anchors of passive
// authentication.
type TrustStore struct {
	certs      []*Certificate
	crls       []CRL
	unusedCRLs int
}

// NewTrustStore returns a store holding certs.
func NewTrustStore(certs ...*x509.Certificate) *TrustStore {
	ts := &TrustStore{}
	for _, c := range certs {
		ts.certs = append(ts.certs, FromX509(c))
	}
	return ts
}

// Add adds certificates.
func (ts *TrustStore) Add(certs ...*Certificate) { ts.certs = append(ts.certs, certs...) }

// Len is the number of certificates.
func (ts *TrustStore) Len() int { return len(ts.certs) }

// LoadCSCAs reads every file of dir: PEM files (any number of
// CERTIFICATE and X509 CRL blocks), DER certificates and CRLs, and ICAO
// CSCA master lists (CMS SignedData holding a CscaMasterList; the master
// list's own signature is not verified here: a master list is trusted as
// the directory is). A CRL is used when a CSCA of the folder signed it
// (AddCRLs).
func LoadCSCAs(dir string) (*TrustStore, error) {
	entries, err := TrustFiles(dir)
	if err != nil {
		return nil, err
	}
	ts := &TrustStore{}
	var crls []*x509.RevocationList
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		certs, lists, err := parseTrustFile(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		ts.Add(certs...)
		crls = append(crls, lists...)
	}
	ts.AddCRLs(crls...)
	return ts, nil
}

// TrustFiles are the files of dir that LoadCSCAs reads: every one but
// folders and hidden files, in name order.
func TrustFiles(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := entries[:0]
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, e)
		}
	}
	return files, nil
}

// parseTrustFile reads a trust folder's file: certificates (PEM, DER, a
// master list) or CRLs (PEM X509 CRL blocks, DER).
func parseTrustFile(b []byte) ([]*Certificate, []*x509.RevocationList, error) {
	if bytes.Contains(b, []byte("-----BEGIN X509 CRL")) {
		var lists []*x509.RevocationList
		for _, der := range pemBlocks(b, "X509 CRL") {
			l, err := x509.ParseRevocationList(der)
			if err != nil {
				return nil, nil, fmt.Errorf("CRL: %w", err)
			}
			lists = append(lists, l)
		}
		var certs []*Certificate
		if bytes.Contains(b, []byte("-----BEGIN CERTIFICATE")) {
			var err error
			if certs, err = ParseCertificates(b); err != nil {
				return nil, nil, err
			}
		}
		return certs, lists, nil
	}
	if !bytes.Contains(b, []byte("-----BEGIN")) {
		if _, err := ParseCertificate(b); err != nil {
			if l, err := x509.ParseRevocationList(b); err == nil {
				return nil, []*x509.RevocationList{l}, nil
			}
		}
	}
	certs, err := ParseCertificates(b)
	return certs, nil, err
}

// pemBlocks returns the DER of b's PEM blocks of type typ, in order.
func pemBlocks(b []byte, typ string) [][]byte {
	var out [][]byte
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			return out
		}
		if blk.Type == typ {
			out = append(out, blk.Bytes)
		}
	}
}

// ParseCertificates reads certificates from PEM, DER or an ICAO master list.
func ParseCertificates(b []byte) ([]*Certificate, error) {
	if bytes.Contains(b, []byte("-----BEGIN")) {
		var out []*Certificate
		for _, der := range pemBlocks(b, "CERTIFICATE") {
			c, err := ParseCertificate(der)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if len(out) == 0 {
			return nil, errors.New("no certificate in the PEM file")
		}
		return out, nil
	}
	if c, err := ParseCertificate(b); err == nil {
		return []*Certificate{c}, nil
	}
	return ParseMasterList(b)
}

// ParseMasterList reads the CSCA certificates of an ICAO master list (ICAO
// 9303-12 9: CMS SignedData with content type id-icao-cscaMasterList),
// without checking its signature (see VerifyMasterList).
func ParseMasterList(der []byte) ([]*Certificate, error) {
	s, err := parseSigned(der, OIDCSCAMasterList, "master list")
	if err != nil {
		return nil, err
	}
	var ml struct {
		Version  int
		CertList asn1.RawValue `asn1:"set"`
	}
	if _, err := asn1.Unmarshal(s.eContent, &ml); err != nil {
		return nil, fmt.Errorf("%w: master list: %v", ErrMalformed, err)
	}
	return parseCertificateSet(ml.CertList.Bytes)
}

// VerifyMasterList checks a master list's signature with its signer's
// certificate, and that certificate against the CSCAs in ts (the issuing
// state's CSCA signs its master list signer), before returning the
// certificates it lists.
func VerifyMasterList(der []byte, ts *TrustStore, now time.Time) ([]*Certificate, error) {
	if now.IsZero() {
		now = time.Now()
	}
	s, err := parseSigned(der, OIDCSCAMasterList, "master list")
	if err != nil {
		return nil, err
	}
	if s.DS == nil {
		return nil, errors.New("the master list carries no certificate for its signer")
	}
	if err := s.verifySignature(); err != nil {
		return nil, fmt.Errorf("master list signature: %w", err)
	}
	var lastErr error = fmt.Errorf("no CSCA certificate for the master list signer's issuer %q", s.DS.Issuer.String())
	for _, c := range ts.certs {
		if !bytes.Equal(c.RawSubject, s.DS.RawIssuer) {
			continue
		}
		if lastErr = checkIssued(s.DS, c, now); lastErr == nil {
			return ParseMasterList(der)
		}
	}
	return nil, lastErr
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Now is the time the DS and CSCA certificates must be valid at
	// (time.Now when zero). A DS certificate is checked for its notBefore
	// only: passports stay valid after their signer's certificate ends.
	Now time.Time
}

// Verify performs passive authentication (ICAO 9303-11 5.1): the SOD's
// signature with its DS certificate, the DS certificate against the CSCAs in
// ts, and the hash of each data group in dgs (raw files as read, by number)
// against the SOD. An invalid step wins over a missing trust anchor, so a
// tampered data group is reported as such even for an unknown country.
func Verify(sodFile []byte, dgs map[int][]byte, ts *TrustStore, opts VerifyOptions) PAResult {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	invalid := func(step, detail string) PAResult {
		return PAResult{Status: PAInvalid, Step: step, Detail: detail}
	}
	sod, err := ParseSOD(sodFile)
	if err != nil {
		return invalid(StepSODFormat, err.Error())
	}
	if sod.DS == nil {
		return invalid(StepDSCertificate, "the SOD carries no document signer certificate for its signer")
	}
	var res PAResult
	res.DSSubject = sod.DS.Subject.String()
	if len(sod.DS.Issuer.Country) > 0 {
		res.Country = sod.DS.Issuer.Country[0]
	}
	fail := func(step, detail string) PAResult {
		r := invalid(step, detail)
		r.Country, r.DSSubject = res.Country, res.DSSubject
		return r
	}
	if err := sod.verifySignature(); err != nil {
		return fail(StepSODSignature, err.Error())
	}
	for _, n := range sortedKeys(dgs) {
		want, ok := sod.Hashes[n]
		if !ok {
			r := fail(StepDGHash, fmt.Sprintf("the SOD has no hash for DG%d", n))
			r.DG = n
			return r
		}
		h := sod.HashAlgorithm.New()
		h.Write(dgs[n])
		if !bytes.Equal(h.Sum(nil), want) {
			r := fail(StepDGHash, fmt.Sprintf("DG%d's %s hash differs from the SOD's", n, sod.HashAlgorithm))
			r.DG = n
			return r
		}
		res.Checked = append(res.Checked, n)
	}
	if now.Before(sod.DS.NotBefore) {
		return fail(StepDSCertificate, "the DS certificate is not valid yet")
	}
	var candidates []*Certificate
	if ts != nil {
		for _, c := range ts.certs {
			if bytes.Equal(c.RawSubject, sod.DS.RawIssuer) {
				candidates = append(candidates, c)
			}
		}
	}
	if len(candidates) == 0 {
		res.Status, res.Detail = PANoTrustAnchor, fmt.Sprintf("no CSCA certificate for %q", sod.DS.Issuer.String())
		return res
	}
	var lastErr error
	for _, c := range candidates {
		if err := checkIssued(sod.DS, c, now); err != nil {
			lastErr = err
			continue
		}
		if at, ok := ts.revoked(sod.DS, c); ok {
			return fail(StepDSCertificate, fmt.Sprintf("the DS certificate (serial %s) is revoked by the CRL of the CSCA %q, since %s",
				sod.DS.SerialNumber, c.Subject.String(), at.UTC().Format(time.DateOnly)))
		}
		res.Status, res.CSCA = PAValid, c.Subject.String()
		return res
	}
	return fail(StepDSCertificate, lastErr.Error())
}

// checkIssued checks that ds is signed by csca and csca is valid at now.
func checkIssued(ds, csca *Certificate, now time.Time) error {
	if now.Before(csca.NotBefore) || now.After(csca.NotAfter) {
		return fmt.Errorf("the CSCA certificate %q is not valid at %s", csca.Subject.String(), now.Format(time.DateOnly))
	}
	if err := ds.CheckSignatureFrom(csca); err != nil {
		return fmt.Errorf("the DS certificate is not signed by the CSCA %q: %v", csca.Subject.String(), err)
	}
	return nil
}

func sortedKeys(m map[int][]byte) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength int                      `asn1:"optional,explicit,tag:2,default:20"`
	Trailer    int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// verifySignature checks the signer info's signature over the signed
// attributes with the DS certificate's key: RSA PKCS#1 v1.5, RSA-PSS or
// ECDSA (DER or plain r||s; on Go's curves or this package's).
func (s *SOD) verifySignature() error {
	signed, h, err := s.signedAttributes()
	if err != nil {
		return err
	}
	return verifySigned(s.DS.PublicKey, s.signer.SignatureAlgorithm, h, signed, s.signer.Signature)
}

func parsePSS(der []byte) (*rsa.PSSOptions, error) {
	p := pssParams{SaltLength: 20, Trailer: 1}
	if len(der) > 0 {
		if _, err := asn1.Unmarshal(der, &p); err != nil {
			return nil, fmt.Errorf("RSA-PSS parameters: %v", err)
		}
	}
	h := crypto.SHA1
	if len(p.Hash.Algorithm) > 0 {
		var err error
		if h, err = hashOf(p.Hash); err != nil {
			return nil, err
		}
	}
	if len(p.MGF.Algorithm) > 0 {
		if !p.MGF.Algorithm.Equal(OIDMGF1) {
			return nil, fmt.Errorf("RSA-PSS mask generation %s", p.MGF.Algorithm)
		}
		var mh pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mh); err != nil {
			return nil, fmt.Errorf("RSA-PSS MGF1 hash: %v", err)
		}
		if m, err := hashOf(mh); err != nil || m != h {
			return nil, errors.New("RSA-PSS MGF1 with another hash")
		}
	}
	if p.Trailer != 1 {
		return nil, fmt.Errorf("RSA-PSS trailer field %d", p.Trailer)
	}
	return &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}, nil
}
