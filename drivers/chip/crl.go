package chip

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sort"
	"time"
)

// A CRL is a certificate revocation list (RFC 5280 5) a CSCA signed: the
// document signer certificates it revoked (ICAO 9303-12 7.1.4: each CSCA
// publishes one, through the ICAO PKD and bilaterally). Passive
// authentication fails for a chip whose DS certificate is on it.
type CRL struct {
	List *x509.RevocationList
	CSCA *Certificate // the CSCA whose key verified the list
}

// AddCRLs adds revocation lists, keeping those a CSCA of the store signed
// (its subject is the list's issuer and its key verifies the list's
// signature); the others, for a country the store has no CSCA of or with
// a signature that does not verify, are not used and are counted
// (UnusedCRLs). Add the CSCAs first.
func (ts *TrustStore) AddCRLs(lists ...*x509.RevocationList) {
	for _, l := range lists {
		var by *Certificate
		for _, c := range ts.certs {
			if bytes.Equal(c.RawSubject, l.RawIssuer) && checkCRLSignature(l, c) == nil {
				by = c
				break
			}
		}
		if by == nil {
			ts.unusedCRLs++
			continue
		}
		ts.crls = append(ts.crls, CRL{List: l, CSCA: by})
	}
}

// CRLs is the number of revocation lists in use; UnusedCRLs the number
// set aside (no CSCA of the store signed them).
func (ts *TrustStore) CRLs() int       { return len(ts.crls) }
func (ts *TrustStore) UnusedCRLs() int { return ts.unusedCRLs }

// StaleCRLs lists the CSCAs (subjects) whose newest CRL in use is past its
// next update at now: their revocations still apply, but a newer list is
// due (ICAO 9303-12: CSCAs issue one at least every 90 days) and the
// document signers revoked since are not known here.
func (ts *TrustStore) StaleCRLs(now time.Time) []string {
	newest := map[*Certificate]*x509.RevocationList{}
	for _, l := range ts.crls {
		if n := newest[l.CSCA]; n == nil || l.List.ThisUpdate.After(n.ThisUpdate) {
			newest[l.CSCA] = l.List
		}
	}
	var out []string
	for c, l := range newest {
		if !l.NextUpdate.IsZero() && now.After(l.NextUpdate) {
			out = append(out, c.Subject.String())
		}
	}
	sort.Strings(out)
	return out
}

// revoked says whether a CRL of csca lists ds, and since when.
func (ts *TrustStore) revoked(ds, csca *Certificate) (time.Time, bool) {
	if ts == nil || ds.SerialNumber == nil {
		return time.Time{}, false
	}
	for _, l := range ts.crls {
		if l.CSCA != csca {
			continue
		}
		for _, e := range l.List.RevokedCertificateEntries {
			if e.SerialNumber != nil && e.SerialNumber.Cmp(ds.SerialNumber) == 0 {
				return e.RevocationTime, true
			}
		}
	}
	return time.Time{}, false
}

// checkCRLSignature verifies l's signature with c's key: through
// crypto/x509 where Go knows the algorithm, else (brainpool curves, plain
// ECDSA) with this package's verifier.
func checkCRLSignature(l *x509.RevocationList, c *Certificate) error {
	if c.X509 != nil && l.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		return l.CheckSignatureFrom(c.X509)
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if rest, err := asn1.Unmarshal(l.Raw, &outer); err != nil || len(rest) > 0 {
		return fmt.Errorf("%w: CRL", ErrMalformed)
	}
	return verifySigned(c.PublicKey, outer.SigAlg, 0, l.RawTBSRevocationList, outer.Sig.RightAlign())
}
