package pcsc_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc/pcsctest"
)

var specimen = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

func photo(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 300, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 300; x++ {
			img.Set(x, y, color.RGBA{uint8(x * y), uint8(y), uint8(x), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// TestChipThroughPCSC reads an issued passport end to end: the emulated
// chip behind Debian's vpcd in a real pcscd, this package's client, BAC,
// secure messaging, the files and passive authentication.
func TestChipThroughPCSC(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	img := photo(t)
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: img, Width: 300, Height: 400})
	if err != nil {
		t.Fatal(err)
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}
	c, reader := pcsctest.Start(t, card)
	k, err := c.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Disconnect(true)
	info, _ := chip.MRZInfo("L898902C3", "740812", "120415")
	got, err := chip.Read(k, info, chip.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.DG1.MatchesPrinted(specimen) || !bytes.Equal(got.DG2.Faces[0].Data, img) {
		t.Error("the chip's DG1 or DG2 differs from what was issued")
	}
	res := chip.Verify(got.SODFile, got.Files, chip.NewTrustStore(a.CSCA), chip.VerifyOptions{})
	if res.Status != chip.PAValid {
		t.Fatalf("passive authentication: %v", res)
	}
	t.Logf("%v over %q (%d APDUs), BAC %v, PA %v", got, reader, card.Commands(), got.Timings.Access.Round(time.Millisecond), res)

	// The same passport offering PACE (brainpoolP256r1, AES-128) is opened
	// with PACE, through pcscd too.
	card.Replace(p.Keys, p.Files, p.AAKey, p.CAKey)
	card.SetPACE(&chip.PACEInfo{Protocol: append(append([]int{}, chip.OIDPACE...), 2, 2), Version: 2, ParameterID: 13}, p.MRZInfo)
	got, err = chip.Read(k, info, chip.ReadOptions{Access: chip.AccessPACE})
	if err != nil || got.Protocol != "PACE" {
		t.Fatalf("PACE: %v", err)
	}
	if res := chip.Verify(got.SODFile, got.Files, chip.NewTrustStore(a.CSCA), chip.VerifyOptions{}); res.Status != chip.PAValid {
		t.Fatalf("passive authentication after PACE: %v", res)
	}
	t.Logf("%v, PACE %v", got, got.Timings.Access.Round(time.Millisecond))

	// Keys of another document: the chip refuses PACE and BAC, through pcscd too.
	other, _ := chip.MRZInfo("L898902C3", "740812", "120416")
	if _, err := chip.Read(k, other, chip.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("wrong keys: %v", err)
	}
	if code := drivers.CodeOf(err); code != "" && code != drivers.CodeProtocol {
		t.Errorf("code %s", code)
	}
}

// BenchmarkChipReadPCSC is a chip read through pcscd and vpcd: BAC, DG1,
// DG2 (about 18 KB), EF.SOD and passive authentication (ECDSA P-256).
func BenchmarkChipReadPCSC(b *testing.B) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: facePhoto(b), Width: 240, Height: 320})
	if err != nil {
		b.Fatal(err)
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}
	c, reader := pcsctest.Start(b, card)
	k, err := c.Connect(reader)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Disconnect(true)
	ts := chip.NewTrustStore(a.CSCA)
	apdus := card.Commands()
	for b.Loop() {
		got, err := chip.Read(k, p.MRZInfo, chip.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res := chip.Verify(got.SODFile, got.Files, ts, chip.VerifyOptions{}); res.Status != chip.PAValid {
			b.Fatal(res)
		}
	}
	b.ReportMetric(float64(len(p.Files[chip.FIDDG2])), "DG2-bytes")
	b.ReportMetric(float64(card.Commands()-apdus)/float64(b.N), "APDUs/op")
}

// facePhoto is a JPEG of about the size of a passport photo (15-20 KB).
func facePhoto(tb testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 240, 320))
	seed := uint32(1)
	for y := 0; y < 320; y++ {
		for x := 0; x < 240; x++ {
			seed = seed*1664525 + 1013904223
			img.SetGray(x, y, color.Gray{uint8((x+y)/3) + uint8(seed>>27)})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// ChipReader waits for the passport, reads and verifies it, and tells a
// misconfigured reader from a missing chip.
func TestChipReader(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: photo(t), Width: 300, Height: 400})
	if err != nil {
		t.Fatal(err)
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey}
	_, reader := pcsctest.Start(t, card)
	cr := &pcsc.ChipReader{Trust: chip.NewTrustStore(a.CSCA)}
	res, name, err := cr.Check(context.Background(), specimen)
	if err != nil || !res.Genuine() || name != reader {
		t.Fatalf("%v %v %q", res, err, name)
	}
	if rs, err := cr.Health(); err != nil || len(rs) == 0 {
		t.Errorf("health: %v %v", rs, err)
	}
	// A reader pcscd does not have is not_found at once, naming the
	// readers it has (the technician's fault), not a timeout as if the
	// traveler had no chip.
	cr.Reader, cr.Wait = "no such reader", 5*time.Second
	t0 := time.Now()
	_, _, err = cr.Check(context.Background(), specimen)
	if drivers.CodeOf(err) != drivers.CodeNotFound || !strings.Contains(err.Error(), reader) || time.Since(t0) > 2*time.Second {
		t.Errorf("no such reader: %v after %v", err, time.Since(t0))
	}
}
