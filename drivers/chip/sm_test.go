package chip

import (
	"bytes"
	"errors"
	"testing"
)

func d4Session() *SecureMessaging { return NewSecureMessaging(h(d3KSEnc), h(d3KSMAC), h(d3SSC)) }

// Appendix D.4: SELECT EF.COM, READ BINARY of its first four bytes, then
// of the remaining 18, protected and unprotected byte for byte.
func TestAppendixD4SecureMessaging(t *testing.T) {
	sm := d4Session()
	steps := []struct {
		plain, protected, response, data, ssc string
	}{
		{"00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
			"990290008E08FA855A5D4C50A8ED9000", "", "887022120C06C228"},
		{"00B0000004", "0CB000000D9701048E08ED6705417E96BA5500",
			"8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F01", "887022120C06C22A"},
		{"00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500",
			"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
			"04303130365F36063034303030305C026175", "887022120C06C22C"},
	}
	chip := d4Session()
	for _, s := range steps {
		c, err := ParseCommand(h(s.plain))
		if err != nil {
			t.Fatal(err)
		}
		p := sm.Protect(c).Bytes()
		eqHex(t, "protected "+s.plain, p, s.protected)

		// The chip's side reads the protected command back into the plain one
		// and protects the example's answer into the example's response.
		pc, _ := ParseCommand(p)
		back, err := chip.UnprotectCommand(pc)
		if err != nil {
			t.Fatalf("chip: %v", err)
		}
		eqHex(t, "unprotected command", back.Bytes(), s.plain)
		eqHex(t, "chip response", chip.ProtectResponse(h(s.data), 0x9000), s.response)

		data, sw, err := sm.Unprotect(h(s.response))
		if err != nil {
			t.Fatalf("unprotect %s: %v", s.response, err)
		}
		if sw != 0x9000 || !bytes.Equal(data, h(s.data)) {
			t.Errorf("response data %X sw %04X, want %s 9000", data, sw, s.data)
		}
		eqHex(t, "SSC", sm.SSC(), s.ssc)
	}
}

func TestUnprotectRejectsTampering(t *testing.T) {
	good := h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")
	for i := 0; i < len(good)-2; i++ {
		sm := d4Session()
		sm.Protect(Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: h("011E")})
		sm.Unprotect(h("990290008E08FA855A5D4C50A8ED9000"))
		sm.Protect(Command{INS: 0xB0, Ne: 4})
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x01
		if _, _, err := sm.Unprotect(bad); err == nil {
			t.Errorf("byte %d flipped: accepted", i)
		}
	}
	sm := d4Session()
	if _, _, err := sm.Unprotect(h("9000")); !errors.Is(err, ErrSecureMessaging) {
		t.Errorf("bare 9000: %v", err)
	}
	if _, sw, err := d4Session().Unprotect(h("6A82")); err != nil || sw != 0x6A82 {
		t.Errorf("bare 6A82: %04X %v", sw, err)
	}
}

func TestCommandEncoding(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	for _, c := range []Command{
		{INS: 0xA4},
		{INS: 0xB0, Ne: 256},
		{INS: 0xB0, Ne: 1},
		{INS: 0xA4, Data: []byte{1, 2}},
		{INS: 0xA4, Data: []byte{1, 2}, Ne: 256},
		{INS: 0xB0, Ne: 4096},
		{INS: 0xB0, Ne: 65536},
		{INS: 0xD6, Data: long},
		{INS: 0xD6, Data: long, Ne: 65536},
		{INS: 0xD6, Data: []byte{1}, Ne: 300},
	} {
		b := c.Bytes()
		got, err := ParseCommand(b)
		if err != nil {
			t.Fatalf("%X: %v", b, err)
		}
		if got.INS != c.INS || got.Ne != c.Ne || !bytes.Equal(got.Data, c.Data) {
			t.Errorf("%X parsed as %+v, want %+v", b, got, c)
		}
	}
	for _, bad := range []string{"00", "00A40C", "00A4020C05011E", "00A4020C0000"} {
		if _, err := ParseCommand(h(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A protected command with a large Ne or large data goes extended, and the
// chip's side still reads it.
func TestProtectExtended(t *testing.T) {
	sm, chip := d4Session(), d4Session()
	c := Command{INS: 0xB0, P1: 0x01, Ne: 2048}
	p := sm.Protect(c)
	b := p.Bytes()
	if b[4] != 0 {
		t.Fatalf("not extended: %X", b)
	}
	pc, _ := ParseCommand(b)
	back, err := chip.UnprotectCommand(pc)
	if err != nil || back.Ne != 2048 {
		t.Fatalf("%+v %v", back, err)
	}
	data := bytes.Repeat([]byte{7}, 2000)
	got, sw, err := sm.Unprotect(chip.ProtectResponse(data, 0x9000))
	if err != nil || sw != 0x9000 || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes %04X %v", len(got), sw, err)
	}
}

// The protected command asks for an extended response exactly when the
// protected answer to its Ne could pass 256 bytes, and that answer is as
// long as protectedLen says.
func TestProtectedResponseFitsLe(t *testing.T) {
	for _, aes := range []bool{false, true} {
		for ne := 1; ne <= 300; ne++ {
			sm, card := d4Session(), d4Session()
			block := 8
			if aes {
				k := bytes.Repeat([]byte{1}, 16)
				sm, card, block = NewSecureMessagingAES(k, k, make([]byte, 16)), NewSecureMessagingAES(k, k, make([]byte, 16)), 16
			}
			p := sm.Protect(Command{INS: 0xB0, Ne: ne})
			pc, _ := ParseCommand(p.Bytes())
			if _, err := card.UnprotectCommand(pc); err != nil {
				t.Fatal(err)
			}
			resp := card.ProtectResponse(bytes.Repeat([]byte{7}, ne), 0x9000)
			if got := len(resp) - 2; got != protectedLen(ne, block) {
				t.Fatalf("Ne %d (block %d): protected answer %d bytes, protectedLen %d", ne, block, got, protectedLen(ne, block))
			}
			if fits := len(resp)-2 <= 256; fits != (p.Ne == 256) {
				t.Errorf("Ne %d (block %d): answer %d bytes, outer Ne %d", ne, block, len(resp)-2, p.Ne)
			}
		}
	}
	if protectedLen(DefaultChunk, 8) > 256 || protectedLen(DefaultChunk, 16) > 256 {
		t.Error("a default READ BINARY chunk no longer fits a short response")
	}
}

// RFC 4493 section 4: AES-CMAC examples 1 to 4.
func TestCMAC(t *testing.T) {
	k := h("2b7e151628aed2a6abf7158809cf4f3c")
	m := h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	for n, want := range map[int]string{
		0:  "bb1d6929e95937287fa37d129b756746",
		16: "070a16b46b4d4144f79bdd9dd04a287c",
		40: "dfa66747de9ae63030ca32611497c827",
		64: "51f0bebf7e3b9d92fc49741779363cfe",
	} {
		eqHex(t, "CMAC", cmac(k, m[:n]), want)
	}
}

// AES secure messaging: a protected MSE:Set DST and its answer, as a
// public EAC test suite has them (AES-128, SSC 4 before the command).
func TestAESSecureMessaging(t *testing.T) {
	kEnc, kMAC := h("68406b4162100563d9c901a6154d2901"), h("73ff268784f72af833fdc9464049afc9")
	sm := NewSecureMessagingAES(kEnc, kMAC, []byte{4})
	c, _ := ParseCommand(h("002281b60f830d44455445535444564445303139"))
	eqHex(t, "protected", sm.Protect(c).Bytes(), "0c2281b61d871101a7bb8f230fff9221162ad673b9f319a88e08d8713e9b7a600b4900")
	data, sw, err := sm.Unprotect(h("990290008e08c8488f79fef386c79000"))
	if err != nil || sw != 0x9000 || len(data) != 0 {
		t.Fatalf("%X %04X %v", data, sw, err)
	}
	// Both sides agree on data both ways, with 16-byte blocks.
	chip := NewSecureMessagingAES(kEnc, kMAC, []byte{6})
	for _, n := range []int{0, 1, 15, 16, 17, 223, 1000} {
		payload := bytes.Repeat([]byte{byte(n)}, n)
		pc, _ := ParseCommand(sm.Protect(Command{INS: 0xD6, Data: payload, Ne: 256}).Bytes())
		back, err := chip.UnprotectCommand(pc)
		if err != nil || !bytes.Equal(back.Data, payload) {
			t.Fatalf("%d bytes: %v", n, err)
		}
		got, _, err := sm.Unprotect(chip.ProtectResponse(payload, 0x9000))
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("response of %d bytes: %v", n, err)
		}
	}
}

// Odd instructions (READ BINARY B1) carry their data in DO'85', both ways.
func TestOddInstructionUsesDO85(t *testing.T) {
	sm, chip := d4Session(), d4Session()
	p := sm.Protect(Command{INS: 0xB1, Data: h("54028000"), Ne: 100})
	if p.Data[0] != 0x85 {
		t.Fatalf("command data object %02X", p.Data[0])
	}
	back, err := chip.UnprotectCommand(p)
	if err != nil || !bytes.Equal(back.Data, h("54028000")) {
		t.Fatalf("%X %v", back.Data, err)
	}
	resp := chip.ProtectResponse(h("53021122"), 0x9000)
	if resp[0] != 0x85 {
		t.Fatalf("response data object %02X", resp[0])
	}
	if data, _, err := sm.Unprotect(resp); err != nil || !bytes.Equal(data, h("53021122")) {
		t.Fatalf("%X %v", data, err)
	}
}
