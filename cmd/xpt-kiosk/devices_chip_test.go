package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc/pcsctest"
)

var chipSpecimen = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

// 'devices chip' reads a genuine and a tampered passport through pcscd and
// vpcd, says what it found, and exits 0 only for the genuine one.
func TestDevicesChip(t *testing.T) {
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 60, 80)), nil)
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "csca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CSCA.Raw}), 0o600)
	card := &cardsim.Card{}
	pcsctest.Start(t, card)
	for _, c := range []struct {
		kind   string
		code   int
		status chip.PAStatus
		step   string
		pace   bool
	}{
		{issuer.Genuine, exitOK, chip.PAValid, "", false},
		{issuer.Genuine, exitOK, chip.PAValid, "", true},
		{issuer.BadDG2Hash, exitFail, chip.PAInvalid, chip.StepDGHash, true},
		{issuer.DG1Mismatch, exitFail, chip.PAValid, "", false},
		{issuer.Cloned, exitFail, chip.PAValid, "", true},
	} {
		p, err := a.IssueKind(issuer.Document{MRZ: chipSpecimen, Photo: jpg.Bytes(), Width: 60, Height: 80}, c.kind)
		if err != nil {
			t.Fatal(err)
		}
		card.Replace(p.Keys, p.Files, p.AAKey, p.CAKey)
		protocol := "BAC"
		card.SetPACE(nil, "")
		if c.pace {
			protocol = "PACE"
			card.SetPACE(&chip.PACEInfo{Protocol: append(append([]int{}, chip.OIDPACE...), 2, 2), Version: 2, ParameterID: 13}, p.MRZInfo)
		}
		args := append([]string{"devices", "chip", "--json", "--csca", dir, "--mrz"}, chipSpecimen...)
		code, out, errs := devRun(args...)
		var rep devChipReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v\n%s%s", c.kind, err, out, errs)
		}
		if code != c.code || rep.PA.Status != c.status || rep.PA.Step != c.step || rep.Protocol != protocol {
			t.Errorf("%s: exit %d, %v, protocol %q; want exit %d, %s %s\n%s", c.kind, code, rep.PA, rep.Protocol, c.code, c.status, c.step, errs)
		}
		if wantAA := map[bool]chip.AAStatus{true: chip.AAInvalid, false: chip.AAValid}[c.kind == issuer.Cloned]; rep.AA.Status != wantAA {
			t.Errorf("%s: active authentication %+v, want %s", c.kind, rep.AA, wantAA)
		}
		// Chip authentication through pcscd too: a clone has another key.
		if wantCA := map[bool]chip.AAStatus{true: chip.AAInvalid, false: chip.AAValid}[c.kind == issuer.Cloned]; rep.CA.Status != wantCA {
			t.Errorf("%s: chip authentication %+v, want %s", c.kind, rep.CA, wantCA)
		}
		if rep.DG1Matches != (c.kind != issuer.DG1Mismatch) || len(rep.Faces) != 1 || rep.Faces[0].Type != chip.ImageJPEG {
			t.Errorf("%s: DG1 matches %v, faces %+v", c.kind, rep.DG1Matches, rep.Faces)
		}
		if strings.Contains(out, "ERIKSSON") || strings.Contains(out, "L898902C3") {
			t.Errorf("%s: the report shows personal data:\n%s", c.kind, out)
		}
	}
	p, _ := a.IssueKind(issuer.Document{MRZ: chipSpecimen, Photo: jpg.Bytes()}, issuer.Genuine)
	card.Replace(p.Keys, p.Files, p.AAKey, p.CAKey)
	card.SetPACE(nil, "")
	code, out, _ := devRun(append([]string{"devices", "chip", "--mrz"}, chipSpecimen...)...)
	if code != exitFail || !strings.Contains(out, "no_trust_anchor") || !strings.Contains(out, "DG1:           matches") || !strings.Contains(out, "Active auth.:  valid (ecdsa-plain-SHA256 P-256)") {
		t.Errorf("without --csca: exit %d\n%s", code, out)
	}
	if code, out, _ := devRun("devices", "list"); !strings.Contains(out, "card present") || code != exitOK {
		t.Errorf("devices list:\n%s", out)
	}
	if code, _, _ := devRun("devices", "chip", "--mrz", chipSpecimen[0]); code != exitUsage {
		t.Errorf("one MRZ line: exit %d", code)
	}
}
