package chip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"testing"
)

func tlvSeeds() [][]byte {
	return [][]byte{
		EncodeCOM(1, 2, 14),
		EncodeDG1([]string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}),
		EncodeDG2([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, 1, 1),
		h("60145F0104303130365F36063034303030305C026175"),
		h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"),
		h("5F1F8200"), h("7F618400000001"), h("1F"), h("9F8181818101"), h("3080"),
	}
}

// FuzzTLV: the BER-TLV parser never panics, never reads outside its input,
// and what it accepts encodes back to the same bytes when the lengths were
// minimal.
func FuzzTLV(f *testing.F) {
	for _, s := range tlvSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		objs, err := ParseTLVs(b)
		Find(b, 0x5F2E)
		tlvSize(b)
		if err != nil {
			return
		}
		var re []byte
		for _, o := range objs {
			re = append(re, EncodeTLV(o.Tag, o.Value)...)
		}
		if len(re) > len(b) {
			t.Fatalf("re-encoding grew: %X -> %X", b, re)
		}
		if len(re) == len(b) && !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs: %X -> %X", b, re)
		}
		again, err := ParseTLVs(re)
		if err != nil || len(again) != len(objs) {
			t.Fatalf("re-encoding does not parse: %v", err)
		}
	})
}

// FuzzDG2: the DG2 and 19794-5 container parsers never panic, and every
// face they return is an image held inside the input.
func FuzzDG2(f *testing.F) {
	jpg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1}
	j2k := []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0x29}
	f.Add(EncodeDG2(jpg, 10, 20))
	f.Add(EncodeDG2(j2k, 10, 20))
	f.Add(EncodeFaceRecord(jpg, 1, 1))
	f.Add(Encode39794DG2(jpg, 300, 400))
	f.Add(EncodeTLV(0x75, EncodeTLV(0x7F61, EncodeTLV(0x7F60, EncodeTLV(0x7F2E, EncodeTLV(0xA2, EncodeTLV(0x80, jpg)))))))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) ([]FaceImage, error){
			func(b []byte) ([]FaceImage, error) {
				d, err := ParseDG2(b)
				if err != nil {
					return nil, err
				}
				return d.Faces, nil
			},
			ParseFaceRecord,
		} {
			faces, err := parse(b)
			if err != nil {
				continue
			}
			if len(faces) == 0 {
				t.Fatal("no error and no face")
			}
			for _, fc := range faces {
				if fc.Type == ImageUnknown || !bytes.Contains(b, fc.Data) {
					t.Fatalf("face %s of %d bytes not from the input", fc.Type, len(fc.Data))
				}
			}
		}
		ParseDG1(b)
		ParseCOM(b)
	})
}

// FuzzSecureMessaging: whatever a chip (or something posing as one) sends
// back, the terminal's secure messaging, the command parser, the chip's
// side and EF.CardAccess and PACE's chip side never panic, and a response
// that unprotects was MACed with the session's keys.
func FuzzSecureMessaging(f *testing.F) {
	f.Add(h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
	f.Add(h("990290008E08FA855A5D4C50A8ED9000"))
	f.Add(h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
	f.Add(h(g1CardAccess))
	f.Add(h("7C0A8508C2B0BD78D94BA866"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, sm := range []*SecureMessaging{d4Session(), NewSecureMessagingAES(h(g1KSEnc), h(g1KSMAC), nil)} {
			sm.Unprotect(b)
			if c, err := ParseCommand(b); err == nil {
				c.Bytes()
				sm.UnprotectCommand(c)
			}
		}
		if _, _, err := d4Session().Unprotect(b); err == nil && len(b) > 2 {
			// No answer was MACed for a fresh example session's first SSC:
			// anything with secure messaging objects must fail its MAC.
			t.Fatalf("a response verified: %X", b)
		}
		ParseCardAccess(b)
		infos, _ := ParseCardAccess(h(g1CardAccess))
		if p, err := NewPACEChip("T22000129064081211010318", infos[0], nil); err == nil {
			for i := 0; i < 4; i++ {
				if _, _, err := p.GeneralAuthenticate(b); err != nil {
					break
				}
			}
		}
	})
}

// FuzzParseCA: DG14 from the chip is untrusted until passive
// authentication checks it, and chip authentication reads it first:
// whatever it holds, ParseCA returns an error or a usable key, never
// panics.
func FuzzParseCA(f *testing.F) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	ci, _ := asn1.Marshal(struct {
		Protocol asn1.ObjectIdentifier
		Version  int
	}{OIDCAECDHAES128, 2})
	pk, _ := asn1.Marshal(struct {
		Protocol asn1.ObjectIdentifier
		Key      asn1.RawValue
	}{OIDPKECDH, asn1.RawValue{FullBytes: spki}})
	set, _ := asn1.MarshalWithParams([]asn1.RawValue{{FullBytes: ci}, {FullBytes: pk}}, "set")
	f.Add(EncodeTLV(0x6E, set))
	f.Add([]byte{0x6E, 0x02, 0x31, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseCA(b)
		if err == nil && info != nil && (info.Key == nil || !info.Key.c.onCurve(info.Key.q)) {
			t.Fatalf("a chip authentication key that is not on its curve: %+v", info)
		}
	})
}
