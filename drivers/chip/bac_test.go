package chip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// The worked example of ICAO Doc 9303 part 11, appendix D (D.2 to D.4):
// the specimen passport L898902C<, born 1969-08-06, expiring 1994-06-23.

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func eqHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !bytes.Equal(got, h(want)) {
		t.Errorf("%s = %X, want %s", what, got, want)
	}
}

const (
	d3RndIC  = "4608F91988702212"
	d3RndIFD = "781723860C06C226"
	d3KIFD   = "0B795240CB7049B01C19B33E32804F0B"
	d3KICC   = "0B4F80323EB3191CB04970CB4052790B"
	d3EIFD   = "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
	d3MIFD   = "5F1448EEA8AD90A7"
	d3EICC   = "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
	d3MICC   = "2F2D235D074D7449"
	d3KSEnc  = "979EC13B1CBFE9DCD01AB0FED307EAE5"
	d3KSMAC  = "F1CB1F1FB5ADF208806B89DC579DC1F8"
	d3SSC    = "887022120C06C226"
)

func TestAppendixD2Keys(t *testing.T) {
	info, err := MRZInfo("L898902C", "690806", "940623")
	if err != nil {
		t.Fatal(err)
	}
	if info != "L898902C<369080619406236" {
		t.Fatalf("MRZ information %q", info)
	}
	k := BACKeys(info)
	eqHex(t, "KEnc", k.Enc, "AB94FDECF2674FDFB9B391F85D7F76F2")
	eqHex(t, "KMAC", k.MAC, "7962D9ECE03D1ACD4C76089DCE131543")
	if s := k.String(); strings.Contains(s, "AB94") || strings.Contains(strings.ToUpper(s), "AB94") {
		t.Errorf("Keys.String shows the key: %s", s)
	}
	// A long document number (TD1 overflow) keeps every character (D.2 note).
	info, _ = MRZInfo("D23145890734", "340712", "950712")
	if info != "D23145890734934071279507122" {
		t.Errorf("long document number: %q", info)
	}
	// A filler inside the number, which the mrz package reports as a
	// space, is keyed as the zone's '<' (check digit over "C<0000000").
	zone, _ := MRZInfo("C<0000000", "690806", "940623")
	if info, err := MRZInfo("C 0000000", "690806", "940623"); err != nil || info != zone || !strings.HasPrefix(info, "C<0000000") {
		t.Errorf("filler in the number: %q %v, want %q", info, err, zone)
	}
}

func TestAppendixD3MutualAuthentication(t *testing.T) {
	k := BACKeys("L898902C<369080619406236")
	cmd := ExternalAuthenticateData(k, h(d3RndIC), h(d3RndIFD), h(d3KIFD))
	eqHex(t, "E_IFD || M_IFD", cmd, d3EIFD+d3MIFD)

	// The chip's side, with the example's K.ICC, answers with E_ICC || M_ICC.
	resp, chipSM, err := AnswerExternalAuthenticate(k, cmd, h(d3RndIC), h(d3KICC))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "E_ICC || M_ICC", resp, d3EICC+d3MICC)

	sm, err := CheckAuthenticateResponse(k, resp, h(d3RndIC), h(d3RndIFD), h(d3KIFD))
	if err != nil {
		t.Fatal(err)
	}
	enc, mac := sm.KeysForTest()
	eqHex(t, "KSEnc", enc, d3KSEnc)
	eqHex(t, "KSMAC", mac, d3KSMAC)
	eqHex(t, "SSC", sm.SSC(), d3SSC)
	cenc, cmac := chipSM.KeysForTest()
	if !bytes.Equal(cenc, enc) || !bytes.Equal(cmac, mac) || !bytes.Equal(chipSM.SSC(), sm.SSC()) {
		t.Error("the chip's session differs from the terminal's")
	}
}

// DoBAC over a scripted transport sends exactly the example's commands.
func TestDoBACAgainstTheExample(t *testing.T) {
	k := BACKeys("L898902C<369080619406236")
	step := 0
	tr := TransportFunc(func(apdu []byte) ([]byte, error) {
		step++
		switch step {
		case 1:
			eqHex(t, "GET CHALLENGE", apdu, "0084000008")
			return h(d3RndIC + "9000"), nil
		case 2:
			eqHex(t, "EXTERNAL AUTHENTICATE", apdu, "0082000028"+d3EIFD+d3MIFD+"28")
			return h(d3EICC + d3MICC + "9000"), nil
		}
		t.Fatalf("unexpected APDU %X", apdu)
		return nil, nil
	})
	sm, err := DoBAC(tr, k, &BACParams{RndIFD: h(d3RndIFD), KIFD: h(d3KIFD)})
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "SSC", sm.SSC(), d3SSC)
}

func TestDoBACRefused(t *testing.T) {
	k := BACKeys("L898902C<369080619406236")
	for name, answer := range map[string]string{
		"status 6300":     "6300",
		"wrong MAC":       d3EICC + "2F2D235D074D7448" + "9000",
		"short":           "0102039000",
		"challenge error": "",
	} {
		t.Run(name, func(t *testing.T) {
			tr := TransportFunc(func(apdu []byte) ([]byte, error) {
				if apdu[1] == 0x84 {
					if answer == "" {
						return h("6D00"), nil
					}
					return h(d3RndIC + "9000"), nil
				}
				return h(answer), nil
			})
			_, err := DoBAC(tr, k, &BACParams{RndIFD: h(d3RndIFD), KIFD: h(d3KIFD)})
			if !errors.Is(err, ErrAccessDenied) {
				t.Fatalf("err = %v, want ErrAccessDenied", err)
			}
		})
	}
	// Another passport's keys: the chip's cryptogram does not verify.
	other := BACKeys("L898902C<369080619406237")
	if _, err := CheckAuthenticateResponse(other, h(d3EICC+d3MICC), h(d3RndIC), h(d3RndIFD), h(d3KIFD)); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := AnswerExternalAuthenticate(other, h(d3EIFD+d3MIFD), h(d3RndIC), h(d3KICC)); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("chip side: err = %v", err)
	}
}

func TestParity(t *testing.T) {
	k := []byte{0x00, 0x01, 0xFE, 0xFF, 0x23}
	adjustParity(k)
	for _, b := range k {
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 != 1 {
			t.Errorf("%02X has even parity", b)
		}
	}
}
