package issuer_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"image"
	"image/jpeg"
	"slices"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

var specimen = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

// Every kind of test passport, read through the emulated chip, gives the
// result a kiosk must show.
func TestKinds(t *testing.T) {
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 32, 40)), nil)
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	ts := chip.NewTrustStore(a.CSCA)
	crl, err := a.RevocationList()
	if err != nil {
		t.Fatal(err)
	}
	list, err := x509.ParseRevocationList(crl)
	if err != nil {
		t.Fatal(err)
	}
	ts.AddCRLs(list)
	want := map[string]struct {
		status  chip.PAStatus
		step    string
		dg      int
		matches bool
	}{
		issuer.Genuine:      {chip.PAValid, "", 0, true},
		issuer.BadDG2Hash:   {chip.PAInvalid, chip.StepDGHash, 2, true},
		issuer.BadDG1Hash:   {chip.PAInvalid, chip.StepDGHash, 1, false},
		issuer.BadSignature: {chip.PAInvalid, chip.StepSODSignature, 0, true},
		issuer.ForgedCSCA:   {chip.PAInvalid, chip.StepDSCertificate, 0, true},
		issuer.UnknownCSCA:  {chip.PANoTrustAnchor, "", 0, true},
		issuer.DG1Mismatch:  {chip.PAValid, "", 0, false},
		issuer.GarbageSOD:   {chip.PAInvalid, chip.StepSODFormat, 0, true},
		issuer.Cloned:       {chip.PAValid, "", 0, true},
		issuer.RevokedDS:    {chip.PAInvalid, chip.StepDSCertificate, 0, true},
	}
	for _, kind := range issuer.Kinds {
		t.Run(kind, func(t *testing.T) {
			p, err := a.IssueKind(issuer.Document{MRZ: specimen, Photo: jpg.Bytes(), Width: 32, Height: 40}, kind)
			if err != nil {
				t.Fatal(err)
			}
			card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, RefuseBAC: kind == issuer.RefuseBAC}
			got, err := chip.Read(card, p.MRZInfo, chip.ReadOptions{})
			if kind == issuer.RefuseBAC {
				if !errors.Is(err, chip.ErrAccessDenied) {
					t.Fatalf("err = %v, want access denied", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := chip.Verify(got.SODFile, got.Files, ts, chip.VerifyOptions{})
			w := want[kind]
			if res.Status != w.status || res.Step != w.step || res.DG != w.dg {
				t.Errorf("%v, want %s %s %d", res, w.status, w.step, w.dg)
			}
			if got.DG1.MatchesPrinted(specimen) != w.matches {
				t.Errorf("DG1 matches the printed zone: %v, want %v", !w.matches, w.matches)
			}
			// Every kind's chip has its own key but a clone, which holds
			// the files and not the key.
			aa := chip.VerifyAA(got.Files[15], got.Files[14], got.AAChallenge, got.AASignature, got.AAError)
			if wantAA := map[bool]chip.AAStatus{true: chip.AAInvalid, false: chip.AAValid}[kind == issuer.Cloned]; aa.Status != wantAA {
				t.Errorf("active authentication %+v, want %s", aa, wantAA)
			}
		})
	}
	if _, err := a.IssueKind(issuer.Document{MRZ: specimen}, "bogus"); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

// A chip issued without active authentication has no DG14 or DG15, sends
// no INTERNAL AUTHENTICATE and is genuine (not_supported); one with it
// lists DG14 and DG15 in EF.COM and its SOD hashes them.
func TestNoAA(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	ts := chip.NewTrustStore(a.CSCA)
	p, err := a.Issue(issuer.Document{MRZ: specimen, NoAA: true, NoCA: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.AAKey != nil || p.CAKey != nil || p.Files[chip.FIDOfDG(15)] != nil || p.Files[chip.FIDOfDG(14)] != nil {
		t.Fatal("NoAA and NoCA issued DG14, DG15 or a key")
	}
	c, err := chip.ReadAndVerify(&cardsim.Card{Keys: p.Keys, Files: p.Files}, specimen, ts, chip.ReadOptions{}, chip.VerifyOptions{})
	if err != nil || !c.Genuine() || c.AA.Status != chip.AANotSupported || c.CA.Status != chip.AANotSupported {
		t.Fatalf("%v %+v %+v", err, c.AA, c.CA)
	}
	if _, err := a.IssueKind(issuer.Document{MRZ: specimen, NoAA: true, NoCA: true}, issuer.Cloned); err == nil {
		t.Error("a clone of a chip without AA and CA was issued")
	}
	p, err = a.Issue(issuer.Document{MRZ: specimen})
	if err != nil {
		t.Fatal(err)
	}
	c, err = chip.ReadAndVerify(&cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}, specimen, ts, chip.ReadOptions{}, chip.VerifyOptions{})
	if err != nil || !c.Genuine() || c.AA.Status != chip.AAValid || c.AA.Algorithm != "ecdsa-plain-SHA256 P-256" {
		t.Fatalf("%v %+v", err, c.AA)
	}
	if !slices.Equal(c.PA.Checked, []int{1, 14, 15}) {
		t.Errorf("passive authentication checked DG %v, want 1 14 15", c.PA.Checked)
	}
}

// Chip authentication (DG14's ECDH key): version 2 with AES and version 1
// with 3DES agree new keys that EF.COM is read under, after BAC or PACE;
// a copy of the files on a chip without the private key fails it, with
// or without active authentication beside it; a chip that refuses it
// fails too; NoCA reads skip it.
func TestChipAuthentication(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	ts := chip.NewTrustStore(a.CSCA)
	read := func(card *cardsim.Card, opts chip.ReadOptions) *chip.Check {
		t.Helper()
		c, err := chip.ReadAndVerify(card, specimen, ts, opts, chip.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		proto asn1.ObjectIdentifier
		pace  bool
		alg   string
	}{
		{"AES-128 v2 after BAC", nil, false, "ECDH-AES-128 v2 P-256"},
		{"3DES v1 after BAC", chip.OIDCAECDH3DES, false, "ECDH-3DES v1 P-256"},
		{"AES-128 v2 after PACE", nil, true, "ECDH-AES-128 v2 P-256"},
	} {
		p, err := a.Issue(issuer.Document{MRZ: specimen, NoAA: true, CAProtocol: tc.proto})
		if err != nil {
			t.Fatal(err)
		}
		card := &cardsim.Card{Keys: p.Keys, Files: p.Files, CAKey: p.CAKey, MRZInfo: p.MRZInfo}
		if tc.pace {
			card.PACE = &chip.PACEInfo{Protocol: append(slices.Clone(chip.OIDPACE), 2, 2), Version: 2, ParameterID: 12}
		}
		c := read(card, chip.ReadOptions{})
		if !c.Genuine() || c.CA.Status != chip.AAValid || c.CA.Algorithm != tc.alg || c.AA.Status != chip.AANotSupported {
			t.Fatalf("%s: genuine %v, CA %+v, AA %+v", tc.name, c.Genuine(), c.CA, c.AA)
		}
		if tc.pace && c.Passport.Protocol != "PACE" {
			t.Errorf("%s: read over %s", tc.name, c.Passport.Protocol)
		}
		if !slices.Contains(c.PA.Checked, 14) {
			t.Errorf("%s: passive authentication did not check DG14 (%v)", tc.name, c.PA.Checked)
		}
		if c = read(card, chip.ReadOptions{NoCA: true}); !c.Genuine() || c.CA.Status != chip.AANotSupported {
			t.Errorf("%s, NoCA: %+v", tc.name, c.CA)
		}
		// No private key on the chip: it refuses the commands.
		refusing := &cardsim.Card{Keys: p.Keys, Files: p.Files, MRZInfo: p.MRZInfo, PACE: card.PACE}
		if c = read(refusing, chip.ReadOptions{}); c.Genuine() || c.CA.Status != chip.AAInvalid {
			t.Errorf("%s, a chip refusing CA: genuine %v, %+v", tc.name, c.Genuine(), c.CA)
		}
	}
	// A clone without AA: passive authentication valid, CA invalid.
	p, err := a.IssueKind(issuer.Document{MRZ: specimen, NoAA: true}, issuer.Cloned)
	if err != nil {
		t.Fatal(err)
	}
	c := read(&cardsim.Card{Keys: p.Keys, Files: p.Files, CAKey: p.CAKey}, chip.ReadOptions{})
	if c.Genuine() || c.PA.Status != chip.PAValid || c.CA.Status != chip.AAInvalid || !strings.Contains(c.CA.Detail, "copy") {
		t.Fatalf("a clone: genuine %v, PA %v, CA %+v", c.Genuine(), c.PA, c.CA)
	}
}

// Chips with RSA active authentication keys: a 2048-bit key's signature,
// wrapped in secure messaging, does not fit a short response, so the
// reader asks for an extended one (the emulated chip refuses an answer
// its Le cannot carry, as a real chip does); a 1024-bit key's fits and is
// asked for in the short form every chip reads.
func TestAARSAKeySizes(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	ts := chip.NewTrustStore(a.CSCA)
	for _, bits := range []int{1024, 1536, 2048, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Issue(issuer.Document{MRZ: specimen, AAKey: k})
		if err != nil {
			t.Fatal(err)
		}
		card := &recorder{Card: &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}}
		c, err := chip.ReadAndVerify(card, specimen, ts, chip.ReadOptions{}, chip.VerifyOptions{})
		if err != nil || !c.Genuine() || c.AA.Status != chip.AAValid {
			t.Fatalf("RSA %d: %v %+v", bits, err, c.AA)
		}
		extended := card.ia[4] == 0 // Lc's first byte is 0 in the extended form
		if want := bits > 1840; extended != want {
			t.Errorf("RSA %d: INTERNAL AUTHENTICATE extended %v, want %v (% X)", bits, extended, want, card.ia)
		}
	}
}

// recorder keeps the INTERNAL AUTHENTICATE command the chip was sent.
type recorder struct {
	*cardsim.Card
	ia []byte
}

func (r *recorder) Transmit(apdu []byte) ([]byte, error) {
	if len(apdu) > 4 && apdu[1] == 0x88 {
		r.ia = slices.Clone(apdu)
	}
	return r.Card.Transmit(apdu)
}
