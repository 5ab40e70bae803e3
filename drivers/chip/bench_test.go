package chip_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

// facePhoto is a JPEG of about the size a passport's DG2 holds (15-20 KB).
func facePhoto(tb testing.TB) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewGray(image.Rect(0, 0, 240, 320))
	for y := 0; y < 320; y++ {
		for x := 0; x < 240; x++ {
			img.SetGray(x, y, color.Gray{uint8((x+y)/3) + uint8(rng.IntN(24))})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkChipRead is one kiosk-side chip read on the in-process emulated
// chip: BAC, EF.COM, DG1, DG2 (a ~18 KB photo), EF.SOD in 0xDF-byte chunks
// over secure messaging, then passive authentication (ECDSA P-256 and RSA
// 2048); with BAC, and with PACE (both sides' elliptic curve work counts). The emulator's own work (its half of BAC and secure messaging) is
// included, so the figure bounds the kiosk's overhead beyond the card's I/O.
func BenchmarkChipRead(b *testing.B) {
	photo := facePhoto(b)
	cases := []struct {
		name string
		alg  issuer.Algorithm
		pace *chip.PACEInfo
	}{
		{"BAC/" + string(issuer.ECDSA), issuer.ECDSA, nil},
		{"BAC/" + string(issuer.RSAPKCS1), issuer.RSAPKCS1, nil},
		{"PACE-brainpoolP256r1-AES128/" + string(issuer.ECDSA), issuer.ECDSA, paceInfo(2, 13)},
		{"PACE-P256-AES128/" + string(issuer.ECDSA), issuer.ECDSA, paceInfo(2, 12)},
	}
	for _, c := range cases {
		alg := c.alg
		b.Run(c.name, func(b *testing.B) {
			a := authorities(b)[alg]
			p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: photo, Width: 240, Height: 320})
			if err != nil {
				b.Fatal(err)
			}
			ts := chip.NewTrustStore(a.CSCA)
			info := specimenInfo(b)
			card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, PACE: c.pace, MRZInfo: p.MRZInfo}
			for b.Loop() {
				card.Reset()
				got, err := chip.Read(card, info, chip.ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if res := chip.Verify(got.SODFile, got.Files, ts, chip.VerifyOptions{}); res.Status != chip.PAValid {
					b.Fatal(res)
				}
				if aa := chip.VerifyAA(got.Files[15], got.Files[14], got.AAChallenge, got.AASignature, got.AAError); aa.Status != chip.AAValid {
					b.Fatal(aa)
				}
			}
			b.ReportMetric(float64(len(p.Files[chip.FIDDG2])), "DG2-bytes")
		})
	}
}
