package issuer_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
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
	}
	for _, kind := range issuer.Kinds {
		t.Run(kind, func(t *testing.T) {
			p, err := a.IssueKind(issuer.Document{MRZ: specimen, Photo: jpg.Bytes(), Width: 32, Height: 40}, kind)
			if err != nil {
				t.Fatal(err)
			}
			card := &cardsim.Card{Keys: p.Keys, Files: p.Files, RefuseBAC: kind == issuer.RefuseBAC}
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
		})
	}
	if _, err := a.IssueKind(issuer.Document{MRZ: specimen}, "bogus"); err == nil {
		t.Error("an unknown kind was accepted")
	}
}
