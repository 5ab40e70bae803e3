package chip_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

// The ICAO 9303 part 4 specimen.
var specimen = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func specimenKeys(t testing.TB) chip.Keys { return chip.BACKeys(specimenInfo(t)) }

func specimenInfo(t testing.TB) string {
	t.Helper()
	r := mrz.Parse(specimen, mrz.Options{})
	if !r.Valid {
		t.Fatalf("specimen invalid: %v", r.Err())
	}
	info, err := chip.MRZInfoFromFields(r.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if info != "L898902C3674081221204159" {
		t.Fatalf("MRZ information %q", info)
	}
	return info
}

func testCard(t testing.TB, photo []byte) *cardsim.Card {
	return &cardsim.Card{
		Keys: specimenKeys(t),
		Files: map[uint16][]byte{
			chip.FIDCOM: chip.EncodeCOM(1, 2),
			chip.FIDDG1: chip.EncodeDG1(specimen),
			chip.FIDDG2: chip.EncodeDG2(photo, 240, 320),
			chip.FIDSOD: chip.EncodeTLV(0x77, []byte{0x30, 0x00}),
		},
	}
}

func TestReadOverSecureMessaging(t *testing.T) {
	photo := testJPEG(t, 240, 320)
	for _, chunk := range []int{0, 1, 17, 256, 2048} {
		card := testCard(t, photo)
		p, err := chip.Read(card, specimenInfo(t), chip.ReadOptions{Chunk: chunk})
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if p.Protocol != "BAC" || !p.COM.Has(1) || !p.COM.Has(2) || p.COM.LDSVersion != "0107" {
			t.Errorf("EF.COM %+v", p.COM)
		}
		if !p.DG1.MatchesPrinted(specimen) {
			t.Errorf("DG1 %q does not match the printed MRZ", p.DG1.MRZ)
		}
		if r := p.DG1.Parse(); !r.Valid || r.DocumentNumber != "L898902C3" {
			t.Errorf("DG1 parses as %+v", r.Fields)
		}
		f := p.DG2.Faces[0]
		if f.Type != chip.ImageJPEG || f.DeclaredType != 0 || f.Width != 240 || f.Height != 320 || !bytes.Equal(f.Data, photo) {
			t.Errorf("DG2 face %s %d %dx%d, %d bytes", f.Type, f.DeclaredType, f.Width, f.Height, len(f.Data))
		}
		if !bytes.Equal(p.Files[2], card.Files[chip.FIDDG2]) {
			t.Error("DG2 file differs from the chip's")
		}
	}
}

func TestDG1DiffersFromPrinted(t *testing.T) {
	card := testCard(t, testJPEG(t, 8, 8))
	other := []string{specimen[0], "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}
	other[0] = "P<UTOERIKSSON<<ANNE<MARIA<<<<<<<<<<<<<<<<<<<"
	card.Files[chip.FIDDG1] = chip.EncodeDG1(other)
	p, err := chip.Read(card, specimenInfo(t), chip.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.DG1.MatchesPrinted(specimen) {
		t.Error("a different DG1 matches the printed MRZ")
	}
}

// A file beyond 32 KiB is read past offset 0x7FFF with READ BINARY B1.
func TestReadLargeFile(t *testing.T) {
	big := testJPEG(t, 600, 600)
	for len(big) < 40000 {
		big = append(big, big...)
	}
	card := testCard(t, big)
	p, err := chip.Read(card, specimenInfo(t), chip.ReadOptions{Chunk: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.DG2.Faces[0].Data, big) {
		t.Error("large DG2 differs")
	}
}

func TestReadFailures(t *testing.T) {
	photo := testJPEG(t, 16, 16)
	cases := map[string]struct {
		setup func(*cardsim.Card)
		keys  func() string
		tr    func(chip.Transport) chip.Transport
		want  error
		code  drivers.Code
	}{
		"chip refuses BAC": {setup: func(c *cardsim.Card) { c.RefuseBAC = true }, want: chip.ErrAccessDenied},
		"keys of another document": {keys: func() string {
			return "L898902C3674081221204158"
		}, want: chip.ErrAccessDenied},
		"DG2 missing although listed": {setup: func(c *cardsim.Card) { delete(c.Files, chip.FIDDG2) }, want: chip.ErrFileNotFound},
		"truncated DG2": {setup: func(c *cardsim.Card) {
			c.Files[chip.FIDDG2] = c.Files[chip.FIDDG2][:100]
		}, want: chip.ErrMalformed},
		"DG2 not an image": {setup: func(c *cardsim.Card) {
			c.Files[chip.FIDDG2] = chip.EncodeDG2([]byte("GIF89a not a face"), 1, 1)
		}, want: chip.ErrMalformed},
		"no extended length": {setup: func(c *cardsim.Card) { c.NoExtended = true }, want: chip.ErrStatus},
		// A card with no eMRTD application (a passport without a chip on
		// a virtual reader that always holds a card), and one whose
		// application holds no access keys: typed, never a panic.
		"no passport application":  {setup: func(c *cardsim.Card) { c.Files = map[uint16][]byte{} }, want: chip.ErrFileNotFound},
		"chip without access keys": {setup: func(c *cardsim.Card) { c.Keys = chip.Keys{} }, want: chip.ErrAccessDenied},
		"response MAC broken": {tr: func(inner chip.Transport) chip.Transport {
			n := 0
			return chip.TransportFunc(func(apdu []byte) ([]byte, error) {
				r, err := inner.Transmit(apdu)
				if n++; n == 6 && len(r) > 4 {
					r[len(r)-3] ^= 1
				}
				return r, err
			})
		}, want: chip.ErrSecureMessaging},
		"malformed response": {tr: func(inner chip.Transport) chip.Transport {
			n := 0
			return chip.TransportFunc(func(apdu []byte) ([]byte, error) {
				if n++; n == 5 {
					return []byte{0x90}, nil
				}
				return inner.Transmit(apdu)
			})
		}, want: chip.ErrMalformed},
		"card removed mid-read": {tr: func(inner chip.Transport) chip.Transport {
			n := 0
			return chip.TransportFunc(func(apdu []byte) ([]byte, error) {
				if n++; n == 9 {
					return nil, &drivers.Error{Kind: drivers.CodeDisconnected, Err: errors.New("card removed")}
				}
				return inner.Transmit(apdu)
			})
		}, code: drivers.CodeDisconnected},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			card := testCard(t, photo)
			opts := chip.ReadOptions{}
			if c.setup != nil {
				c.setup(card)
			}
			if name == "no extended length" {
				opts.Chunk = 1024
			}
			keys := specimenInfo(t)
			if c.keys != nil {
				keys = c.keys()
			}
			var tr chip.Transport = card
			if c.tr != nil {
				tr = c.tr(card)
			}
			p, err := chip.Read(tr, keys, opts)
			if err == nil {
				t.Fatalf("read succeeded: %v", p)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			code := c.code
			if code == "" {
				code = drivers.CodeProtocol
			}
			if got := drivers.CodeOf(err); got != code {
				t.Errorf("code %s, want %s (%v)", got, code, err)
			}
		})
	}
}
