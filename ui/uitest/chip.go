package uitest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// ChipFixture is a referral whose passport chip was read (or not), with
// the kiosk's live capture and the chip's face image (DG2) as JPEG.
type ChipFixture struct {
	Name      string // what it shows, e.g. "pa-invalid-dg_hash"
	Referral  view.Referral
	Photo     []byte // the live capture
	ChipPhoto []byte // DG2 as the console gets it (nil: none)
}

// person is a drawn face: the same person looks the same on the chip and
// at the kiosk, another person does not.
type person struct {
	skin, hair color.RGBA
	rx, ry     float64 // the head's half width and height, in pixels
	eyes       float64 // half the distance between the eyes
}

var (
	personA = person{skin: color.RGBA{0xe0, 0xb8, 0x98, 0xff}, hair: color.RGBA{0x5a, 0x3c, 0x22, 0xff}, rx: 54, ry: 70, eyes: 20}
	personB = person{skin: color.RGBA{0x9c, 0x6b, 0x4a, 0xff}, hair: color.RGBA{0x1c, 0x1a, 0x18, 0xff}, rx: 62, ry: 64, eyes: 24}
	personC = person{skin: color.RGBA{0xf0, 0xcc, 0xb0, 0xff}, hair: color.RGBA{0xc8, 0x9a, 0x50, 0xff}, rx: 50, ry: 74, eyes: 18}
)

// face draws p as a 240x300 portrait. A chip photo has the plain pale
// background of a passport photo; a live capture (camera) the darker,
// uneven light of the kiosk, the face a little off centre.
func face(p person, chip bool) []byte {
	const w, h = 240, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, 128.0
	if !chip {
		cx += 9
		cy += 6
	}
	shirt := color.RGBA{0x2f, 0x4a, 0x6e, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.RGBA
			if chip {
				c = color.RGBA{0xee, 0xf0, 0xf2, 0xff}
			} else {
				v := uint8(0x40 + y/8 + x/16)
				c = color.RGBA{v, v + 4, v + 10, 0xff}
			}
			fx, fy := float64(x)-cx, float64(y)-cy
			dx, dy := fx/p.rx, fy/p.ry
			sx, sy := fx/112, (float64(y)-h)/96
			hx, hy := fx/(p.rx+8), (fy+10)/(p.ry+6)
			switch {
			case sy < 0 && sx*sx+sy*sy <= 1:
				c = shirt
			case dx*dx+dy*dy <= 1:
				c = p.skin
				ex, ey := (abs(fx)-p.eyes)/7, (fy+12)/4.5
				mx, my := fx/18, (fy-32)/3.5
				switch {
				case ex*ex+ey*ey <= 1:
					c = color.RGBA{0x2a, 0x2a, 0x30, 0xff}
				case mx*mx+my*my <= 1:
					c = color.RGBA{0xa0, 0x50, 0x50, 0xff}
				case fy < -p.ry*0.62:
					c = p.hair
				}
			case hx*hx+hy*hy <= 1 && fy < 0:
				c = p.hair
			}
			if !chip { // the camera's light: darker, less colour
				g := (uint16(c.R) + uint16(c.G) + uint16(c.B)) / 3
				c = color.RGBA{uint8((uint16(c.R)*3 + g) / 5), uint8((uint16(c.G)*3 + g) / 5), uint8((uint16(c.B)*3 + g) / 5), 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// ChipFixtures are referrals that show what the officer sees of a passport
// chip: a genuine one, passive authentication failing at each step, no
// trust anchor, a chip that cannot be read (no chip, access refused), DG1
// differing from the printed zone, a face that does not match, a JPEG 2000
// original, and a kiosk without a chip reader (Chip nil). They were opened
// a while before now, the genuine one first (the oldest).
func ChipFixtures(now time.Time) []ChipFixture {
	const canada = "CN=CSCA Canada,OU=Passport Canada,O=Government of Canada,C=CA"
	const utopia = "CN=CSCA Utopia,O=Utopia Passport Office,C=UTO"
	genuineChip := func(protocol, country, csca string) *view.Chip {
		return &view.Chip{Read: true, Protocol: protocol, DG1Matches: yes(),
			PassiveAuth: &view.PassiveAuth{Status: "valid", Country: country, CSCA: csca, Detail: "DG1, DG2 hashes match the SOD"},
			ActiveAuth:  &view.ActiveAuth{Status: "valid", Algorithm: "ecdsa-plain-SHA256 brainpoolP256r1"}}
	}
	match := func(result string, score float64) *view.FaceMatch {
		return &view.FaceMatch{Result: result, Score: ptr(score), Threshold: ptr(0.6), Reference: "chip"}
	}
	invalid := func(step string, dg int, detail string) *view.Chip {
		return &view.Chip{Read: true, Protocol: "BAC", DG1Matches: yes(),
			PassiveAuth: &view.PassiveAuth{Status: "invalid", Step: step, DG: dg, Detail: detail, Country: "UTO"}}
	}
	type fx struct {
		name                     string
		surname, given, nat, doc string
		reasons                  []string
		chip                     *view.Chip
		match                    *view.FaceMatch
		chipFace, liveFace       *person
		original                 string
	}
	all := []fx{
		{name: "genuine", surname: "GAGNON", given: "MARIE CLAIRE", nat: "CAN", doc: "HK482913",
			reasons: []string{"RANDOM_SELECTION"}, chip: genuineChip("PACE", "CAN", canada), match: match("successful", 0.91),
			chipFace: &personA, liveFace: &personA},
		{name: "pa-invalid-dg_hash", surname: "ERIKSSON", given: "ANNA MARIA", nat: "UTO", doc: "L898902C3",
			reasons: []string{"CHIP_INVALID"}, chip: invalid("dg_hash", 2, "DG2: SHA-256 of the data group differs from the SOD's"),
			match: match("successful", 0.88), chipFace: &personB, liveFace: &personB},
		{name: "pa-invalid-sod_signature", surname: "MOREAU", given: "LUC", nat: "UTO", doc: "U1290345",
			reasons: []string{"CHIP_INVALID"}, chip: invalid("sod_signature", 0, "the signer info's signature does not verify with the DS key"),
			match: match("successful", 0.83), chipFace: &personC, liveFace: &personC},
		{name: "pa-invalid-ds_certificate", surname: "SILVA", given: "JOANA", nat: "UTO", doc: "U7731002",
			reasons: []string{"CHIP_INVALID"}, chip: invalid("ds_certificate", 0, "the DS certificate is not signed by the CSCA of its issuer's name"),
			match: match("successful", 0.79), chipFace: &personA, liveFace: &personA},
		{name: "pa-invalid-sod_format", surname: "KOWALSKI", given: "PIOTR", nat: "UTO", doc: "U5500128",
			reasons: []string{"CHIP_INVALID"}, chip: invalid("sod_format", 0, "EF.SOD: not a CMS SignedData (ASN.1 garbage at byte 4)"),
			match: match("successful", 0.86), chipFace: &personC, liveFace: &personC},
		{name: "no-trust-anchor", surname: "OKAFOR", given: "CHIDI", nat: "ZZZ", doc: "ZP0041877",
			reasons: []string{"CHIP_UNTRUSTED"}, chip: &view.Chip{Read: true, Protocol: "BAC", DG1Matches: yes(),
				PassiveAuth: &view.PassiveAuth{Status: "no_trust_anchor", Country: "ZZZ", Detail: "no CSCA for C=ZZZ, CN=CSCA Zedland"}},
			match: match("successful", 0.9), chipFace: &personB, liveFace: &personB},
		{name: "unreadable-no_chip", surname: "BERGER", given: "HANS", nat: "UTO", doc: "U0099112",
			reasons: []string{"CHIP_UNREADABLE"}, chip: &view.Chip{Failure: "no_chip", Detail: "no contactless chip answered within 5 s"},
			match:    &view.FaceMatch{Result: "not_supported", Reference: "none", Detail: "no reference photo: the chip was not read"},
			liveFace: &personC},
		{name: "unreadable-access_denied", surname: "ROSSI", given: "GIULIA", nat: "UTO", doc: "U3318820",
			reasons: []string{"CHIP_UNREADABLE"}, chip: &view.Chip{Failure: "access_denied", Protocol: "BAC", Detail: "MUTUAL AUTHENTICATE refused (SW 6300)"},
			match:    &view.FaceMatch{Result: "not_supported", Reference: "none", Detail: "no reference photo: the chip was not read"},
			liveFace: &personA},
		{name: "dg1-mismatch", surname: "LINDQVIST", given: "ERIK", nat: "UTO", doc: "U8812733",
			reasons: []string{"CHIP_MRZ_MISMATCH"}, chip: &view.Chip{Read: true, Protocol: "BAC", DG1Matches: no(), Detail: "DG1: another document number",
				PassiveAuth: &view.PassiveAuth{Status: "valid", Country: "UTO", CSCA: utopia}},
			match: match("successful", 0.87), chipFace: &personC, liveFace: &personC},
		{name: "aa-invalid", surname: "NOVAK", given: "JANA", nat: "UTO", doc: "U4402917",
			reasons: []string{"CHIP_INVALID"}, chip: &view.Chip{Read: true, Protocol: "BAC", DG1Matches: yes(),
				PassiveAuth: &view.PassiveAuth{Status: "valid", Country: "UTO", CSCA: utopia},
				ActiveAuth: &view.ActiveAuth{Status: "invalid", Algorithm: "ecdsa-plain-SHA256 P-256",
					Detail: "the chip's signature of the challenge does not verify with DG15's key: the chip may be a copy"}},
			match: match("successful", 0.89), chipFace: &personB, liveFace: &personB},
		{name: "face-mismatch", surname: "TANAKA", given: "YUKI", nat: "CAN", doc: "HK900214",
			reasons: []string{"FACE_MISMATCH"}, chip: genuineChip("PACE", "CAN", canada), match: match("failed", 0.31),
			chipFace: &personA, liveFace: &personB},
		{name: "jpeg2000", surname: "DUBOIS", given: "CAMILLE", nat: "CAN", doc: "HK310577",
			reasons: []string{"CARD_MISSING"}, chip: genuineChip("BAC", "CAN", canada), match: match("successful", 0.84),
			chipFace: &personB, liveFace: &personB, original: "image/jp2"},
		{name: "no-chip-reader", surname: "MARTIN", given: "PAUL", nat: "USA", doc: "E00004512",
			reasons: []string{"NOT_AUTHORIZED"}, liveFace: &personA},
	}
	out := make([]ChipFixture, 0, len(all))
	for i, f := range all {
		id := fmt.Sprintf("R-%04d", 1001+i)
		r := view.Referral{
			ReferralID: id, TransactionID: fmt.Sprintf("T-%06d", 4001+i), Reference: wire.NewReference(),
			OpenedAt: now.Add(-time.Duration(42-2*i) * time.Minute), Reasons: f.reasons,
			Surname: f.surname, GivenNames: f.given, Nationality: f.nat, BirthDate: "1980-05-1" + fmt.Sprint(i%10),
			DocumentCode: "P", IssuingState: f.nat, DocumentNo: f.doc, ExpiryDate: "2031-06-30",
			HasPhoto: true, Chip: f.chip, FaceMatch: f.match,
		}
		if f.nat != "ZZZ" && f.reasons[0] != "NOT_AUTHORIZED" {
			r.AuthorizationID, r.Category = fmt.Sprintf("XPT-2026-%07d", 7001+i), "professional"
			r.Occupation, r.Employer = "Consultant", "Example Consulting Ltd."
		}
		r.Checks = chipChecks(r)
		fixture := ChipFixture{Name: f.name, Referral: r, Photo: face(*f.liveFace, false)}
		if f.chipFace != nil {
			fixture.ChipPhoto = face(*f.chipFace, true)
			fixture.Referral.HasChipPhoto, fixture.Referral.ChipPhotoType = true, "image/jpeg"
			fixture.Referral.ChipPhotoOriginalType = f.original
		}
		out = append(out, fixture)
	}
	return out
}

// chipChecks are the checks the agent lists for r: the printed zone, the
// authorization, the chip's four and the face's.
func chipChecks(r view.Referral) []view.Check {
	checks := []view.Check{{Name: "document.mrz", Result: "successful"}}
	if r.AuthorizationID != "" {
		checks = append(checks, view.Check{Name: "authz.record", Result: "successful", Detail: r.AuthorizationID})
	} else {
		checks = append(checks, view.Check{Name: "authz.record", Result: "failed", Detail: "no record for this document"})
	}
	if c := r.Chip; c != nil {
		if !c.Read {
			checks = append(checks, view.Check{Name: "chip.read", Result: "failed", Detail: c.Failure + ": " + c.Detail})
		} else {
			checks = append(checks, view.Check{Name: "chip.read", Result: "successful", Detail: c.Protocol + "; EF.COM, DG1, DG2, EF.SOD"})
			if c.DG1Matches != nil && *c.DG1Matches {
				checks = append(checks, view.Check{Name: "chip.dg1_match", Result: "successful"})
			} else {
				checks = append(checks, view.Check{Name: "chip.dg1_match", Result: "failed", Detail: c.Detail})
			}
			switch pa := c.PassiveAuth; pa.Status {
			case "valid":
				checks = append(checks, view.Check{Name: "chip.passive_auth", Result: "successful", Detail: "valid"})
			case "invalid":
				checks = append(checks, view.Check{Name: "chip.passive_auth", Result: "failed", Detail: "invalid " + pa.Step})
			default:
				checks = append(checks, view.Check{Name: "chip.passive_auth", Result: "undetermined", Detail: pa.Status})
			}
			switch aa := c.ActiveAuth; {
			case aa == nil:
				checks = append(checks, view.Check{Name: "chip.active_auth", Result: "not_supported", Detail: "the chip has no DG15"})
			case aa.Status == "valid":
				checks = append(checks, view.Check{Name: "chip.active_auth", Result: "successful"})
			default:
				checks = append(checks, view.Check{Name: "chip.active_auth", Result: "failed", Detail: aa.Detail})
			}
		}
	}
	if m := r.FaceMatch; m != nil {
		checks = append(checks, view.Check{Name: "face.capture", Result: "successful", Detail: "best of 18 frames"},
			view.Check{Name: "face.verify", Result: m.Result, Score: m.Score, Threshold: m.Threshold, Detail: m.Detail})
	} else {
		checks = append(checks, view.Check{Name: "face.capture", Result: "successful", Detail: "best of 23 frames"},
			view.Check{Name: "face.verify", Result: "not_supported", Detail: "no face model configured"})
	}
	return checks
}

// AddChipFixtures puts ChipFixtures in the queue, with their photos (the
// development server does, for the officer console's chip panel).
func (k *Kiosk) AddChipFixtures() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, f := range ChipFixtures(k.now()) {
		k.referrals = append(k.referrals, f.Referral)
		k.photos[f.Referral.ReferralID] = f.Photo
		if f.ChipPhoto != nil {
			k.chipPhotos[f.Referral.ReferralID] = f.ChipPhoto
		}
	}
	k.changedLocked()
}
