package chip_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

var (
	authOnce sync.Once
	auths    map[issuer.Algorithm]*issuer.Authority
)

// authorities are made once per test binary: RSA key generation is slow.
func authorities(t testing.TB) map[issuer.Algorithm]*issuer.Authority {
	authOnce.Do(func() {
		auths = map[issuer.Algorithm]*issuer.Authority{}
		for _, alg := range []issuer.Algorithm{issuer.ECDSA, issuer.RSAPKCS1, issuer.RSAPSS} {
			a, err := issuer.NewAuthority(issuer.Options{Country: "UT", Algorithm: alg, Name: "CSCA UT " + string(alg)})
			if err != nil {
				panic(err)
			}
			auths[alg] = a
		}
	})
	return auths
}

func issue(t testing.TB, a *issuer.Authority, lines []string) *issuer.Passport {
	t.Helper()
	p, err := a.Issue(issuer.Document{MRZ: lines, Photo: testJPEG(t, 120, 160), Width: 120, Height: 160})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// readAndVerify reads the passport through the emulated chip and verifies it.
func readAndVerify(t *testing.T, p *issuer.Passport, ts *chip.TrustStore) (*chip.Passport, chip.PAResult) {
	t.Helper()
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}
	got, err := chip.Read(card, specimenInfo(t), chip.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got, chip.Verify(got.SODFile, got.Files, ts, chip.VerifyOptions{})
}

// A passport whose DG2 is an ISO/IEC 39794-5 block reads and verifies.
func TestISO39794Passport(t *testing.T) {
	a := authorities(t)[issuer.ECDSA]
	photo := testJPEG(t, 120, 160)
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: photo, Width: 120, Height: 160, ISO39794: true})
	if err != nil {
		t.Fatal(err)
	}
	got, res := readAndVerify(t, p, chip.NewTrustStore(a.CSCA))
	f := got.DG2.Faces[0]
	if res.Status != chip.PAValid || f.Format != "ISO39794-5" || f.Width != 120 || !bytes.Equal(f.Data, photo) {
		t.Errorf("%v, %s %dx%d", res, f.Format, f.Width, f.Height)
	}
}

func TestPassiveAuthenticationGenuine(t *testing.T) {
	for alg, a := range authorities(t) {
		t.Run(string(alg), func(t *testing.T) {
			p := issue(t, a, specimen)
			got, res := readAndVerify(t, p, chip.NewTrustStore(a.CSCA))
			if res.Status != chip.PAValid || !slices.Equal(res.Checked, []int{1, 2, 14, 15}) || res.Country != "UT" {
				t.Fatalf("%v (%+v)", res, res)
			}
			if !got.DG1.MatchesPrinted(specimen) {
				t.Error("DG1 differs from the printed MRZ")
			}
			sod, err := chip.ParseSOD(got.SODFile)
			if err != nil || sod.DS == nil || !sod.DS.Equal(chip.FromX509(a.DS)) || len(sod.Hashes) != 4 {
				t.Fatalf("SOD %+v %v", sod, err)
			}
		})
	}
}

func TestPassiveAuthenticationTampered(t *testing.T) {
	a := authorities(t)[issuer.ECDSA]
	rsa := authorities(t)[issuer.RSAPKCS1]
	forger, err := issuer.NewAuthority(issuer.Options{Country: "UT", Name: a.CSCA.Subject.CommonName})
	if err != nil {
		t.Fatal(err)
	}
	trust := chip.NewTrustStore(a.CSCA, rsa.CSCA)
	flipLast := func(b []byte) []byte {
		b = bytes.Clone(b)
		b[len(b)-1] ^= 1
		return b
	}
	cases := []struct {
		name   string
		make   func() *issuer.Passport
		ts     *chip.TrustStore
		status chip.PAStatus
		step   string
		dg     int
	}{
		{name: "DG2 changed after signing", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			p.Files[chip.FIDDG2] = chip.EncodeDG2(testJPEG(t, 121, 160), 121, 160)
			return p
		}, status: chip.PAInvalid, step: chip.StepDGHash, dg: 2},
		{name: "DG1 changed after signing", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			p.Files[chip.FIDDG1] = chip.EncodeDG1([]string{strings.Replace(specimen[0], "ANNA", "ANNE", 1), specimen[1]})
			return p
		}, status: chip.PAInvalid, step: chip.StepDGHash, dg: 1},
		{name: "SOD signature broken (ECDSA)", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			p.Files[chip.FIDSOD] = breakSignature(t, p.Files[chip.FIDSOD])
			return p
		}, status: chip.PAInvalid, step: chip.StepSODSignature},
		{name: "SOD signature broken (RSA)", make: func() *issuer.Passport {
			p := issue(t, rsa, specimen)
			p.Files[chip.FIDSOD] = breakSignature(t, p.Files[chip.FIDSOD])
			return p
		}, status: chip.PAInvalid, step: chip.StepSODSignature},
		{name: "hash in the SOD replaced (messageDigest)", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			sod := p.Files[chip.FIDSOD]
			s, _ := chip.ParseSOD(sod)
			i := bytes.Index(sod, s.Hashes[2])
			sod = bytes.Clone(sod)
			sod[i] ^= 0x80
			p.Files[chip.FIDSOD] = sod
			return p
		}, status: chip.PAInvalid, step: chip.StepSODSignature},
		{name: "DS certified by a forged CSCA of the same name", make: func() *issuer.Passport {
			return issue(t, forger, specimen)
		}, status: chip.PAInvalid, step: chip.StepDSCertificate},
		{name: "no CSCA for the country", make: func() *issuer.Passport { return issue(t, a, specimen) },
			ts: chip.NewTrustStore(rsa.CSCA), status: chip.PANoTrustAnchor},
		{name: "no trust store", make: func() *issuer.Passport { return issue(t, a, specimen) },
			ts: chip.NewTrustStore(), status: chip.PANoTrustAnchor},
		{name: "SOD garbage", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			p.Files[chip.FIDSOD] = chip.EncodeTLV(0x77, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
			return p
		}, status: chip.PAInvalid, step: chip.StepSODFormat},
		{name: "SOD truncated inside", make: func() *issuer.Passport {
			p := issue(t, a, specimen)
			sod := p.Files[chip.FIDSOD]
			p.Files[chip.FIDSOD] = chip.EncodeTLV(0x77, flipLast(sod[4:len(sod)-40]))
			return p
		}, status: chip.PAInvalid, step: chip.StepSODFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := trust
			if c.ts != nil {
				ts = c.ts
			}
			_, res := readAndVerify(t, c.make(), ts)
			if res.Status != c.status || res.Step != c.step || res.DG != c.dg {
				t.Errorf("got %v (%+v), want %s %s %d", res, res, c.status, c.step, c.dg)
			}
		})
	}
}

// breakSignature flips a bit of the signer info's signature, which the
// DER layout puts near the end of the file.
func breakSignature(t *testing.T, sod []byte) []byte {
	sod = bytes.Clone(sod)
	sod[len(sod)-5] ^= 0x01
	return sod
}

func TestLoadCSCAs(t *testing.T) {
	as := authorities(t)
	dir := t.TempDir()
	ec, rs, ps := as[issuer.ECDSA], as[issuer.RSAPKCS1], as[issuer.RSAPSS]
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ec.CSCA.Raw})
	ml, err := ps.MasterList(ps.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"ut-ec.pem": pemBytes, "ut-rsa.der": rs.CSCA.Raw, "icao.ml": ml} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := chip.LoadCSCAs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 3 {
		t.Fatalf("%d certificates", ts.Len())
	}
	for _, a := range as {
		if _, res := readAndVerify(t, issue(t, a, specimen), ts); res.Status != chip.PAValid {
			t.Errorf("%s: %v", a.Algorithm, res)
		}
	}
	os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate"), 0o600)
	if _, err := chip.LoadCSCAs(dir); err == nil {
		t.Error("a junk file was accepted")
	}
}

// FuzzSOD: EF.SOD and master list parsing and passive authentication never
// panic on garbage ASN.1, and never call a changed SOD valid for the
// original data groups unless it still carries the genuine signature.
func FuzzSOD(f *testing.F) {
	a := authorities(f)[issuer.ECDSA]
	p := issue(f, a, specimen)
	sod := p.Files[chip.FIDSOD]
	ml, _ := a.MasterList(a.CSCA)
	f.Add(sod)
	f.Add(ml)
	f.Add(chip.EncodeTLV(0x77, ml))
	f.Add(sod[:len(sod)/2])
	dgs := map[int][]byte{1: p.Files[chip.FIDDG1], 2: p.Files[chip.FIDDG2]}
	ts := chip.NewTrustStore(a.CSCA)
	f.Fuzz(func(t *testing.T, b []byte) {
		chip.ParseSOD(b)
		chip.ParseMasterList(b)
		chip.ParseCertificates(b)
		res := chip.Verify(b, dgs, ts, chip.VerifyOptions{})
		if res.Status == chip.PAValid && !bytes.Equal(b, sod) {
			// Only encodings that change no signed byte may pass: the
			// signed attributes, the content and the signature must be
			// the genuine ones.
			s, err := chip.ParseSOD(b)
			if err != nil || !s.DS.Equal(chip.FromX509(a.DS)) {
				t.Fatalf("a changed SOD verified: %v", err)
			}
		}
	})
}

func TestReadAndVerify(t *testing.T) {
	a := authorities(t)[issuer.ECDSA]
	ts := chip.NewTrustStore(a.CSCA)
	for _, kind := range []string{issuer.Genuine, issuer.DG1Mismatch, issuer.BadDG2Hash} {
		p, err := a.IssueKind(issuer.Document{MRZ: specimen, Photo: testJPEG(t, 20, 20), Width: 20, Height: 20}, kind)
		if err != nil {
			t.Fatal(err)
		}
		c, err := chip.ReadAndVerify(&cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}, specimen, ts, chip.ReadOptions{}, chip.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Genuine() != (kind == issuer.Genuine) || c.DG1Matches != (kind != issuer.DG1Mismatch) {
			t.Errorf("%s: genuine %v, DG1 matches %v, %v", kind, c.Genuine(), c.DG1Matches, c.PA)
		}
	}
	if _, err := chip.ReadAndVerify(&cardsim.Card{}, []string{specimen[0], specimen[1][:43] + "9"}, ts, chip.ReadOptions{}, chip.VerifyOptions{}); !errors.Is(err, chip.ErrMalformed) {
		t.Errorf("invalid printed zone: %v", err)
	}
}

func TestVerifyMasterList(t *testing.T) {
	as := authorities(t)
	ec, rs := as[issuer.ECDSA], as[issuer.RSAPKCS1]
	ml, err := ec.MasterList(ec.CSCA, rs.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := chip.VerifyMasterList(ml, chip.NewTrustStore(ec.CSCA), time.Time{})
	if err != nil || len(certs) != 2 {
		t.Fatalf("%d certificates, %v", len(certs), err)
	}
	if _, err := chip.VerifyMasterList(ml, chip.NewTrustStore(rs.CSCA), time.Time{}); err == nil {
		t.Error("a master list signed under another CSCA verified")
	}
	bad := bytes.Clone(ml)
	bad[len(bad)-5] ^= 1
	if _, err := chip.VerifyMasterList(bad, chip.NewTrustStore(ec.CSCA), time.Time{}); err == nil {
		t.Error("a master list with a broken signature verified")
	}
}
