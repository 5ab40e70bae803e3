package chip

import (
	"errors"
	"math/big"
	"testing"
)

// ICAO Doc 9303 part 11, appendix G.1: PACE with the ECDH generic mapping
// on brainpoolP256r1, AES-128 (id-PACE-ECDH-GM-AES-CBC-CMAC-128), for the
// MRZ T22000129 / 640812 / 101031. The vectors were cross-checked against
// public ePassport test suites (the gmrtd Go library's among them).
const (
	g1CardAccess = "31143012060A04007F0007020204020202010202010D"
	g1KPi        = "89DED1B26624EC1E634C1989302849DD"
	g1Z          = "95A3A016522EE98D01E76CB6B98B42C3"
	g1S          = "3F00C4D39D153F2B2A214A078D899B22"
	g1SKMap      = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"
	g1PKMapIFD   = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
	g1PKMapIC    = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
	g1H          = "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
	g1GMapped    = "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
	g1SK         = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"
	g1PKIFD      = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
	g1PKIC       = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
	g1KSEnc      = "F5F0E35C0D7161EE6724EE513A0D9A7F"
	g1KSMAC      = "FE251C7858B356B24514B3BD5F4297D1"
	g1TIFD       = "C2B0BD78D94BA866"
	g1TIC        = "3ABB9674BCE93C08"
)

func g1MRZInfo(t *testing.T) string {
	info, err := MRZInfo("T22000129", "640812", "101031")
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestAppendixG1Steps(t *testing.T) {
	infos, err := ParseCardAccess(h(g1CardAccess))
	if err != nil || len(infos) != 1 || infos[0].ParameterID != 13 || !infos[0].Supported() {
		t.Fatalf("%+v %v", infos, err)
	}
	s, _ := infos[0].suite()
	c := s.curve
	kpi := s.kdf(passwordKey(g1MRZInfo(t)), 3)
	eqHex(t, "Kpi", kpi, g1KPi)
	nonce, _ := s.decryptNonce(kpi, h(g1Z))
	eqHex(t, "s", nonce, g1S)
	sk := hexInt(g1SKMap)
	eqHex(t, "PKmap,IFD", c.encode(c.mul(sk, c.g())), g1PKMapIFD)
	pkMapIC, err := c.decode(h(g1PKMapIC))
	if err != nil {
		t.Fatal(err)
	}
	hp := c.mul(sk, pkMapIC)
	eqHex(t, "H", c.encode(hp), g1H)
	gm := c.add(c.mul(hexInt(g1S), c.g()), hp)
	eqHex(t, "G~", c.encode(gm), g1GMapped)
	pk := c.mul(hexInt(g1SK), gm)
	eqHex(t, "PK,IFD", c.encode(pk), g1PKIFD)
	pkIC, _ := c.decode(h(g1PKIC))
	shared := c.mul(hexInt(g1SK), pkIC)
	k := make([]byte, 32)
	shared.x.FillBytes(k)
	sm := s.session(k)
	eqHex(t, "KSEnc", sm.kEnc, g1KSEnc)
	eqHex(t, "KSMAC", sm.kMAC, g1KSMAC)
	eqHex(t, "T,IFD", s.token(sm.kMAC, pkIC), g1TIFD)
	eqHex(t, "T,IC", s.token(sm.kMAC, pk), g1TIC)
	eqHex(t, "EF.CardAccess", EncodeCardAccess(infos...), g1CardAccess)
}

// DoPACE sends exactly the appendix's APDUs and gets its session.
func TestAppendixG1Protocol(t *testing.T) {
	script := [][2]string{
		{"0022C1A40F800A04007F00070202040202830101", "9000"},
		{"10860000027C0000", "7C1280" + "10" + g1Z + "9000"},
		{"10860000457C438141" + g1PKMapIFD + "00", "7C438241" + g1PKMapIC + "9000"},
		{"10860000457C438341" + g1PKIFD + "00", "7C438441" + g1PKIC + "9000"},
		{"008600000C7C0A8508" + g1TIFD + "00", "7C0A8608" + g1TIC + "9000"},
	}
	run := func(tamper func(i int, resp []byte) []byte) (*SecureMessaging, error) {
		i := 0
		tr := TransportFunc(func(apdu []byte) ([]byte, error) {
			if i >= len(script) {
				t.Fatalf("extra APDU %X", apdu)
			}
			eqHex(t, "command", apdu, script[i][0])
			resp := h(script[i][1])
			if tamper != nil {
				resp = tamper(i, resp)
			}
			i++
			return resp, nil
		})
		infos, _ := ParseCardAccess(h(g1CardAccess))
		return DoPACE(tr, g1MRZInfo(t), infos[0], &PACEParams{MapKey: hexInt(g1SKMap), EphemKey: hexInt(g1SK)})
	}
	sm, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sm.aes || len(sm.SSC()) != 16 {
		t.Error("not an AES session")
	}
	eqHex(t, "KSEnc", sm.kEnc, g1KSEnc)
	eqHex(t, "SSC", sm.SSC(), "00000000000000000000000000000000")
	// A wrong chip token, and a chip that refuses at the last step.
	if _, err := run(func(i int, r []byte) []byte {
		if i == 4 {
			r[5] ^= 1
		}
		return r
	}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("bad token: %v", err)
	}
	if _, err := run(func(i int, r []byte) []byte {
		if i == 4 {
			return h("6300")
		}
		return r
	}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("refused: %v", err)
	}
	// A mapping key off the curve.
	if _, err := run(func(i int, r []byte) []byte {
		if i == 2 {
			r[10] ^= 1
		}
		return r
	}); !errors.Is(err, ErrMalformed) {
		t.Errorf("point off the curve: %v", err)
	}
}

func TestCurves(t *testing.T) {
	for id, c := range paceCurves {
		if !c.onCurve(c.g()) {
			t.Errorf("%d %s: G not on the curve", id, c.name)
		}
		if c.mul(c.n, c.g()).x != nil {
			t.Errorf("%d %s: n·G is not the point at infinity", id, c.name)
		}
		k := hexInt("1234567890ABCDEF")
		p := c.mul(k, c.g())
		q := c.add(c.mul(new(big.Int).Sub(k, big.NewInt(1)), c.g()), c.g())
		if p.x.Cmp(q.x) != 0 || !c.onCurve(p) {
			t.Errorf("%d %s: k·G differs from (k-1)·G + G", id, c.name)
		}
	}
}
