package issuer_test

import (
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

// A DS certificate its CSCA revoked fails passive authentication, for
// every signature algorithm the issuer has; a CRL that revokes another
// serial, or that another authority of the same name signed, changes
// nothing.
func TestRevokedDocumentSigner(t *testing.T) {
	for _, alg := range []issuer.Algorithm{issuer.ECDSA, issuer.RSAPKCS1, issuer.RSAPSS} {
		t.Run(string(alg), func(t *testing.T) {
			a, err := issuer.NewAuthority(issuer.Options{Country: "UT", Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			forger, err := issuer.NewAuthority(issuer.Options{Country: "UT", Algorithm: alg, Name: a.CSCA.Subject.CommonName})
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Issue(issuer.Document{MRZ: specimen})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(-time.Hour)
			parse := func(der []byte, err error) *x509.RevocationList {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				l, err := x509.ParseRevocationList(der)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			revoking := parse(a.CRL(at, a.DS.SerialNumber))
			other := parse(a.CRL(at, new(big.Int).Add(a.DS.SerialNumber, big.NewInt(1))))
			forged := parse(forger.CRL(at, a.DS.SerialNumber))
			read := func(ts *chip.TrustStore) chip.PAResult {
				t.Helper()
				c, err := chip.ReadAndVerify(&cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}, specimen, ts, chip.ReadOptions{}, chip.VerifyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return c.PA
			}
			ts := chip.NewTrustStore(a.CSCA)
			ts.AddCRLs(other, forged)
			if res := read(ts); res.Status != chip.PAValid || ts.CRLs() != 1 || ts.UnusedCRLs() != 1 {
				t.Fatalf("another serial and a forged CRL: %v, %d CRLs in use, %d unused", res, ts.CRLs(), ts.UnusedCRLs())
			}
			ts.AddCRLs(revoking)
			res := read(ts)
			if res.Status != chip.PAInvalid || res.Step != chip.StepDSCertificate || !strings.Contains(res.Detail, "revoked") {
				t.Fatalf("revoked DS: %v", res)
			}
		})
	}
}

// LoadCSCAs takes CRLs from the folder, in PEM (beside certificates or
// alone) and DER.
func TestLoadCSCAsWithCRLs(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := issuer.NewAuthority(issuer.Options{Country: "XY"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	crlA, err := a.CRL(time.Now(), big.NewInt(7))
	if err != nil {
		t.Fatal(err)
	}
	crlB, err := b.CRL(time.Now(), big.NewInt(8))
	if err != nil {
		t.Fatal(err)
	}
	pemA := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CSCA.Raw}), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlA})...)
	os.WriteFile(filepath.Join(dir, "ut.pem"), pemA, 0o600)
	os.WriteFile(filepath.Join(dir, "xy.der"), b.CSCA.Raw, 0o600)
	os.WriteFile(filepath.Join(dir, "xy.crl"), crlB, 0o600)
	os.WriteFile(filepath.Join(dir, "zz.crl"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlB}), 0o600)
	ts, err := chip.LoadCSCAs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 2 || ts.CRLs() != 3 || ts.UnusedCRLs() != 0 {
		t.Fatalf("%d CSCAs, %d CRLs, %d unused; want 2, 3, 0", ts.Len(), ts.CRLs(), ts.UnusedCRLs())
	}
	os.WriteFile(filepath.Join(dir, "broken.crl"), []byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), 0o600)
	if _, err := chip.LoadCSCAs(dir); err == nil || !strings.Contains(err.Error(), "broken.crl") {
		t.Fatalf("a broken CRL: %v", err)
	}
}

// A CSCA whose newest CRL is past its next update is named by StaleCRLs;
// a newer list of the same CSCA makes it current again.
func TestStaleCRLs(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old, err := a.CRL(now.AddDate(0, -4, 0), big.NewInt(7)) // next update: a month ago
	if err != nil {
		t.Fatal(err)
	}
	l, err := x509.ParseRevocationList(old)
	if err != nil {
		t.Fatal(err)
	}
	ts := chip.NewTrustStore(a.CSCA)
	ts.AddCRLs(l)
	if got := ts.StaleCRLs(now); len(got) != 1 || !strings.Contains(got[0], a.CSCA.Subject.CommonName) {
		t.Fatalf("stale: %v", got)
	}
	fresh, err := a.CRL(now.Add(-time.Hour), big.NewInt(7))
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := x509.ParseRevocationList(fresh)
	ts.AddCRLs(l2)
	if got := ts.StaleCRLs(now); len(got) != 0 {
		t.Fatalf("with a newer CRL: %v", got)
	}
}
