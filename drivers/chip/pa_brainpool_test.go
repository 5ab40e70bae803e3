package chip_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

var oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}

// makeCert builds a DER certificate for a key crypto/x509 cannot certify
// (brainpool), signed by signer with ECDSA-SHA256.
func makeCert(t *testing.T, subject, issuerName pkix.Name, spki []byte, ca bool, signer crypto.Signer) []byte {
	t.Helper()
	name := func(n pkix.Name) asn1.RawValue {
		b, err := asn1.Marshal(n.ToRDNSequence())
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	var exts []pkix.Extension
	if ca {
		bc, _ := asn1.Marshal(struct{ CA bool }{true})
		exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc})
	}
	now := time.Now().UTC().Truncate(time.Second)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tbs, err := asn1.Marshal(struct {
		Version    int `asn1:"explicit,tag:0"`
		Serial     *big.Int
		SigAlg     pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   struct{ NotBefore, NotAfter time.Time }
		Subject    asn1.RawValue
		SPKI       asn1.RawValue
		Extensions []pkix.Extension `asn1:"explicit,tag:3,optional"`
	}{2, serial, pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, name(issuerName),
		struct{ NotBefore, NotAfter time.Time }{now.Add(-time.Hour), now.AddDate(5, 0, 0)},
		name(subject), asn1.RawValue{FullBytes: spki}, exts})
	if err != nil {
		t.Fatal(err)
	}
	digest := crypto.SHA256.New()
	digest.Write(tbs)
	sig, err := signer.Sign(rand.Reader, digest.Sum(nil), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

type brainpoolPKI struct {
	cscaDER []byte
	ds      *chip.Certificate
	dsKey   crypto.Signer
}

func newBrainpoolPKI(t *testing.T, explicit bool, cscaName pkix.Name) brainpoolPKI {
	cscaKey, dsKey := chip.NewBrainpoolKeyForTest(explicit), chip.NewBrainpoolKeyForTest(explicit)
	cscaDER := makeCert(t, cscaName, cscaName, cscaKey.SPKI(), true, cscaKey)
	dsName := pkix.Name{Country: []string{"UT"}, CommonName: "Document Signer UT brainpool"}
	ds, err := chip.ParseCertificate(makeCert(t, dsName, cscaName, dsKey.SPKI(), false, cscaKey))
	if err != nil {
		t.Fatal(err)
	}
	return brainpoolPKI{cscaDER, ds, dsKey}
}

// Passive authentication with brainpoolP256r1 keys, as many issuers use
// and crypto/x509 cannot parse: named and explicit domain parameters, the
// CSCA loaded from a PEM file, genuine and tampered.
func TestPassiveAuthenticationBrainpool(t *testing.T) {
	if _, err := x509.ParseCertificate(newBrainpoolPKI(t, false, pkix.Name{CommonName: "probe"}).cscaDER); err == nil {
		t.Log("crypto/x509 now parses brainpool certificates; the fallback parser is then unused for them")
	}
	cscaName := pkix.Name{Country: []string{"UT"}, CommonName: "CSCA UT brainpool"}
	a := authorities(t)[issuer.ECDSA]
	p := issue(t, a, specimen)
	dgs := map[int][]byte{1: p.Files[chip.FIDDG1], 2: p.Files[chip.FIDDG2]}
	for _, explicit := range []bool{false, true} {
		pki := newBrainpoolPKI(t, explicit, cscaName)
		if _, ok := pki.ds.PublicKey.(*chip.ECPublicKey); !ok {
			t.Fatalf("DS key %T", pki.ds.PublicKey)
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "csca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.cscaDER}), 0o600)
		ts, err := chip.LoadCSCAs(dir)
		if err != nil {
			t.Fatal(err)
		}
		sod, err := issuer.SignSODWith(dgs, issuer.ECDSA, pki.ds, pki.dsKey)
		if err != nil {
			t.Fatal(err)
		}
		if res := chip.Verify(sod, dgs, ts, chip.VerifyOptions{}); res.Status != chip.PAValid || res.Country != "UT" {
			t.Fatalf("explicit %v: %v", explicit, res)
		}
		bad := bytes.Clone(sod)
		bad[len(bad)-5] ^= 1
		if res := chip.Verify(bad, dgs, ts, chip.VerifyOptions{}); res.Step != chip.StepSODSignature {
			t.Errorf("explicit %v, signature broken: %v", explicit, res)
		}
		// A DS from a forged CSCA of the same name.
		forged := newBrainpoolPKI(t, explicit, cscaName)
		sod, _ = issuer.SignSODWith(dgs, issuer.ECDSA, forged.ds, forged.dsKey)
		if res := chip.Verify(sod, dgs, ts, chip.VerifyOptions{}); res.Step != chip.StepDSCertificate {
			t.Errorf("explicit %v, forged CSCA: %v", explicit, res)
		}
		// A DS from a Go-made CSCA cannot pass for one from the brainpool CSCA.
		sod, _ = a.SignSOD(dgs)
		if res := chip.Verify(sod, dgs, ts, chip.VerifyOptions{}); res.Status != chip.PANoTrustAnchor {
			t.Errorf("explicit %v, other CSCA: %v", explicit, res)
		}
	}
}
