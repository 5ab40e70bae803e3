package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyLetter feeds the letter QR token parser arbitrary text, seeded
// with real signed letters and their typical damage (a QR misread, a cut, a
// swapped signature). It must never panic; whatever it accepts must carry
// exactly the payload that was signed; and every refusal is a
// *RejectError with a code.
func FuzzVerifyLetter(f *testing.F) {
	seed := [32]byte{7}
	priv := ed25519.NewKeyFromSeed(seed[:])
	kr := &KeyRing{}
	kr.Add("central-2026-a", priv.Public().(ed25519.PublicKey))
	good := Letter{KID: "central-2026-a", AuthorizationID: "XPT-2026-0000123",
		Document: LetterDocument{IssuingState: "CAN", Number: "L898902C3"},
		Holder:   LetterHolder{Surname: "ERIKSSON", BirthDate: "1974-08-12"}, Purpose: "Installation of robotic line",
		Employer: "Example Robotics Inc.", ValidUntil: "2027-03-31"}
	text, err := SignLetter(priv, good)
	if err != nil {
		f.Fatal(err)
	}
	signed, _ := json.Marshal(good)
	f.Add(text)
	f.Add(text[:len(text)/2])
	f.Add(strings.ToLower(text))
	f.Add(text + ".x")
	f.Add(strings.Replace(text, "XPT1.", "XPT1..", 1))
	other := good
	other.Document.Number = "ZE184226B"
	o, _ := SignLetter(priv, other)
	p1, p2 := strings.Split(text, "."), strings.Split(o, ".")
	f.Add(p1[0] + "." + p1[1] + "." + p2[2]) // another letter's signature
	f.Add("XPT1." + base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"central-2026-a","validUntil":"2099-01-01"}`)) + "." + p1[2])
	f.Add("XPT1.e30.AAAA")
	today := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := kr.VerifyLetter(s, today)
		if err != nil {
			var re *RejectError
			if !errors.As(err, &re) || re.Code == "" {
				t.Fatalf("refusal without a reject code: %v", err)
			}
			return
		}
		if l == nil {
			t.Fatal("accepted without a letter")
		}
		parts := strings.Split(strings.TrimPrefix(s, LetterPrefix), ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if string(payload) != string(signed) {
			t.Fatalf("accepted a payload that was never signed: %s", payload)
		}
	})
}
